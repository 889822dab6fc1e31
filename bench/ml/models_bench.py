#!/usr/bin/env python3
"""Drover vs sklearn / LightGBM on a 1,000,000 × 20 binary classification CSV.

Generates /tmp/drover_models_1m.csv with sklearn make_classification(n_samples=1_000_000,
n_features=20, random_state=0) (never commit it), then with the holdout split (row i is test iff
i % 5 == 4) times fit() of sklearn LogisticRegression, HistGradientBoostingClassifier,
lightgbm.LGBMClassifier(n_jobs=2) and Drover's `bench ml-models` (preprocessing + fit), medians
of --runs runs, and prints time and accuracy/AUC side by side with ratios.

Usage: python3 bench/ml/models_bench.py [--drover .build/release/drover] [--runs 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--drover", default=".build/release/drover")
ap.add_argument("--drover-args", default="bench ml-models", help="subcommand path to the bench command")
ap.add_argument("--csv", default="/tmp/drover_models_1m.csv")
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--skip-python", action="store_true")
args = ap.parse_args()

os.environ.setdefault("OMP_NUM_THREADS", "2")
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, roc_auc_score  # noqa: E402
import lightgbm as lgb  # noqa: E402

X, y = make_classification(n_samples=1_000_000, n_features=20, random_state=0)
if not os.path.exists(args.csv):
    cols = [f"f{i}" for i in range(20)]
    with open(args.csv, "w") as f:
        f.write(",".join(cols) + ",label\n")
        np.savetxt(f, np.column_stack([X, y]), delimiter=",", fmt=["%.17g"] * 20 + ["%d"])
test = np.arange(len(y)) % 5 == 4
Xtr, ytr, Xte, yte = X[~test], y[~test], X[test], y[test]


def timed(make):
    times, cpus, last = [], [], None
    for _ in range(args.runs):
        m = make()
        t, c = time.perf_counter(), time.process_time()
        m.fit(Xtr, ytr)
        times.append(time.perf_counter() - t); cpus.append(time.process_time() - c)
        last = m
    p = last.predict_proba(Xte)[:, 1]
    return (statistics.median(times), statistics.median(cpus),
            accuracy_score(yte, p > 0.5), roc_auc_score(yte, p))


results = {}
load0 = os.getloadavg()
if not args.skip_python:
    results["sklearn LogisticRegression"] = timed(lambda: LogisticRegression())
    results["sklearn HistGradientBoosting"] = timed(lambda: HistGradientBoostingClassifier(random_state=0))
    results["LightGBM (2 threads)"] = timed(lambda: lgb.LGBMClassifier(n_jobs=2, verbose=-1))

runs = []
for _ in range(args.runs):
    out = subprocess.run([args.drover, *args.drover_args.split(), "--csv", args.csv, "--json"],
                         check=True, capture_output=True, text=True).stdout
    runs.append({r["model"]: r for r in json.loads(out)})
for name, key in [("drover logistic", "logistic"), ("drover gbdt", "gbdt")]:
    c = runs[-1][key]["metrics"]["classification"]
    results[name] = (statistics.median(r[key]["trainSeconds"] for r in runs),
                     statistics.median(r[key]["cpuSeconds"] for r in runs), c["accuracy"], c["roc_auc"])

print(f"load average before/after: {load0} / {os.getloadavg()}")
print(f"{'model':32s} {'fit s':>8s} {'cpu s':>8s} {'accuracy':>9s} {'AUC':>8s}")
for name, (t, cpu, acc, auc) in results.items():
    print(f"{name:32s} {t:8.3f} {cpu:8.2f} {acc:9.4f} {auc:8.4f}")
pairs = [("drover logistic", "sklearn LogisticRegression"), ("drover gbdt", "LightGBM (2 threads)"),
         ("drover gbdt", "sklearn HistGradientBoosting")]
for ours, anchor in pairs:
    if ours in results and anchor in results:
        (t1, _, a1, u1), (t0, _, a0, u0) = results[ours], results[anchor]
        print(f"{ours} vs {anchor}: time ×{t1 / t0:.2f}, accuracy {100 * (a1 - a0):+.2f} pts, AUC {u1 - u0:+.4f}")
