"""A scikit-learn training script run as a Drover command job (docs/commands.md).

    python3 train.py --C 1.0             # locally: metrics go to stderr, the model to ./drover-out
    drover submit --command --wait -- python3 train.py --C 1.0

It trains a logistic regression on scikit-learn's breast-cancer data (or on --data CSV with a
`label` column), logs its parameters and metrics with drover_helper and leaves the model in the
job's output directory, which Drover uploads as an artifact.
"""

from __future__ import annotations

import argparse
import csv
import pickle

from drover_helper import input_path, log_metric, log_param, output_dir
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def load(data: str | None):
    if data is None:
        bunch = load_breast_cancer()
        return bunch.data, bunch.target
    with open(input_path(data), newline="") as f:
        rows = list(csv.DictReader(f))
    features = [k for k in rows[0] if k != "label"]
    return [[float(r[k]) for k in features] for r in rows], [int(r["label"]) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--data", help="input name of a CSV with a 'label' column (default: breast-cancer data)")
    parser.add_argument("--features", type=int, default=0, help="use only the first N feature columns (0: all)")
    args = parser.parse_args()

    log_param("C", args.C)
    log_param("max_iter", args.max_iter)
    x, y = load(args.data)
    if args.features > 0:
        x = [row[: args.features] for row in x]
        log_param("features", args.features)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=args.C, max_iter=args.max_iter))
    model.fit(x_train, y_train)
    log_metric("accuracy", accuracy_score(y_test, model.predict(x_test)))
    log_metric("auc", roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))
    with open(output_dir() / "model.pkl", "wb") as f:
        pickle.dump(model, f)
    print(f"trained C={args.C}: accuracy and auc logged, model.pkl written")


if __name__ == "__main__":
    main()
