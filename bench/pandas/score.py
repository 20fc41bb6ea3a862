#!/usr/bin/env python3
"""Baseline for issue 13: the scoring of `govscore run --format csv,json` written in pandas.

Usage: score.py PROJECT OUT   (PROJECT made by `govscore gen`; writes OUT/results.csv,
OUT/indicators.csv and OUT/results.json)

This is the script a capable analyst would write for the project `govscore gen` makes: it reads
indicators.yaml and the two CSV files, and scores with column-wise pandas/NumPy operations
(groupby/transform by peer group; no Python loop over rows). It implements the features the
generated indicator set uses (SPEC 4.1-4.10): derived metrics, expressions with ratio() and ??,
applies_to, coverage, missing policies exclude/zero/mean/median/min (optionally by region),
log1p, winsorize, minmax/zscore/goalpost/rank/none normalisation, direction, weighted arithmetic
aggregation with per-tier rounding, adjustments with max/min clamps and a grade cap, grades with
quotas, competition ranking. It is a benchmark baseline, not a second implementation: features
the generator does not use are not implemented and are refused.

It writes what `govscore run --format csv,json` writes, as an analyst would with pandas:
- results.csv and indicators.csv with govscore's rows, columns and order (indicators.csv: one row
  per subject and applicable leaf, subject,indicator,raw,value,status,weight, the weight being the
  leaf's effective weight in the subject's score) through DataFrame.to_csv with a UTF-8 BOM.
  results.csv has its numbers as govscore writes them (shortest(): "82", not "82.0");
  indicators.csv has pandas' own float text (shortest round-trip too, but "574.0" for 574 and
  "0.0" for 0), as converting 5 million cells to that form would cost ~8 s of CPU more. Keys and
  statuses come out byte-identical, raw values and weights equal as numbers; normalised values
  and scores can differ in the last digits (sums in another order), which bench/pandas/compare.py
  allows up to 1e-9.
- results.json with the same information in its own layout: the set (meta, tree), per peer group
  and leaf the statistics of the raw values (n, missing, min, max, mean, sd), the results rows
  (DataFrame.to_json records) and every cell as subject-by-leaf matrices of raw, value, status and
  weight (null where the leaf does not apply), through DataFrame.to_json, the fastest writer
  pandas has; its numbers carry 15 significant digits (to_json's maximum) where govscore's
  round-trip (up to 17). Not written: govscore's adjustment details, grade reasons, node statuses,
  normalisation statistics, group weights, hashes.
"""
import json
import os
import re
import sys

import numpy as np
import pandas as pd
import yaml


def spreadsheet_round(x, digits):
    """SPEC 4.6: half away from zero on the value shown at 15 significant digits (vectorised)."""
    a = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.floor(np.log10(np.where(a > 0, a, 1.0))) + 1  # digits before the point
    p = 10.0 ** digits
    # The scaled value rounded to 15 significant digits, then half up.
    dec = (15 - e - digits).astype(int)
    t = a * p
    t = _round_to(t, dec)
    return np.sign(x) * np.floor(t + 0.5) / p


def _round_to(t, dec):
    out = np.empty_like(t)
    for d in np.unique(dec[np.isfinite(t)]):  # a handful of distinct magnitudes, not rows
        m = dec == d
        out[m] = np.round(t[m], int(d))
    out[~np.isfinite(t)] = np.nan
    return out


def translate(expr):
    """An expression of the generated set as Python over the metric columns."""
    expr = re.sub(r"\(\s*(\w+)\s*\?\?\s*([0-9.]+)\s*\)", r"(\1.fillna(\2))", expr)
    expr = re.sub(r"^\s*(\w+)\s*\?\?\s*([0-9.]+)\s*$", r"\1.fillna(\2)", expr)
    if "??" in expr:
        raise SystemExit(f"unsupported expression {expr!r}")
    return expr


def evaluate(expr, env):
    def ratio(a, b):
        return a / b.where(b != 0)

    v = eval(translate(expr), {"ratio": ratio, "__builtins__": {}}, env)  # noqa: S307 (our own YAML)
    if np.isscalar(v):
        v = pd.Series(float(v), index=env["_index"])
    return v.astype(float).replace([np.inf, -np.inf], np.nan)


def main(project, out):
    spec = yaml.safe_load(open(os.path.join(project, "indicators.yaml"), encoding="utf-8"))
    subjects = pd.read_csv(os.path.join(project, "data", "subjects.csv"), dtype=str, keep_default_na=False)
    metrics = pd.read_csv(os.path.join(project, "data", "metrics.csv"), dtype={"subject": str, "period": str})
    metrics = metrics[metrics["period"] == str(spec["period"])]
    df = subjects.merge(metrics, left_on="id", right_on="subject", how="left")
    lo, hi = spec.get("scale", [0, 100])
    min_cov = spec.get("min_coverage", 0)
    defaults = spec.get("defaults", {})
    group_cols = spec.get("peer_groups", [])
    df["peer_group"] = df[group_cols].agg("/".join, axis=1) if group_cols else "all"
    env = {c: df[c] for c in metrics.columns if c not in ("subject", "period")}
    env["_index"] = df.index
    for name, m in spec["metrics"].items():  # derived metrics, in declaration order
        if isinstance(m, dict) and "expr" in m:
            env[name] = evaluate(m["expr"], env)

    # Leaves in tree order, with their parent (the generated tree has two tiers).
    dims = spec["tree"]
    leaves = [(d, leaf) for d in dims for leaf in d["children"]]
    for d, leaf in leaves:
        if "children" in leaf or "applies_when" in leaf or "treat" in leaf or "applies_to" in d:
            raise SystemExit(f"{leaf['id']}: feature not in this baseline")

    raw = pd.DataFrame({leaf["id"]: evaluate(leaf["expr"], env) for _, leaf in leaves})
    applies = pd.DataFrame(
        {leaf["id"]: df["kind"].isin(leaf["applies_to"]) if "applies_to" in leaf else pd.Series(True, index=df.index)
         for _, leaf in leaves})
    n_app = applies.sum(axis=1)
    coverage = (raw.notna() & applies).sum(axis=1) / n_app.where(n_app > 0)
    rated = coverage.notna() & (coverage >= min_cov)
    group = df["peer_group"]

    values = pd.DataFrame(index=df.index)
    filled = pd.DataFrame(index=df.index)  # cells the missing policy filled (status imputed)
    uninformative = pd.DataFrame(index=df.index)
    for _, leaf in leaves:
        lid = leaf["id"]
        inpool = rated & applies[lid]
        x = raw[lid].where(inpool)
        missing = leaf.get("missing", defaults.get("missing", "exclude"))
        by = [group]
        if isinstance(missing, dict):
            if "by" in missing:
                by = [group, df[missing["by"]]]
            missing = missing["impute"]
        zero = False
        if missing in ("mean", "median", "min"):
            x = x.fillna(x.groupby(by).transform(missing))
        elif missing == "zero":
            zero = True
        elif missing != "exclude":
            raise SystemExit(f"{lid}: missing policy {missing!r} not in this baseline")
        norm = leaf.get("normalize", defaults.get("normalize", "minmax"))
        if isinstance(norm, str):
            norm = {"method": norm}
        transform = leaf.get("transform")
        if transform == "log1p":
            x = np.log1p(x.where(x > -1))
        elif transform is not None:
            raise SystemExit(f"{lid}: transform {transform!r} not in this baseline")
        if "winsorize" in leaf:
            w = leaf["winsorize"]
            g = x.groupby(group)
            x = x.clip(g.transform("quantile", w["lower"]), g.transform("quantile", w["upper"]))
        lower = leaf.get("direction", "higher") == "lower"
        g = x.groupby(group)
        method = norm["method"]
        informative = pd.Series(True, index=df.index)
        if method == "minmax":
            mn, mx = g.transform("min"), g.transform("max")
            d = mx - mn
            v = lo + (hi - lo) * ((mx - x) if lower else (x - mn)) / d
            informative = d > 0
        elif method == "zscore":
            mean, sd, n = g.transform("mean"), g.transform("std"), g.transform("count")
            z = (x - mean) / sd
            m, s = norm.get("mean", 50), norm.get("sd", 10)
            v = m - s * z if lower else m + s * z
            informative = (sd > 0) & (n >= 2)
        elif method == "rank":
            r, n = g.rank(method="average"), g.transform("count")
            v = lo + (hi - lo) * ((n - r) if lower else (r - 1)) / (n - 1)
            informative = (n >= 2) & (g.transform("min") < g.transform("max"))
        elif method == "goalpost":
            L, H = norm["low"], norm["high"]
            if transform == "log1p":
                L, H = np.log1p(L), np.log1p(H)
            v = lo + (hi - lo) * (((H - x) if lower else (x - L)) / (H - L)).clip(0, 1)
        elif method == "none":
            v = x.clip(lo, hi) if norm.get("clip") else x
        else:
            raise SystemExit(f"{lid}: normalize {method!r} not in this baseline")
        if zero:
            v = v.where(raw[lid].notna() | ~inpool, lo)
        informative = informative.fillna(False)
        values[lid] = v.where(inpool & informative)
        filled[lid] = inpool & raw[lid].isna() & (zero or missing != "exclude")
        uninformative[lid] = inpool & ~informative

    # Aggregation: weighted mean over the children that take part, rounded per node.
    # A leaf's effective weight is its share among its dimension's children that take part
    # times the dimension's share among the dimensions that take part (0 if it takes no part).
    node = pd.DataFrame(index=df.index)
    shares = []
    for d in dims:
        ids = [c["id"] for c in d["children"]]
        w = np.array([c.get("weight", 1) for c in d["children"]], dtype=float)
        v = values[ids].to_numpy()
        part = ~np.isnan(v)
        ws = (part * w).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            agg = (np.where(part, v, 0) * w).sum(axis=1) / ws
            shares.append(part * w / ws[:, None])
        agg[ws == 0] = np.nan
        node[d["id"]] = spreadsheet_round(agg, d["round"]) if "round" in d else agg
    w = np.array([d.get("weight", 1) for d in dims], dtype=float)
    v = node[[d["id"] for d in dims]].to_numpy()
    part = ~np.isnan(v)
    ws = (part * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        root = (np.where(part, v, 0) * w).sum(axis=1) / ws
        dim_share = part * w / ws[:, None]
    root[ws == 0] = np.nan
    weight = np.nan_to_num(np.hstack([s * dim_share[:, [j]] for j, s in enumerate(shares)]))
    if "round" in spec:
        root = spreadsheet_round(root, spec["round"])
    rated &= ~np.isnan(root)

    # Adjustments (SPEC 4.8).
    score = pd.Series(root, index=df.index)
    vetoed = pd.Series(False, index=df.index)
    caps = pd.Series(None, index=df.index, dtype=object)
    for adj in spec.get("adjustments", []):
        app = df["kind"].isin(adj["applies_to"]) if "applies_to" in adj else pd.Series(True, index=df.index)
        if "points" in adj:
            p = evaluate(adj["points"], env).fillna(0).clip(adj.get("min"), adj.get("max"))
            score = score + p.where(app, 0)
        if "when" in adj:
            m = re.fullmatch(r"\(\s*(\w+)\s*\?\?\s*([0-9.]+)\s*\)\s*>\s*([0-9.]+)", adj["when"])
            if not m:
                raise SystemExit(f"{adj['id']}: condition not in this baseline")
            held = (env[m.group(1)].fillna(float(m.group(2))) > float(m.group(3))) & app
            vetoed |= held
            caps = caps.where(~held, adj["cap_grade"])
    if spec.get("clamp_total"):
        score = score.clip(lo, hi)
    score = score.where(rated)

    # Grades, caps and quotas (SPEC 4.9), ranking (SPEC 4.10), within each peer group.
    ranking = spec.get("ranking", {})
    digits = ranking.get("digits", 9)
    rscore = pd.Series(spreadsheet_round(score.to_numpy(), digits), index=df.index)
    grades = spec["grades"]
    names = [g["name"] for g in grades]
    gi = pd.Series(len(grades) - 1, index=df.index)
    for i in reversed(range(len(grades) - 1)):
        gi = gi.where(~(rscore >= grades[i]["min"]), i)
    cap_i = caps.map({n: i for i, n in enumerate(names)})
    gi = gi.where(cap_i.isna(), np.maximum(gi, cap_i.fillna(0))).astype(int)
    n_rated = rated.groupby(group).transform("sum")
    for i, g in enumerate(grades):
        if "max_share" not in g:
            continue
        quota = np.floor(g["max_share"] * n_rated)
        holders = rated & (gi == i)
        pos = rscore.where(holders).groupby(group).rank(method="max", ascending=False)
        gi = gi.where(~(holders & (pos > quota)), i + 1)
    asc = ranking.get("order", "desc") == "asc"
    if ranking.get("method", "competition") != "competition":
        raise SystemExit("ranking method not in this baseline")
    rank = rscore.where(rated).groupby(group).rank(method="min", ascending=asc)

    res = pd.DataFrame({
        "peer_group": group, "subject": df["id"], "name": df["name"], "kind": df["kind"],
        "status": np.where(rated, "rated", "unrated"), "rank": rank.astype("Int64"),
        "score": score, "grade": pd.Series(np.array(names, dtype=object)[gi], index=df.index).where(rated),
        "coverage": coverage, "vetoed": pd.Series(np.where(vetoed, "true", "false"), index=df.index).where(rated),
    })
    res = pd.concat([res, node.where(rated, axis=0)], axis=1)
    res["_u"] = ~rated
    res = res.sort_values(["peer_group", "_u", "rank", "subject"]).drop(columns="_u")
    os.makedirs(out, exist_ok=True)
    numeric = ["score", "coverage"] + list(node.columns)
    res.assign(**{c: shortest(res[c].to_numpy()) for c in numeric}).to_csv(
        os.path.join(out, "results.csv"), index=False, encoding="utf-8-sig")

    # The cells, subject by subject in the order of results.csv, leaves in tree order.
    order = res.index.to_numpy()
    n, leaf_ids = len(order), [leaf["id"] for _, leaf in leaves]
    rated_o = rated.to_numpy()[order]
    app = applies.to_numpy()[order]
    r = raw.to_numpy()[order]
    v = values.to_numpy()[order]
    v[~rated_o] = np.nan
    w = weight[order]
    w[~rated_o] = 0
    code = np.where(np.isnan(r), 2, 0)  # STATUS: ok, missing
    code[filled.to_numpy()[order]] = 1
    code[uninformative.to_numpy()[order]] = 3
    code[~rated_o] = 4
    code[~app] = len(STATUS)  # not applicable: no row in indicators.csv, null in results.json

    # indicators.csv: one row per subject and applicable leaf, 20,000 subjects at a time (the
    # whole table at once costs ~500 MB more at its peak, for the same time). The numbers in
    # pandas' own text ("82.0", not govscore's "82"): shortest() on 5 million cells would cost
    # ~8 s of CPU more.
    subjects_o, leaf_codes = res["subject"].to_numpy(), np.arange(len(leaf_ids))
    with open(os.path.join(out, "indicators.csv"), "w", encoding="utf-8-sig", newline="") as f:
        for i in range(0, n, 20000):
            j = min(i + 20000, n)
            keep = app[i:j].ravel()
            pd.DataFrame({
                "subject": np.repeat(subjects_o[i:j], len(leaf_ids))[keep],
                "indicator": pd.Categorical.from_codes(np.tile(leaf_codes, j - i)[keep], leaf_ids),
                "raw": r[i:j].ravel()[keep],
                "value": v[i:j].ravel()[keep],
                "status": pd.Categorical.from_codes(code[i:j].ravel()[keep], STATUS),
                "weight": w[i:j].ravel()[keep],
            }).to_csv(f, index=False, header=i == 0)

    # Per peer group and leaf: the present raw values of the rated subjects it applies to.
    x = raw.where(applies & rated.to_numpy()[:, None])
    g = x.groupby(group)
    stats = pd.concat({
        "n": g.count(), "missing": (x.isna() & applies & rated.to_numpy()[:, None]).groupby(group).sum(),
        "min": g.min(), "max": g.max(), "mean": g.mean(), "sd": g.std(),
    }, axis=1).stack(level=1).rename_axis(["peer_group", "indicator"]).reset_index()
    stats = stats[stats["n"] + stats["missing"] > 0]

    # results.json: the set, the group statistics, the results and every cell as leaf-by-subject
    # matrices (null where a leaf does not apply).
    def js(frame, orient):
        return frame.to_json(orient=orient, double_precision=15, force_ascii=False)

    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        f.write('{"format": "pandas-baseline/1", "meta": ')
        f.write(json.dumps({k: spec.get(k) for k in ("id", "name", "version", "period")}, ensure_ascii=False))
        f.write(', "scale": [%s, %s], "tree": ' % (lo, hi) + json.dumps(dims, ensure_ascii=False))
        f.write(', "groups": ' + js(stats, "records"))
        f.write(', "results": ' + js(res, "records"))
        f.write(', "indicators": {"leaves": ' + json.dumps(leaf_ids) + ', "subjects": ' + js(res["subject"], "values"))
        labels = np.array(STATUS + [None], dtype=object)
        for name, m in (("raw", np.where(app, r, np.nan)), ("value", np.where(app, v, np.nan)),
                        ("status", labels[code]), ("weight", np.where(app, w, np.nan))):
            f.write(f', "{name}": ' + js(pd.DataFrame(m), "values"))
        f.write("}}\n")


STATUS = ["ok", "imputed", "missing", "uninformative", "unrated"]


def shortest(a):
    """Numbers as govscore writes them: the shortest text that reads back as the same float64,
    integers without ".0" and no exponent from 1e-6 to 1e21 (Python's repr uses one below 1e-4
    and from 1e16). An object array for to_csv: ints where the value is whole, floats otherwise."""
    out = a.astype(object)
    with np.errstate(invalid="ignore"):
        whole = (np.floor(a) == a) & (np.abs(a) < 1e15)
        out[whole] = a[whole].astype(np.int64)
        odd = (~whole & (np.abs(a) >= 1e15) & (np.abs(a) < 1e21)) | ((a != 0) & (np.abs(a) >= 1e-6) & (np.abs(a) < 1e-4))
    out[odd] = [np.format_float_positional(y, unique=True, trim="-") for y in a[odd]]
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: score.py PROJECT OUT")
    main(sys.argv[1], sys.argv[2])
