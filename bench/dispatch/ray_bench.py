"""Ray anchor for `drover bench dispatch`: no-op remote functions on 2 worker processes.

Prints jobs/s for a pipelined batch and the p50/p99 of sequential single-task round trips,
in the same shape as Drover's benchmark. Install: pip install ray
"""
import argparse
import json
import statistics
import time

import ray


@ray.remote
def noop():
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jobs", type=int, default=20_000)
    p.add_argument("--round-trips", type=int, default=1_000)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    # 2 CPUs = 2 worker processes for 1-CPU tasks; no dashboard, quiet logs.
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    ray.get([noop.remote() for _ in range(2_000)])  # warm up both workers
    t = time.perf_counter()
    ray.get([noop.remote() for _ in range(a.jobs)])
    seconds = time.perf_counter() - t
    lat = []
    for _ in range(a.round_trips):
        t = time.perf_counter()
        ray.get(noop.remote())
        lat.append((time.perf_counter() - t) * 1e6)
    lat.sort()
    report = {
        "jobs": a.jobs,
        "seconds": seconds,
        "jobsPerSecond": a.jobs / seconds,
        "p50Micros": lat[len(lat) // 2],
        "p99Micros": lat[min(len(lat) - 1, len(lat) * 99 // 100)],
    }
    ray.shutdown()
    if a.json:
        print(json.dumps(report))
    else:
        print(f"ray dispatch: {a.jobs} no-op tasks in {seconds:.3f} s = {report['jobsPerSecond']:.0f} tasks/s")
        print(f"ray round trip, {a.round_trips} sequential tasks: p50 {report['p50Micros']:.0f} µs, p99 {report['p99Micros']:.0f} µs")


if __name__ == "__main__":
    main()
