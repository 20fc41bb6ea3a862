#!/usr/bin/env python3
"""Compare the pandas baseline's outputs with govscore's: compare.py GOVSCORE_OUT PANDAS_OUT [--csv-only]

- results.csv: every row of one file is in the other (by subject), with the same peer group,
  status, rank, grade and vetoed flag, and score, coverage and every composite column within 1e-9;
- indicators.csv: the same rows in the same order (subject, indicator), the same status, and raw,
  value and weight within 1e-9 (or both empty);
- results.json: for every subject and leaf, raw, value and weight within 1e-9 (or both null) and
  the same status (null where the leaf does not apply); the subjects' score, coverage and
  composite values within 1e-9; and per peer group and leaf the statistics of the raw values
  (n, missing equal; min, max, mean, sd within 1e-9).
With --csv-only, results.csv alone (the outputs are deterministic: run.sh checks everything after
the first pair and results.csv after the others). Prints what was compared; exits 1 listing (at
most 20) differences otherwise.
"""
import json
import os
import sys

import numpy as np
import pandas as pd

TOL = 1e-9


def close(x, y):
    """Elementwise: within TOL, or both NaN."""
    return (np.abs(x - y) <= TOL) | (np.isnan(x) & np.isnan(y))


def load_results(path):
    df = pd.read_csv(path, dtype={"subject": str, "rank": "Int64", "vetoed": str, "grade": str},
                     encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    return df.set_index("subject").sort_index()


def compare_results(a_path, b_path, problems):
    a, b = load_results(a_path), load_results(b_path)
    if list(a.columns) != list(b.columns):
        problems.append(f"results.csv columns differ: {list(a.columns)} vs {list(b.columns)}")
    if not a.index.equals(b.index):
        problems.append(f"results.csv subjects differ: {len(a)} vs {len(b)} rows")
    if problems:
        return
    for col in ("peer_group", "kind", "status", "rank", "grade", "vetoed"):
        diff = ~((a[col] == b[col]) | (a[col].isna() & b[col].isna())).astype(bool)
        for s in a.index[diff][:20]:
            problems.append(f"results.csv {s} {col}: {a.at[s, col]!r} vs {b.at[s, col]!r}")
    for col in a.columns[list(a.columns).index("score"):]:
        if col in ("grade", "vetoed"):
            continue
        x, y = a[col].to_numpy(float), b[col].to_numpy(float)
        bad = ~close(x, y)
        for s, u, v in list(zip(a.index[bad], x[bad], y[bad]))[:20]:
            problems.append(f"results.csv {s} {col}: {u!r} vs {v!r}")
    print(f"results.csv agree: {len(a)} subjects, {len(a.columns)} columns (numbers within {TOL})")


def compare_indicators(a_path, b_path, problems):
    kw = dict(dtype={"subject": str, "indicator": str, "status": str, "raw": float, "value": float, "weight": float},
              encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    a, b = pd.read_csv(a_path, **kw), pd.read_csv(b_path, **kw)
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        problems.append(f"indicators.csv: {len(a)} rows {list(a.columns)} vs {len(b)} rows {list(b.columns)}")
        return
    for col in ("subject", "indicator", "status"):
        bad = np.flatnonzero(a[col].to_numpy() != b[col].to_numpy())
        for i in bad[:20]:
            problems.append(f"indicators.csv row {i + 2} {col}: {a.at[i, col]!r} vs {b.at[i, col]!r}")
    for col in ("raw", "value", "weight"):
        x, y = a[col].to_numpy(), b[col].to_numpy()
        for i in np.flatnonzero(~close(x, y))[:20]:
            problems.append(f"indicators.csv row {i + 2} ({a.at[i, 'subject']}, {a.at[i, 'indicator']}) {col}: {x[i]!r} vs {y[i]!r}")
    print(f"indicators.csv agree: {len(a)} rows, same keys and statuses in the same order (numbers within {TOL})")


def matrix(rows):
    """A list of lists with None as a float matrix with NaN."""
    return np.array(rows, dtype=float)  # None becomes NaN


def compare_json(a_path, b_path, problems):
    # govscore's layout: indicators.subjects[k] = {subject, raw: [...], value, status, weight}.
    with open(a_path, encoding="utf-8-sig") as f:
        g = json.load(f)
    leaves = g["indicators"]["leaves"]
    gsub = g["indicators"]["subjects"]
    ids = [s["subject"] for s in gsub]
    gm = {k: matrix([s[k] for s in gsub]) for k in ("raw", "value", "weight")}
    gst = np.array([s["status"] for s in gsub], dtype=object)
    gres = {r["subject"]: r for r in g["results"]}
    ggroups = {(grp["label"], lf["indicator"]): lf for grp in g["groups"] for lf in grp["leaves"]}
    del g, gsub
    # The pandas script's: indicators = {leaves, subjects, raw: [[...]], value, status, weight}.
    with open(b_path, encoding="utf-8") as f:
        p = json.load(f)
    ind = p["indicators"]
    if ind["leaves"] != leaves:
        problems.append(f"results.json leaves differ: {leaves[:3]}… vs {ind['leaves'][:3]}…")
        return
    pos = {s: i for i, s in enumerate(ind["subjects"])}
    if len(pos) != len(ids) or any(s not in pos for s in ids):
        problems.append(f"results.json subjects differ: {len(ids)} vs {len(pos)}")
        return
    rows = np.array([pos[s] for s in ids])
    for k in ("raw", "value", "weight"):
        x, y = gm[k], matrix(ind[k])[rows]
        for i, j in list(zip(*np.nonzero(~close(x, y))))[:20]:
            problems.append(f"results.json {ids[i]} {leaves[j]} {k}: {x[i, j]!r} vs {y[i, j]!r}")
    pst = np.array(ind["status"], dtype=object)[rows]
    for i, j in list(zip(*np.nonzero(gst != pst)))[:20]:
        problems.append(f"results.json {ids[i]} {leaves[j]} status: {gst[i, j]!r} vs {pst[i, j]!r}")
    cells = int((gst != None).sum())  # noqa: E711 (elementwise)
    # Per subject: score, coverage and the composites.
    n_res = 0
    for r in p["results"]:
        q = gres[r["subject"]]
        pairs = [("score", q["score"], r["score"]), ("coverage", q["coverage"], r["coverage"])]
        pairs += [(k, v, r[k]) for k, v in q["nodes"].items()]
        for k, u, v in pairs:
            u, v = np.nan if u is None else u, np.nan if v is None else v
            if not close(np.float64(u), np.float64(v)):
                problems.append(f"results.json {r['subject']} {k}: {u!r} vs {v!r}")
        n_res += 1
    # Per peer group and leaf: the statistics of the raw values.
    n_stats = 0
    for s in p["groups"]:
        q = ggroups.get((s["peer_group"], s["indicator"]))
        if q is None:
            problems.append(f"results.json groups: {s['peer_group']} {s['indicator']} only in the pandas output")
            continue
        for k in ("n", "missing", "min", "max", "mean", "sd"):
            u, v = q[k], s[k]
            u, v = np.nan if u is None else u, np.nan if v is None else v
            if not close(np.float64(u), np.float64(v)):
                problems.append(f"results.json group {s['peer_group']} {s['indicator']} {k}: {u!r} vs {v!r}")
        n_stats += 1
    if n_stats != len(ggroups):
        problems.append(f"results.json groups: {len(ggroups)} (group, leaf) statistics vs {n_stats}")
    print(f"results.json agree: {len(ids)} subjects × {len(leaves)} leaves ({cells} applicable cells: raw, value, "
          f"weight within {TOL}, status equal), {n_res} results, {n_stats} group × leaf statistics")


def main(a_dir, b_dir, csv_only=False):
    problems = []
    compare_results(os.path.join(a_dir, "results.csv"), os.path.join(b_dir, "results.csv"), problems)
    if not csv_only:
        compare_indicators(os.path.join(a_dir, "indicators.csv"), os.path.join(b_dir, "indicators.csv"), problems)
        compare_json(os.path.join(a_dir, "results.json"), os.path.join(b_dir, "results.json"), problems)
    if problems:
        print("\n".join(problems[:20]), file=sys.stderr)
        raise SystemExit(f"{len(problems)} differences (first 20 above)")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--csv-only"]
    if len(args) != 2:
        raise SystemExit("usage: compare.py GOVSCORE_OUT PANDAS_OUT [--csv-only]")
    main(args[0], args[1], "--csv-only" in sys.argv[1:])
