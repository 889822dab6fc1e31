"""Fills an MLflow tracking store (SQLite) with runs shaped like bench_http.py's drover runs
(3 params, 4 metrics, finished). The first runs go through MLflow's own store API; the rest are
copies of them made in one SQLite transaction with new ids, names, times and seeds (its API
commits each call: 10,000 runs took hours here). Run with MLflow's Python:
python mlflow_fill.py DB_PATH RUNS
"""
import sqlite3
import sys
import time
import uuid

from mlflow.entities import Metric, Param, RunStatus
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore


def main():
    path, runs = sys.argv[1], int(sys.argv[2])
    store = SqlAlchemyStore(f"sqlite:///{path}", f"{path}.artifacts")
    exp = store.create_experiment("churn")
    t0 = time.time()
    made = min(runs, 20)
    for i in range(made):
        start = int((t0 - runs + i) * 1000)
        run = store.create_run(exp, user_id="bench", start_time=start, tags=[], run_name=f"r-bench-{i:05d}")
        rid = run.info.run_id
        store.log_batch(rid, metrics=[Metric(k, v, start, 0) for k, v in (("roc_auc", 0.8 + (i % 100) / 1000), ("accuracy", 0.9),
                                                                             ("log_loss", 0.3), ("rows", 10000))],
                        params=[Param("trees", "40"), Param("seed", str(i)), Param("model", "gbdt")], tags=[])
        store.update_run_info(rid, RunStatus.FINISHED, start + 900, None)
    db = sqlite3.connect(path)
    templates = [r[0] for r in db.execute("SELECT run_uuid FROM runs ORDER BY start_time")]
    with db:
        for i in range(made, runs):
            template, new, start = templates[i % made], uuid.uuid4().hex, int((t0 - runs + i) * 1000)
            run = dict(zip([c[1] for c in db.execute("PRAGMA table_info(runs)")],
                           db.execute("SELECT * FROM runs WHERE run_uuid = ?", (template,)).fetchone()))
            run.update(run_uuid=new, name=f"r-bench-{i:05d}", start_time=start, end_time=start + 900,
                       artifact_uri=run["artifact_uri"].replace(template, new))
            db.execute(f"INSERT INTO runs ({','.join(run)}) VALUES ({','.join('?' * len(run))})", list(run.values()))
            for table in ("latest_metrics", "metrics", "params", "tags"):
                cols = [c[1] for c in db.execute(f"PRAGMA table_info({table})")]
                for row in db.execute(f"SELECT * FROM {table} WHERE run_uuid = ?", (template,)).fetchall():
                    r = dict(zip(cols, row))
                    r["run_uuid"] = new
                    if table == "params" and r["key"] == "seed":
                        r["value"] = str(i)
                    if table == "tags" and r["key"] == "mlflow.runName":
                        r["value"] = f"r-bench-{i:05d}"
                    db.execute(f"INSERT INTO {table} ({','.join(r)}) VALUES ({','.join('?' * len(r))})", list(r.values()))
    db.close()
    print(exp, flush=True)


if __name__ == "__main__":
    main()
