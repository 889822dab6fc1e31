"""Ray anchor for `drover bench commands`: running `true` through Ray, one job at a time.

Two ways a Ray user runs a command: a task calling subprocess.run (sequential round trips,
1,000 by default), and `ray job submit` (the job API; a few, it takes seconds each).
Prints milliseconds per run and the overhead over spawning `true` directly. Install: pip install ray
"""
import argparse
import json
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jobs", type=int, default=1_000)
    p.add_argument("--job-submits", type=int, default=0, help="`ray job submit` runs (needs pip install 'ray[default]' for the dashboard; 0 = skip)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    direct_ms = direct(a.jobs)
    ctx = ray.init(num_cpus=2, include_dashboard=a.job_submits > 0, logging_level="ERROR", log_to_driver=False)
    ray.get([run.remote(["true"]) for _ in range(20)])  # warm up the workers
    t = time.perf_counter()
    for _ in range(a.jobs):
        ray.get(run.remote(["true"]))
    task_ms = (time.perf_counter() - t) * 1000 / a.jobs
    submit_ms = None
    if a.job_submits > 0:
        address = "http://" + ctx.dashboard_url
        ray_bin = sys.executable.replace("python", "ray").rsplit("/", 1)[0] + "/ray"
        t = time.perf_counter()
        for _ in range(a.job_submits):
            subprocess.run([ray_bin, "job", "submit", "--address", address, "--", "true"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        submit_ms = (time.perf_counter() - t) * 1000 / a.job_submits
    ray.shutdown()
    report = {"jobs": a.jobs, "directMillisPerRun": direct_ms, "taskMillisPerJob": task_ms,
              "taskOverheadMillisPerJob": task_ms - direct_ms, "jobSubmitMillisPerJob": submit_ms}
    if a.json:
        print(json.dumps(report))
        return
    print(f"direct (python subprocess.run): {direct_ms:.3f} ms per `true`")
    print(f"ray task calling subprocess.run, {a.jobs} sequential: {task_ms:.3f} ms per job, overhead {task_ms - direct_ms:.3f} ms")
    if submit_ms is not None:
        print(f"ray job submit, {a.job_submits} sequential: {submit_ms:.0f} ms per job")


if __name__ == "__main__":
    main()
