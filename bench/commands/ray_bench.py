"""Ray anchor for `drover bench commands`: running `true` through Ray, one job at a time.

Three ways a Ray user runs a command, all on one local Ray head started by `ray.init` (dashboard
and job server on loopback):
- a task calling subprocess.run (sequential round trips, 1,000 by default);
- the job API as `ray job submit` uses it: `JobSubmissionClient.submit_job(entrypoint="true")`,
  then its status polled every 5 ms until it is terminal (in process: no CLI start-up);
- `ray job submit --address … -- true`, the CLI, which submits and follows the job to its end.
The job API takes about a second each, so --job-submits is small (20 by default, 0 = skip).
Prints milliseconds per run and the overhead over spawning `true` directly.
Install: python3 -m venv .venv-ray && .venv-ray/bin/pip install 'ray[default]'
"""
import argparse
import json
import os
import subprocess
import sys
import time

import ray


@ray.remote
def run(argv):
    return subprocess.run(argv, check=True).returncode


def direct(n):
    t = time.perf_counter()
    for _ in range(n):
        subprocess.run(["true"], check=True)
    return (time.perf_counter() - t) * 1000 / n


def submit_and_wait(client):
    """One `true` through the job API, waited to its end (what `ray job submit -- true` waits for)."""
    from ray.job_submission import JobStatus
    sid = client.submit_job(entrypoint="true")
    while not (status := client.get_job_status(sid)).is_terminal():
        time.sleep(0.005)
    if status != JobStatus.SUCCEEDED:
        raise RuntimeError(f"ray job {sid} ended {status}")


def job_api(address, n):
    from ray.job_submission import JobSubmissionClient
    client = JobSubmissionClient(address)
    submit_and_wait(client)  # warm-up: the first job starts the job agent's machinery
    t = time.perf_counter()
    for _ in range(n):
        submit_and_wait(client)
    return (time.perf_counter() - t) * 1000 / n


def job_cli(address, n):
    ray_bin = os.path.join(os.path.dirname(sys.executable), "ray")
    t = time.perf_counter()
    for _ in range(n):
        subprocess.run([ray_bin, "job", "submit", "--address", address, "--", "true"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - t) * 1000 / n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jobs", type=int, default=1_000)
    p.add_argument("--job-submits", type=int, default=20,
                   help="jobs through the job API, and as many `ray job submit` CLI runs (needs ray[default]; 0 = skip)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    direct_ms = direct(a.jobs)
    ctx = ray.init(num_cpus=2, include_dashboard=a.job_submits > 0, dashboard_host="127.0.0.1",
                   logging_level="ERROR", log_to_driver=False)
    ray.get([run.remote(["true"]) for _ in range(20)])  # warm up the workers
    t = time.perf_counter()
    for _ in range(a.jobs):
        ray.get(run.remote(["true"]))
    task_ms = (time.perf_counter() - t) * 1000 / a.jobs
    api_ms = cli_ms = None
    if a.job_submits > 0:
        if not ctx.dashboard_url:
            sys.exit("ray started without its dashboard (job server): pip install 'ray[default]'")
        address = "http://" + ctx.dashboard_url
        api_ms = job_api(address, a.job_submits)
        cli_ms = job_cli(address, a.job_submits)
    ray.shutdown()
    report = {"jobs": a.jobs, "directMillisPerRun": direct_ms, "taskMillisPerJob": task_ms,
              "taskOverheadMillisPerJob": task_ms - direct_ms, "jobSubmits": a.job_submits,
              "jobApiMillisPerJob": api_ms, "jobApiOverheadMillisPerJob": api_ms and api_ms - direct_ms,
              "jobSubmitCliMillisPerJob": cli_ms, "jobSubmitCliOverheadMillisPerJob": cli_ms and cli_ms - direct_ms,
              "rayVersion": ray.__version__}
    if a.json:
        print(json.dumps(report))
        return
    print(f"direct (python subprocess.run): {direct_ms:.3f} ms per `true`")
    print(f"ray task calling subprocess.run, {a.jobs} sequential: {task_ms:.3f} ms per job, overhead {task_ms - direct_ms:.3f} ms")
    if api_ms is not None:
        print(f"ray job API (submit_job + status until SUCCEEDED), {a.job_submits} sequential: {api_ms:.1f} ms per job")
        print(f"ray job submit -- true (CLI, waits), {a.job_submits} sequential: {cli_ms:.1f} ms per job")


if __name__ == "__main__":
    main()
