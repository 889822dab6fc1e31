"""Training scenarios of `run-faults` (issue #9): data-parallel training and a sweep across the
namespaces, with a worker killed and another's link cut mid-run.

The coordinator (drv-coord) runs the pipeline; the workers (drv-w1..w3) reach the span only
through the coordinator's artifact server. Each scenario checks the training result against one
process (`drover train` on the same span), and the harness then audits the journal.
"""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from drvtest import Violation, testbed, wait_for

DIAMONDS = Path(__file__).resolve().parents[2] / "examples" / "diamonds"
SPAN = DIAMONDS / "span-1.csv"
# Relative RMSE allowed against one process: the order of floating-point sums can pick another
# equal-gain split on diamonds (docs/pipelines.md, "Data-parallel training").
TOLERANCE = 1e-4
TERMINAL = ("promoted", "rejected", "blocked", "failed")


def shown(r, run: str) -> dict:
    """`drover runs show RUN --json` read from the metadata store ({} while unreadable)."""
    p = subprocess.run([r.c.binary, "runs", "show", run, "--data-dir", str(r.c.data), "--json"],
                       capture_output=True, text=True, timeout=60)
    return json.loads(p.stdout) if p.returncode == 0 else {}


def start_run(r, pipeline: Path, *params: str) -> str:
    add = r.c.drover("data", "add", "diamonds", str(SPAN), "--data-dir", str(r.c.data))
    if add.returncode != 0:
        raise Violation(f"drover data add failed: {add.stderr.strip()}")
    args = ["run", str(pipeline), "--json"]
    for p in params:
        args += ["--param", p]
    run = r.c.drover(*args)
    if run.returncode != 0:
        raise Violation(f"drover run failed: {run.stderr.strip()}")
    return json.loads(run.stdout)["id"]


def running_workers(r, kind: str) -> list[str]:
    """Workers running a job of `kind` now (the coordinator's view)."""
    p = r.c.drover("jobs", "--state", "running", "--json")
    jobs = json.loads(p.stdout) if p.returncode == 0 else []
    return sorted({j["worker"] for j in jobs if j.get("kind") == kind and j.get("worker")})


def inject(r, kind: str, started) -> None:
    """Once `started()` holds: kill -9 a worker running a train job (restarted, as a supervisor
    would) and cut another worker's link for 3 s (twice the lease: its jobs are re-queued)."""
    wait_for("training under way", started, 180)
    busy = wait_for("a worker running a train job", lambda: running_workers(r, kind), 60)
    victim = busy[0]
    r.c.workers[victim].kill9()
    r.faults.append(f"kill -9 {victim} (running a train job)")
    cut = next((w for w in busy[1:]), next(w for w in r.c.workers if w != victim))
    testbed("partition", cut)
    r.faults.append(f"{cut}'s link cut for 3 s")
    t0 = time.monotonic()
    try:
        r.c.start_worker(victim)
        wait_for("3 s of partition", lambda: time.monotonic() - t0 >= 3, 10)
    finally:
        testbed("heal", cut)
    # Recovery here: until every worker is back (the jobs are the training, which goes on).
    t = time.monotonic()
    r.c.wait_workers(alive=3)
    r.recovery = time.monotonic() - t


def finish(r, run: str) -> dict:
    s = wait_for(f"run {run} to end", lambda: (s := shown(r, run)) and s.get("run", {}).get("status") in TERMINAL and s, 300)
    if s["run"]["status"] != "promoted":
        raise Violation(f"run {run} ended {s['run']['status']}: {s.get('run')}")
    r.extra_jobs += len({j["jobID"] for j in s.get("jobs", [])})
    return s


def single_process_rmse(r, params: dict[str, str]) -> float:
    """`drover train` on the span in one process with these parameters: holdout RMSE."""
    args = [r.c.binary, "train", str(SPAN), "--label", "price", "--model", "gbdt", "--holdout-modulo", "5",
            "--out", str(r.c.dir / "single.drover"), "--json"]
    for k, v in params.items():
        args += [f"--{k.replace('_', '-')}", v]
    p = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise Violation(f"drover train failed: {p.stderr.strip()}")
    return json.loads(p.stdout)["holdoutMetrics"]["regression"]["rmse"]


def check_rmse(r, rmse: float | None, reference: float, what: str) -> None:
    if rmse is None or abs(rmse - reference) > TOLERANCE * reference:
        raise Violation(f"{what}: RMSE {rmse} vs one process {reference}")
    r.notes.append(f"{what}: RMSE {rmse:.4f} = one process {reference:.4f}")


def distributed_train(r) -> None:
    r.jobs = 0  # the pipeline is the load
    trees = "80" if r.short else "200"  # faults after round 25 (the first progress line)
    run = start_run(r, DIAMONDS / "pipeline-distributed.yaml", f"trees={trees}", "shard_timeout_ms=4000")
    log = r.c.coordinator.log
    inject(r, "train-shard", lambda: "pipeline.training.progress" in log.read_text(errors="replace"))
    s = finish(r, run)
    if "pipeline.training.finished" not in log.read_text(errors="replace"):
        raise Violation("the coordinator did not log pipeline.training.finished")
    rmse = (s.get("metrics") or {}).get("candidate.rmse")
    check_rmse(r, rmse, single_process_rmse(r, {"trees": trees, "seed": "7"}), "2-shard model after the faults")


def sweep(r) -> None:
    r.jobs = 0
    # Trials long enough for the faults to land mid-sweep: with the pipeline's 40 trees the six
    # trials took about 2 s in all, and the sweep could end before two of them were seen running.
    trees = "150" if r.short else "400"
    run = start_run(r, DIAMONDS / "pipeline-sweep.yaml", f"trees={trees}")
    inject(r, "train", lambda: len(running_workers(r, "train")) >= 2)
    s = finish(r, run)
    trials = s.get("trials", [])
    winners = [t for t in trials if t.get("winner")]
    if len(trials) != 6 or len(winners) != 1:
        raise Violation(f"expected 6 trials and one winner: {trials}")
    done = [t for t in trials if t.get("status") == "succeeded" and t.get("value") is not None]
    if winners[0].get("value") != min(t["value"] for t in done):
        raise Violation(f"the winner {winners[0]} is not the trial with the lowest RMSE of {done}")
    params = {"trees": trees, "seed": "7", **winners[0].get("params", {})}
    check_rmse(r, winners[0]["value"], single_process_rmse(r, params), f"winner {params}")


SCENARIOS = {
    "distributed-train": distributed_train,
    "sweep": sweep,
}
