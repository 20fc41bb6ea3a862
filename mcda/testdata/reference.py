"""Independent reference computations for the mcda tests.

Plain Python (math only), written from SPEC §6 and COINr's R sources
(treat.R: winsorise, check_SkewKurt, log_CT, skew, kurt), not from the Go
code. Run: python3 reference.py  — prints the values pasted into the tests.
"""
import csv, math, os

def mean(x): return sum(x) / len(x)

def skew(x):
    n = len(x); m = mean(x); d = [v - m for v in x]
    s2 = sum(v*v for v in d); s3 = sum(v**3 for v in d)
    return math.sqrt(n) * s3 / s2**1.5 * math.sqrt(n*(n-1)) / (n-2)

def kurt(x):
    n = len(x); m = mean(x); d = [v - m for v in x]
    s2 = sum(v*v for v in d); s4 = sum(v**4 for v in d)
    r = n * s4 / s2**2
    return ((n+1)*(r-3)+6)*(n-1)/((n-2)*(n-3))

def check(x, st=2.0, kt=3.5):
    if len(x) < 4 or min(x) == max(x): return None
    return abs(skew(x)) < st or kurt(x) < kt

def treat(x, winmax=5, st=2.0, kt=3.5):
    """COINr Treat.numeric default: winsorise, else log_CT on the original."""
    p = check(x, st, kt)
    if p is None: return ("undefined", list(x), [], [])
    if p: return ("passed", list(x), [], [])
    y = list(x); imax = []; imin = []; nwin = 0
    while (not p) and nwin < winmax:
        if skew(y) >= 0:
            mx = max(y); imax = [i for i, v in enumerate(y) if v == mx]
            other = max(v for i, v in enumerate(y) if i not in imax)
            for i in imax: y[i] = other
        else:
            mn = min(y); imin = [i for i, v in enumerate(y) if v == mn]
            other = min(v for i, v in enumerate(y) if i not in imin)
            for i in imin: y[i] = other
        nwin = len(imax) + len(imin)
        p = check(y, st, kt)
        if p is None: return ("undefined", list(x), [], [])
    if p: return ("winsorised", y, imax, imin)
    mn, mx = min(x), max(x)
    return ("log", [math.log(v - mn + 0.01*(mx-mn)) for v in x], [], [])

def entropy(X):
    n = len(X); m = len(X[0]); d = []
    for j in range(m):
        c = [r[j] for r in X]; lo, hi = min(c), max(c)
        if lo == hi: d.append(0.0); continue
        x = [(v-lo)/(hi-lo) for v in c]; s = sum(x)
        e = -sum((v/s)*math.log(v/s) for v in x if v > 0) / math.log(n)
        d.append(1-e)
    s = sum(d)
    return [v/s for v in d] if s else [1/m]*m

def pearson(a, b):
    ma, mb = mean(a), mean(b)
    sab = sum((x-ma)*(y-mb) for x, y in zip(a, b))
    saa = sum((x-ma)**2 for x in a); sbb = sum((y-mb)**2 for y in b)
    return sab / math.sqrt(saa*sbb)

def sd(a):
    m = mean(a); return math.sqrt(sum((v-m)**2 for v in a)/(len(a)-1))

def critic(X):
    m = len(X[0]); cols = [[r[j] for r in X] for j in range(m)]
    const = [min(c) == max(c) for c in cols]; C = []
    for j in range(m):
        if const[j]: C.append(0.0); continue
        s = 0.0
        for k in range(m):
            r = 0.0 if const[k] else pearson(cols[j], cols[k])
            s += 1 - r
        C.append(sd(cols[j]) * s)
    t = sum(C); return [v/t for v in C]

def pca(X, iters=5000):
    """Power iteration on the correlation matrix (largest eigenvalue simple)."""
    m = len(X[0]); cols = [[r[j] for r in X] for j in range(m)]
    const = [min(c) == max(c) for c in cols]
    R = [[1.0 if j == k else (0.0 if const[j] or const[k] else pearson(cols[j], cols[k]))
          for k in range(m)] for j in range(m)]
    # shift by +m so the largest eigenvalue dominates in absolute value
    u = [1.0/math.sqrt(m)]*m
    for _ in range(iters):
        v = [sum(R[j][k]*u[k] for k in range(m)) + m*u[j] for j in range(m)]
        nv = math.sqrt(sum(t*t for t in v)); u = [t/nv for t in v]
    return [t*t for t in u]

def topsis(V, w, lo, hi):
    Y = [[w[j]*r[j] for j in range(len(w))] for r in V]
    ap = [max(r[j] for r in Y) for j in range(len(w))]
    am = [min(r[j] for r in Y) for j in range(len(w))]
    out = []
    for r in Y:
        dp = math.sqrt(sum((r[j]-ap[j])**2 for j in range(len(w))))
        dm = math.sqrt(sum((r[j]-am[j])**2 for j in range(len(w))))
        c = 1.0 if dp + dm == 0 else dm/(dp+dm)
        out.append(lo + (hi-lo)*c)
    return out

def gra(V, w, lo, hi, rho=0.5):
    m = len(w); X = [[(v-lo)/(hi-lo) for v in r] for r in V]
    ref = [max(r[j] for r in X) for j in range(m)]
    D = [[abs(r[j]-ref[j]) for j in range(m)] for r in X]
    dmin = min(min(r) for r in D); dmax = max(max(r) for r in D)
    ws = sum(w); out = []
    for r in D:
        xi = [1.0 if dmax == 0 else (dmin + rho*dmax)/(d + rho*dmax) for d in r]
        out.append(lo + (hi-lo)*sum(w[j]/ws*xi[j] for j in range(m)))
    return out

def var(a):
    m = mean(a); return sum((v-m)**2 for v in a)/(len(a)-1)

def cronbach(X):
    k = len(X[0]); items = sum(var([r[j] for r in X]) for j in range(k))
    return k/(k-1)*(1 - items/var([sum(r) for r in X]))

def asem():
    here = os.path.dirname(os.path.abspath(__file__))
    d = os.path.join(here, "coinr-asem")
    meta = [r for r in csv.DictReader(open(os.path.join(d, "iMeta.csv"))) if r["Type"] == "Indicator"]
    data = list(csv.DictReader(open(os.path.join(d, "iData_raw.csv"))))
    for m in meta:
        code, den = m["iCode"], m["Denominator"]
        vals = []
        for r in data:
            v = r[code]
            if v == "NA": continue
            v = float(v)
            if den != "NA":
                if r[den] == "NA": continue
                v = v / float(r[den])
            vals.append(v)
        out, y, hi, lo = treat(vals)
        sa = skew(y) if out != "undefined" else float("nan")
        ka = kurt(y) if out != "undefined" else float("nan")
        print('\t{"%s", %d, Treat%s, %d, %d, %.15g, %.15g, %.15g, %.15g},' % (
            code, len(vals), out.capitalize() if out != "log" else "Log", len(hi), len(lo),
            skew(vals), kurt(vals), sa, ka))

if __name__ == "__main__":
    print("entropy", entropy([[1, 0, 5], [2, 0, 5], [3, 1, 5]]))
    E = [[0.8, 120, 3.1, 45], [0.6, 150, 2.9, 60], [0.9, 90, 3.8, 52], [0.7, 200, 3.3, 48], [0.5, 170, 2.7, 70]]
    print("entropy5", [repr(v) for v in entropy(E)])
    print("critic", [repr(v) for v in critic(E)])
    print("critic3", [repr(v) for v in critic([[1, 2, 4], [2, 1, 4], [3, 4, 4], [4, 3, 4]])])
    print("pca", [repr(v) for v in pca(E)])
    T = [[70, 40, 90], [50, 80, 60], [90, 60, 30], [30, 100, 80]]
    print("topsis", [repr(v) for v in topsis(T, [0.5, 0.3, 0.2], 0, 100)])
    print("gra", [repr(v) for v in gra(T, [0.5, 0.3, 0.2], 0, 100)])
    print("skew 1:10,100", repr(skew(list(range(1, 11)) + [100])), repr(kurt(list(range(1, 11)) + [100])))
    print("skew 1,2,3,10", repr(skew([1, 2, 3, 10])), repr(kurt([1, 2, 3, 10])))
    C = [[3, 4, 3], [5, 5, 4], [1, 2, 2], [4, 4, 5], [2, 3, 2]]
    print("cronbach", repr(cronbach(C)))
    for x in ([*range(1, 11), 100], [*range(1, 21), 100, 200], [-100, *range(1, 11)],
              [*range(1, 11), 100, 100], [*range(1, 21), 40, 50, 60, 70, 500], [1, 1, 1, 1, 100]):
        o, y, hi, lo = treat(x)
        print("treat", x, o, hi, lo, [repr(v) for v in y] if o != "passed" else "")
    for x in ([*range(1, 21), 100, 200],):
        o, y, hi, lo = treat(x, winmax=1)
        print("treat winmax1", o, [repr(v) for v in y][:3], repr(skew(y)), repr(kurt(y)))
    asem()
