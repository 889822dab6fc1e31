#!/usr/bin/env python3
"""A 32-trial ASHA sweep in Drover vs Ray Tune on the same machine (issue #9, docs/performance.md).

Both sides run the same 32 trials of bench/sweep/trial.py (the same HistGradientBoosting
configurations drawn from the issue's space, the same data and holdout, the same AUC curve, one
thread each), 2 at a time, with ASHA grace_period 1, reduction_factor 4, max_t 16 (rungs at
steps 1, 4, 16), metric auc, mode max:

- Drover: `drover up` (1 worker, 2 slots, command jobs) and a pipeline whose train step is a
  command step swept over the trial index with `early_stopping: asha` and
  `preload: [numpy, sklearn.ensemble, sklearn.metrics]` (trials fork a warm interpreter that
  imported them once; `--fresh` also runs it without, each trial a new Python process); timed
  from `drover run` to the run's end (the span is added before).
- Ray Tune: `tune.Tuner` over the same trial indices (grid_search) with `ASHAScheduler` and
  max_concurrent_trials 2; timed from ray.init() to the results (a user pays the init too; the
  time after init is printed as well). Run twice: with Ray's defaults (each trial a new actor,
  so a new worker process that imports scikit-learn) and with `reuse_actors=True` (trials reuse
  the actors' processes: Ray's counterpart of `preload`).

Winner: the best final AUC among trials that ran to max_t (Drover's rule; Ray's
get_best_result(scope="last") over all trials, printed too).

Usage (a venv with scikit-learn and ray[tune], e.g. .venv-bench):
    .venv-bench/bin/python bench/sweep/sweep_bench.py --drover .build/release/drover [--rows 50000] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
import trial  # noqa: E402

GRACE, REDUCTION, MAX_T, PARALLEL = 1, 4, trial.STEPS, 2


def make_data(path: Path, rows: int) -> None:
    if path.exists():
        return
    import numpy as np
    from sklearn.datasets import make_classification
    x, y = make_classification(n_samples=rows, n_features=20, n_informative=10, flip_y=0.05, random_state=0)
    with open(path, "w") as f:
        f.write(",".join(f"f{i}" for i in range(20)) + ",label\n")
        np.savetxt(f, np.column_stack([x, y]), delimiter=",", fmt=["%.6g"] * 20 + ["%d"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PIPELINE = """pipeline: sweep-bench
model: sweep-bench
datasets:
  d: {{span: latest}}
steps:
  train:
    dataset: d
    command: ["{python}", "bench/sweep/trial.py", "{{{{ params.trial }}}}", "{{{{ inputs.d }}}}"]
    resources: {{cpus: 1}}
    timeout: 10m{preload}
    sweep:
      space: {{trial: [{trials}]}}
      max_parallel: {parallel}
      metric: auc
      mode: max
      early_stopping: {{asha: {{grace_period: {grace}, reduction_factor: {rf}, max_t: {max_t}}}}}
  promote:
    needs: [train]
    gates: [{{metric: auc, direction: higher, min: 0.5}}]
"""


PRELOAD = "\n    preload: [numpy, sklearn.ensemble, sklearn.metrics]"


def run_drover(binary: str, data: Path, trials: int, preload: bool = True) -> dict:
    work = Path(tempfile.mkdtemp(prefix="drover-sweep-bench-"))
    port = free_port()
    bind = f"tcp://127.0.0.1:{port}"
    connect = bind  # clients are served on the next port; --connect names the first
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=str(REPO / "clients" / "python" / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log = open(work / "up.log", "wb")
    up = subprocess.Popen([binary, "up", "--workers", "1", "--slots", str(PARALLEL), "--bind", bind,
                           "--data-dir", str(work / "data"), "--allow-commands", "--command-root", str(REPO),
                           # The benchmark's own trials, on a machine where it may run as root.
                           *(["--allow-root-commands"] if os.geteuid() == 0 else [])],
                          stdout=log, stderr=log, env=env, cwd=REPO)
    try:
        def drover(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([binary, *args, "--connect", connect], capture_output=True, text=True, cwd=REPO, env=env)
        deadline = time.monotonic() + 60
        while drover("status", "--json", "--timeout", "500").returncode != 0:
            if time.monotonic() > deadline or up.poll() is not None:
                raise SystemExit(f"drover up did not answer: see {work / 'up.log'}")
            time.sleep(0.2)
        added = drover("data", "add", "d", str(data), "--data-dir", str(work / "data"))
        if added.returncode != 0:
            raise SystemExit(f"drover data add: {added.stderr}")
        spec = work / "pipeline.yaml"
        spec.write_text(PIPELINE.format(python=sys.executable, trials=", ".join(str(i) for i in range(trials)),
                                        parallel=PARALLEL, grace=GRACE, rf=REDUCTION, max_t=MAX_T,
                                        preload=PRELOAD if preload else ""))
        t = time.perf_counter()
        run = drover("run", str(spec), "--wait", "--json", "--timeout", "30000")
        seconds = time.perf_counter() - t
        result = json.loads(run.stdout) if run.stdout.strip() else {}
        if not result:
            raise SystemExit(f"drover run: {run.stderr}")
        shown = json.loads(subprocess.run([binary, "runs", "show", result["id"], "--data-dir", str(work / "data"), "--json"],
                                          capture_output=True, text=True, check=True).stdout)
        trials_ = shown["trials"]
        winner = next((t for t in trials_ if t.get("winner")), {})
        # How much of the wall time the trials held the slots: what is left is Drover's own cost
        # (dispatch, process start, stop decisions), the part an orchestrator can shorten.
        held = sum(j["finishedAt"] - j["startedAt"] for j in shown.get("jobs", [])
                   if j.get("finishedAt") and j.get("startedAt"))
        return {"seconds": seconds, "state": result.get("state"), "best_auc": winner.get("value"),
                "best_trial": winner.get("trial"), "best_params": winner.get("params"),
                "completed": sum(t["status"] == "succeeded" for t in trials_),
                "stopped": sum(t["status"] == "stopped" for t in trials_),
                "failed": sum(t["status"] == "failed" for t in trials_),
                "steps": sum(len(t.get("curve", [])) for t in trials_),
                "slot_seconds": held, "slots_busy": held / (seconds * PARALLEL)}
    finally:
        up.terminate()
        try:
            up.wait(timeout=30)
        except subprocess.TimeoutExpired:
            up.kill()


def run_ray(data: Path, trials: int, reuse_actors: bool = False) -> dict:
    # Ray's local workers inherit the driver's environment (a runtime_env would add its agent).
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["PYTHONPATH"] = str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", "")
    t0 = time.perf_counter()
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    ray.init(num_cpus=PARALLEL, include_dashboard=False, log_to_driver=False)
    t1 = time.perf_counter()
    configs = trial.configs()
    path = str(data)

    def trainable(config):
        import trial as t  # noqa: F811 (the worker process imports it from PYTHONPATH)
        t.train(configs[config["trial"]], path, lambda step, auc: tune.report({"auc": auc, "step": step}))

    tuner = tune.Tuner(
        tune.with_resources(trainable, {"cpu": 1}),
        param_space={"trial": tune.grid_search(list(range(trials)))},
        tune_config=tune.TuneConfig(metric="auc", mode="max", max_concurrent_trials=PARALLEL, reuse_actors=reuse_actors,
                                    scheduler=ASHAScheduler(time_attr="training_iteration", max_t=MAX_T,
                                                            grace_period=GRACE, reduction_factor=REDUCTION)),
        run_config=tune.RunConfig(storage_path=tempfile.mkdtemp(prefix="ray-sweep-bench-"), verbose=0))
    results = tuner.fit()
    t2 = time.perf_counter()
    done = [r for r in results if r.metrics and r.metrics.get("training_iteration") == MAX_T]
    best_full = max(done, key=lambda r: r.metrics["auc"]) if done else None
    best_last = results.get_best_result(metric="auc", mode="max", scope="last")
    out = {"seconds": t2 - t0, "seconds_after_init": t2 - t1, "best_auc": best_full.metrics["auc"] if best_full else None,
           "best_trial": best_full.config["trial"] if best_full else None,
           "best_last_any": best_last.metrics["auc"], "completed": len(done),
           "stopped": sum(1 for r in results if r.metrics and r.metrics.get("training_iteration", 0) < MAX_T),
           "failed": sum(1 for r in results if r.error),
           "steps": sum(r.metrics.get("training_iteration", 0) for r in results if r.metrics)}
    ray.shutdown()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drover", default=str(REPO / ".build" / "release" / "drover"))
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--trials", type=int, default=trial.TRIALS)
    ap.add_argument("--only", choices=["drover", "ray"])
    ap.add_argument("--fresh", action="store_true", help="also run Drover without preload (a new Python process per trial)")
    ap.add_argument("--ray-default-only", action="store_true", help="skip Ray with reuse_actors=True")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    data = Path(f"/tmp/drover_sweep_{args.rows}.csv")
    make_data(data, args.rows)
    load0 = os.getloadavg()
    res = {}
    if args.only != "ray":
        res["drover"] = run_drover(args.drover, data, args.trials)
        if args.fresh:
            res["drover_fresh"] = run_drover(args.drover, data, args.trials, preload=False)
    if args.only != "drover":
        res["ray"] = run_ray(data, args.trials)
        if not args.ray_default_only:
            res["ray_reuse"] = run_ray(data, args.trials, reuse_actors=True)
    res["load_average"] = [load0, os.getloadavg()]
    res["build"] = Path(args.drover).parent.name
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    print(f"{args.trials} trials, ASHA grace {GRACE} rf {REDUCTION} max_t {MAX_T}, {PARALLEL} at a time, {args.rows} rows; "
          f"drover build {res['build']}; load average before/after {load0} / {os.getloadavg()}")
    for name in ("drover", "drover_fresh", "ray", "ray_reuse"):
        if name in res:
            r = res[name]
            extra = f" (after init {r['seconds_after_init']:.1f} s)" if "seconds_after_init" in r else ""
            print(f"{name:12s} {r['seconds']:7.1f} s{extra}  best AUC {r['best_auc']} (trial {r['best_trial']})  "
                  f"completed {r['completed']}, stopped {r['stopped']}, failed {r['failed']}, steps run {r['steps']}")
            if "slots_busy" in r:
                print(f"        trials held the {PARALLEL} slots {r['slots_busy']:.1%} of the wall time "
                      f"({r['slot_seconds']:.1f} slot-seconds)")
    if "drover" in res:
        for name, what in (("ray", "Ray (defaults)"), ("ray_reuse", "Ray (reuse_actors)"), ("drover_fresh", "Drover without preload")):
            if name in res:
                print(f"{what} / Drover wall time: {res[name]['seconds'] / res['drover']['seconds']:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
