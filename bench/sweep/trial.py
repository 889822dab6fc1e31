"""The trial both sides of bench/sweep/sweep_bench.py run: the same model, data and curve.

Trial N (0 ≤ N < 32) is the N-th draw of a seeded random search over the issue's space —
learning_rate log-uniform in [0.01, 0.3), max_leaf_nodes in {15, 31, 63} — for scikit-learn's
HistGradientBoostingClassifier. A trial boosts STEPS × TREES_PER_STEP trees with warm start and
reports the holdout ROC AUC after every step (the curve early stopping acts on); rows i % 5 == 4
are the holdout. One thread per trial (OMP_NUM_THREADS=1 on both sides).

    python3 trial.py N DATA.csv          # as a Drover command step: points via drover_helper
"""
from __future__ import annotations

import json
import math
import sys

import numpy as np

STEPS = 16
TREES_PER_STEP = 5
TRIALS = 32


def configs(n: int = TRIALS, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        lr = math.exp(rng.uniform(math.log(0.01), math.log(0.3)))
        out.append({"learning_rate": lr, "max_leaf_nodes": int(rng.choice([15, 31, 63]))})
    return out


def load(path: str):
    a = np.loadtxt(path, delimiter=",", skiprows=1)
    x, y = a[:, :-1], a[:, -1].astype(int)
    test = np.arange(len(y)) % 5 == 4
    return x[~test], y[~test], x[test], y[test]


def train(config: dict, data: str, report) -> None:
    """Boosts with warm start, calling report(step, auc) after each step (1-based)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    xtr, ytr, xte, yte = load(data)
    model = HistGradientBoostingClassifier(learning_rate=config["learning_rate"],
                                           max_leaf_nodes=config["max_leaf_nodes"],
                                           warm_start=True, early_stopping=False, random_state=0)
    for step in range(1, STEPS + 1):
        model.set_params(max_iter=step * TREES_PER_STEP)
        model.fit(xtr, ytr)
        report(step, float(roc_auc_score(yte, model.predict_proba(xte)[:, 1])))


def main() -> None:
    from drover_helper import input_path, log_metric, log_param, output_dir
    n, data = int(sys.argv[1]), sys.argv[2]
    config = configs()[n]
    for k, v in config.items():
        log_param(k, v)
    train(config, str(input_path(data)), lambda step, auc: log_metric("auc", auc, step=step))
    (output_dir() / "model.json").write_text(json.dumps(config))  # Drover promotes a file named model*


if __name__ == "__main__":
    main()
