#!/usr/bin/env python3
"""Data-side benchmark: our CSV reader and drift tests vs pandas / scipy.

Usage:  python3 bench/ml/data_bench.py [--drover .build/release/drover] [--runs 3]

Generates /tmp/drover_bench_1m.csv (sklearn make_classification, 1,000,000 x 20 features
plus the label; never committed), then times
  1. reading it: pandas.read_csv vs `drover bench ml-data --csv FILE` (CSV phase),
  2. drift on 20 numeric columns, rows [0, 500k) as reference vs [500k, 1M) as current:
     scipy.stats.ks_2samp + numpy PSI (10 quantile bins of the reference) +
     scipy.stats.wasserstein_distance vs our PSI+KS+Wasserstein (drift phase).
Prints medians of --runs runs and the ratios (anchor / ours: > 1 means we are faster).
"""
import argparse, json, os, statistics, subprocess, sys, time

CSV = "/tmp/drover_bench_1m.csv"


def generate():
    if os.path.exists(CSV):
        return
    import pandas as pd
    from sklearn.datasets import make_classification
    X, y = make_classification(n_samples=1_000_000, n_features=20, random_state=0)
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(20)])
    df["label"] = y
    df.to_csv(CSV, index=False)


def psi(ref, cur, bins=10):
    import numpy as np
    edges = np.quantile(ref, np.linspace(0, 1, bins + 1))
    edges[0], edges[-1] = -np.inf, np.inf
    r = np.histogram(ref, edges)[0] / len(ref)
    c = np.histogram(cur, edges)[0] / len(cur)
    r = np.where(r == 0, 1e-4, r)
    c = np.where(c == 0, 1e-4, c)
    return float(np.sum((r - c) * np.log(r / c)))


def anchor_once():
    import pandas as pd
    from scipy.stats import ks_2samp, wasserstein_distance
    t0 = time.perf_counter()
    df = pd.read_csv(CSV)
    t1 = time.perf_counter()
    values = df.to_numpy()
    ref, cur = values[:500_000], values[500_000:]
    t2 = time.perf_counter()
    for j in range(20):
        a, b = ref[:, j], cur[:, j]
        ks_2samp(a, b, method="asymp")
        psi(a, b)
        wasserstein_distance(a, b)
    t3 = time.perf_counter()
    return t1 - t0, t3 - t2


def ours_once(drover):
    out = subprocess.run([drover, "bench", "ml-data", "--csv", CSV, "--json"],
                         check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    return result["csvSeconds"], result["driftSeconds"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--drover", default=".build/release/drover")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    generate()
    anchor = [anchor_once() for _ in range(args.runs)]
    ours = [ours_once(args.drover) for _ in range(args.runs)]
    a_csv = statistics.median(a[0] for a in anchor)
    a_drift = statistics.median(a[1] for a in anchor)
    o_csv = statistics.median(o[0] for o in ours)
    o_drift = statistics.median(o[1] for o in ours)
    print(f"CSV read 1,000,000 x 21 : pandas {a_csv:.3f} s   drover {o_csv:.3f} s   ratio {a_csv / o_csv:.1f}x")
    print(f"drift 20 cols 500k/500k : scipy  {a_drift:.3f} s   drover {o_drift:.3f} s   ratio {a_drift / o_drift:.1f}x")


if __name__ == "__main__":
    sys.exit(main())
