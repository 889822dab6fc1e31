#!/usr/bin/env python3
"""Quality anchors on the shared datasets (sklearn / LightGBM) with Drover's holdout split.

Split: 0-based data row i is test iff i % 5 == 4. Preprocessing for linear models:
OneHotEncoder(handle_unknown='ignore') on categoricals + mean imputation + StandardScaler on
numerics; for trees: ordinal codes for categoricals. Usage:
    python3 bench/ml/models_anchor.py [DATA_DIR]     # default ../shared/data beside the repository
"""
import os
import sys
import time

import numpy as np
import pandas as pd
import lightgbm as lgb
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data")


def load(name, label):
    df = pd.read_csv(f"{DATA}/{name}")
    y = df.pop(label)
    test = np.arange(len(df)) % 5 == 4
    cat = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    num = [c for c in df.columns if c not in cat]
    return df, y, test, cat, num


def linear_pipe(model, cat, num):
    ct = ColumnTransformer([
        ("c", OneHotEncoder(handle_unknown="ignore"), cat),
        ("n", make_pipeline(SimpleImputer(), StandardScaler()), num)])
    return make_pipeline(ct, model)


def tree_frame(df, cat, train):
    enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit(df.loc[train, cat]) if cat else None
    X = df.copy()
    if cat:
        X[cat] = enc.transform(df[cat])
    return X.astype(float)


def report(name, what, seconds, **metrics):
    vals = "  ".join(f"{k}={v:.4f}" for k, v in metrics.items())
    print(f"{name:14s} {what:34s} {seconds:7.3f}s  {vals}")


for name, label in [("breast_cancer.csv", "is_benign"), ("taxi.csv", "tip")]:
    df, y, test, cat, num = load(name, label)
    yb = (y == y.max()) if pd.api.types.is_numeric_dtype(y) else (y == sorted(y.unique())[-1])
    yb = yb.astype(int).values
    t = time.time(); p = linear_pipe(LogisticRegression(max_iter=1000), cat, num).fit(df[~test], yb[~test])
    s = time.time() - t; pr = p.predict_proba(df[test])[:, 1]
    report(name, "sklearn LogisticRegression", s, acc=accuracy_score(yb[test], pr > 0.5), auc=roc_auc_score(yb[test], pr))
    X = tree_frame(df, cat, ~test)
    t = time.time(); m = HistGradientBoostingClassifier(random_state=0).fit(X[~test], yb[~test])
    s = time.time() - t; pr = m.predict_proba(X[test])[:, 1]
    report(name, "sklearn HistGradientBoosting", s, acc=accuracy_score(yb[test], pr > 0.5), auc=roc_auc_score(yb[test], pr))
    t = time.time(); m = lgb.LGBMClassifier(n_jobs=2, verbose=-1).fit(X[~test], yb[~test])
    s = time.time() - t; pr = m.predict_proba(X[test])[:, 1]
    report(name, "LightGBM LGBMClassifier", s, acc=accuracy_score(yb[test], pr > 0.5), auc=roc_auc_score(yb[test], pr))

df, y, test, cat, num = load("diamonds.csv", "price")
y = y.values.astype(float)
t = time.time(); p = linear_pipe(Ridge(alpha=1.0), cat, num).fit(df[~test], y[~test]); s = time.time() - t
report("diamonds.csv", "sklearn Ridge(alpha=1)", s, rmse=np.sqrt(mean_squared_error(y[test], p.predict(df[test]))))
X = tree_frame(df, cat, ~test)
t = time.time(); m = HistGradientBoostingRegressor(random_state=0).fit(X[~test], y[~test]); s = time.time() - t
report("diamonds.csv", "sklearn HistGradientBoosting", s, rmse=np.sqrt(mean_squared_error(y[test], m.predict(X[test]))))
t = time.time(); m = lgb.LGBMRegressor(n_jobs=2, verbose=-1).fit(X[~test], y[~test]); s = time.time() - t
report("diamonds.csv", "LightGBM LGBMRegressor", s, rmse=np.sqrt(mean_squared_error(y[test], m.predict(X[test]))))
