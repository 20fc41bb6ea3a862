#!/usr/bin/env python3
"""Compare the pandas baseline's results.csv with govscore's: compare.py GOVSCORE.csv PANDAS.csv

Every row of one file must be in the other (by subject), with the same peer group, status, rank,
grade and vetoed flag, and score, coverage and every composite column within 1e-9. Prints the
number of subjects compared; exits 1 listing (at most 20) differences otherwise.
"""
import sys

import numpy as np
import pandas as pd

TOL = 1e-9


def load(path):
    df = pd.read_csv(path, dtype={"subject": str, "rank": "Int64", "vetoed": str, "grade": str},
                     encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    return df.set_index("subject").sort_index()


def main(a_path, b_path):
    a, b = load(a_path), load(b_path)
    problems = []
    if list(a.columns) != list(b.columns):
        problems.append(f"columns differ: {list(a.columns)} vs {list(b.columns)}")
    if not a.index.equals(b.index):
        problems.append(f"subjects differ: {len(a)} vs {len(b)} rows")
    if problems:
        raise SystemExit("\n".join(problems))
    for col in ("peer_group", "kind", "status", "rank", "grade", "vetoed"):
        diff = ~((a[col] == b[col]) | (a[col].isna() & b[col].isna())).astype(bool)
        for s in a.index[diff][:20]:
            problems.append(f"{s} {col}: {a.at[s, col]!r} vs {b.at[s, col]!r}")
    for col in a.columns[list(a.columns).index("score"):]:
        if col in ("grade", "vetoed"):
            continue
        x, y = a[col].to_numpy(float), b[col].to_numpy(float)
        bad = ~((np.abs(x - y) <= TOL) | (np.isnan(x) & np.isnan(y)))
        for s, u, v in list(zip(a.index[bad], x[bad], y[bad]))[:20]:
            problems.append(f"{s} {col}: {u!r} vs {v!r}")
    if problems:
        print("\n".join(problems[:20]), file=sys.stderr)
        raise SystemExit(f"{len(problems)} differences (first 20 above)")
    print(f"agree: {len(a)} subjects, {len(a.columns)} columns (numbers within {TOL})")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: compare.py GOVSCORE_results.csv PANDAS_results.csv")
    main(sys.argv[1], sys.argv[2])
