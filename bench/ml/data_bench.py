#!/usr/bin/env python3
"""Data-side benchmark: our CSV reader and drift tests vs pandas / scipy.

Usage:  python3 bench/ml/data_bench.py [--drover .build/release/drover] [--runs 3]

Generates /tmp/drover_bench_1m.csv (sklearn make_classification, 1,000,000 x 20 features
plus the label; never committed), then times
  1. reading it: pandas.read_csv vs `drover bench ml-data --csv FILE` (CSV phase),
  2. drift on 20 numeric columns, rows [0, 500k) as reference vs [500k, 1M) as current:
     scipy.stats.ks_2samp + numpy PSI (Evidently's Sturges bins) +
     scipy.stats.wasserstein_distance vs our PSI+KS+Wasserstein (drift phase).
Prints medians of --runs runs, wall and CPU time, and the ratios (anchor / ours: > 1 means
we are faster). CPU time is the fairer comparison on a shared, busy machine.
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


def psi(ref, cur):
    """Evidently's PSI: Sturges bins over the combined data, empty bins filled (utils.get_binned_data)."""
    import numpy as np
    edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
    r = np.histogram(ref, edges)[0] / len(ref)
    c = np.histogram(cur, edges)[0] / len(cur)
    for a in (r, c):
        smallest = a[a != 0].min()
        np.place(a, a == 0, smallest / 1e6 if smallest <= 1e-4 else 1e-4)
    return float(np.sum((r - c) * np.log(r / c)))


def anchor_once():
    import numpy as np
    import pandas as pd
    from scipy.stats import ks_2samp, wasserstein_distance
    t0, c0 = time.perf_counter(), time.process_time()
    df = pd.read_csv(CSV)
    t1, c1 = time.perf_counter(), time.process_time()
    values = df.to_numpy()
    ref, cur = values[:500_000], values[500_000:]
    t2, c2 = time.perf_counter(), time.process_time()
    for j in range(20):
        a, b = ref[:, j], cur[:, j]
        ks_2samp(a, b, method="asymp")
        psi(a, b)
        wasserstein_distance(a, b) / max(np.std(a), 0.001)
    t3, c3 = time.perf_counter(), time.process_time()
    return t1 - t0, t3 - t2, c1 - c0, c3 - c2


def ours_once(drover):
    out = subprocess.run([drover, "bench", "ml-data", "--csv", CSV, "--json"],
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    return r["csvSeconds"], r["driftSeconds"], r["csvCPUSeconds"], r["driftCPUSeconds"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--drover", default=".build/release/drover")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    generate()
    anchor = [anchor_once() for _ in range(args.runs)]
    ours = [ours_once(args.drover) for _ in range(args.runs)]
    med = lambda runs, k: statistics.median(r[k] for r in runs)
    for k, label in [(0, "CSV read 1,000,000 x 21 (wall)"), (1, "drift 20 cols 500k/500k (wall)"),
                     (2, "CSV read 1,000,000 x 21 (CPU) "), (3, "drift 20 cols 500k/500k (CPU) ")]:
        a, o = med(anchor, k), med(ours, k)
        print(f"{label}: pandas/scipy {a:7.3f} s   drover {o:7.3f} s   ratio {a / o:5.1f}x")
    print(f"(medians of {args.runs} runs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    sys.exit(main())
