"""MLflow tracking with its SQLite backend: the anchor for `drover bench tracking`.

Logs PARAMS params and METRICS metric values (step = i) into one run of a fresh
`sqlite:///…` store, two ways, and prints JSON rates:
  - batch:    MlflowClient.log_batch, 1,000 metrics per call (MLflow's per-request limit),
              params in batches of 100 (its limit);
  - per-call: mlflow.log_metric / log_param, one call per value (the common pattern),
              on --per-call-metrics values (it is slow; the rate is per value, so a smaller
              count measures the same thing).
Usage: python3 mlflow_bench.py --metrics 100000 --params 100 --per-call-metrics 5000
"""
import argparse, json, os, shutil, tempfile, time, warnings, logging

warnings.filterwarnings("ignore")
logging.getLogger("mlflow").setLevel(logging.ERROR)
logging.getLogger("alembic").setLevel(logging.ERROR)
os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")

import mlflow
from mlflow.tracking import MlflowClient
from mlflow.entities import Metric, Param


def fresh_store():
    d = tempfile.mkdtemp(prefix="mlflow-bench-")
    uri = f"sqlite:///{d}/mlflow.db"
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment(f"bench-{time.time_ns()}", artifact_location=f"{d}/artifacts")
    return d, client, exp


def batch(metrics, params):
    d, client, exp = fresh_store()
    run = client.create_run(exp).info.run_id
    now = int(time.time() * 1000)
    ps = [Param(f"p{i}", str(i)) for i in range(params)]
    ms = [Metric("loss", float(i) * 0.001, now, i) for i in range(metrics)]
    t0 = time.perf_counter()
    for i in range(0, len(ps), 100):
        client.log_batch(run, params=ps[i:i + 100])
    for i in range(0, len(ms), 1000):
        client.log_batch(run, metrics=ms[i:i + 1000])
    seconds = time.perf_counter() - t0
    client.set_terminated(run)
    shutil.rmtree(d, ignore_errors=True)
    return seconds


def per_call(metrics, params):
    d, client, exp = fresh_store()
    t0 = time.perf_counter()
    with mlflow.start_run(experiment_id=exp):
        for i in range(params):
            mlflow.log_param(f"p{i}", str(i))
        for i in range(metrics):
            mlflow.log_metric("loss", float(i) * 0.001, step=i)
    seconds = time.perf_counter() - t0
    shutil.rmtree(d, ignore_errors=True)
    return seconds


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--metrics", type=int, default=100_000)
    ap.add_argument("--params", type=int, default=100)
    ap.add_argument("--per-call-metrics", type=int, default=5_000)
    a = ap.parse_args()
    b = batch(a.metrics, a.params)
    p = per_call(a.per_call_metrics, a.params)
    print(json.dumps({
        "mlflowVersion": mlflow.__version__,
        "batchValues": a.metrics + a.params, "batchSeconds": b,
        "batchValuesPerSecond": (a.metrics + a.params) / b,
        "perCallValues": a.per_call_metrics + a.params, "perCallSeconds": p,
        "perCallValuesPerSecond": (a.per_call_metrics + a.params) / p,
    }))
