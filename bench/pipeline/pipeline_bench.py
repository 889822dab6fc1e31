#!/usr/bin/env python3
"""Orchestration overhead of a pipeline (issue #8), side by side in one session.

Three ways to do the diamonds work (examples/diamonds/pipeline.yaml: validate, features,
train, evaluate, promote) on the same CSV:
  pipeline  `drover run pipeline.yaml --wait` on `drover up --workers 2` (jobs on workers,
            artifacts, metadata, verdict, promotion);
  by hand   the same steps as one-process `drover` commands, one after another: `data schema`,
            `data validate`, `train --holdout-modulo 5`, `evaluate` (there is no by-hand
            features command: the pipeline does more work than this side);
  prefect   (if importable) a Prefect flow running those same commands as five tasks.
Per-step overhead = (wall time - time spent doing the work) / steps, where the work is
assigned->finished of each step's slowest job (drover: from `drover status JOB --json`)
and the body of each task (prefect: timed inside the task). Prefect's flow is timed from its
call, with the interpreter and its imports already up; drover's is printed both ways: the whole
`drover run --wait` (its process start and exit included) and from run.start to the run's end.

Also `--validate-rows N`: the validate step alone on an N-row span (the diamonds rows
repeated) with 2 workers, against `drover data validate` of the same file in one process.

Usage: python3 bench/pipeline/pipeline_bench.py --drover .build/release/drover --runs 3 \
           [--data ../shared/data/diamonds.csv] [--validate-rows 1000000] [--json] [--trace] [--skip-by-hand]
--trace prints each pipeline run's timeline on stderr (CLI, run, step and job events) to show where the
overhead between steps goes.
"""
import argparse, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def free_port():
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            p = s.getsockname()[1]
        if p < 60000:
            return p


def run(cmd, env=None, ok=(0,), out=None):
    """Runs cmd; returns (seconds, stdout). `out`: write stdout to this file instead (timed too)."""
    t0 = time.perf_counter()
    if out:
        with open(out, "w") as f:
            p = subprocess.run(cmd, env=env, stdout=f, stderr=subprocess.PIPE, text=True)
    else:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - t0
    if p.returncode not in ok:
        sys.exit(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr[-2000:]}")
    return took, p.stdout


class Cluster:
    """`drover up --workers 2` in a fresh data directory."""

    def __init__(self, drover, workdir, trace=False):
        self.drover, self.dir = drover, os.path.join(workdir, "data")
        self.log_path = os.path.join(workdir, "up.log")
        port = free_port()
        self.env = dict(os.environ, DROVER_COORDINATOR=f"tcp://127.0.0.1:{port}")
        self.log = open(self.log_path, "w")
        # --trace: the runner's per-phase timings (`pipeline.phase` debug lines) are read back from the log.
        level = ["--log-level", "debug"] if trace else []
        self.proc = subprocess.Popen([drover, "up", "--workers", "2", "--data-dir", self.dir,
                                      "--bind", f"tcp://127.0.0.1:{port}"] + level, stdout=self.log, stderr=self.log)
        for _ in range(600):
            if subprocess.run([drover, "status", "--json"], env=self.env, capture_output=True).returncode == 0:
                return
            time.sleep(0.05)
        sys.exit("drover up did not answer")

    def cmd(self, *args, ok=(0,)):
        return run([self.drover, *args], env=self.env, ok=ok)

    def add(self, dataset, csv):
        self.cmd("data", "add", dataset, csv, "--data-dir", self.dir)

    def pipeline(self, spec, trace=False):
        """One `drover run --wait`: wall seconds, summed per-step work seconds, steps."""
        began_ms = time.time() * 1000
        wall, out = self.cmd("run", spec, "--wait", "--json", ok=(0, 3))
        ended_ms = time.time() * 1000
        record = json.loads(out)
        work = 0.0
        events = [(began_ms, "cli", "`drover run --wait` starts"), (record["startedAtMs"], "run", "started (run.start answered)")]
        for step in record["steps"]:
            slowest = 0
            if step.get("startedAtMs"):
                events.append((step["startedAtMs"], step["name"], "step started"))
            if step.get("endedAtMs"):
                events.append((step["endedAtMs"], step["name"], f"step {step['status']}"))
            for job in step["jobIDs"]:
                history = json.loads(self.cmd("status", str(job), "--json")[1])["history"]
                assigned = max(h["atMs"] for h in history if h["state"] == "assigned")
                ended = max(h["atMs"] for h in history if h["state"] in ("succeeded", "failed"))
                slowest = max(slowest, ended - assigned)
                events += [(h["atMs"], step["name"], f"job {job} {h['state']}") for h in history]
            work += slowest / 1000
        if record.get("endedAtMs"):
            events.append((record["endedAtMs"], "run", f"ended {record['state']}"))
        events.append((ended_ms, "cli", "`drover run --wait` exits"))
        if trace:
            print_trace(events)
            self.log.flush()
            print_phases(self.log_path, record["id"])
        inside = (record["endedAtMs"] - record["startedAtMs"]) / 1000 if record.get("endedAtMs") else wall
        return wall, work, len(record["steps"]), record["state"], inside

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()


def print_trace(events):
    """The run's timeline: each event's time since the CLI started and since the previous event."""
    events.sort(key=lambda e: e[0])
    start = prev = events[0][0]
    print("  trace (ms since start, +ms since the previous event):", file=sys.stderr)
    for at, who, what in events:
        print(f"    {at - start:8.1f}  +{at - prev:6.1f}  {who:10s} {what}", file=sys.stderr)
        prev = at


def print_phases(log_path, run_id):
    """The runner's time per phase for one run, summed from its `pipeline.phase` log lines.
    Phases nest: handle.record includes save and register (track), finish includes its flush."""
    totals, counts = {}, {}
    with open(log_path, errors="replace") as f:
        for line in f:
            if "pipeline.phase" not in line or f"run.id={run_id} " not in line + " ":
                continue
            fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
            phase, ms = fields.get("phase"), float(fields.get("ms", "0"))
            totals[phase] = totals.get(phase, 0.0) + ms
            counts[phase] = counts.get(phase, 0) + 1
    print("  runner phases (ms summed over the run, count; nested phases overlap):", file=sys.stderr)
    for phase in sorted(totals, key=lambda p: -totals[p]):
        print(f"    {phase:18s} {totals[phase]:8.1f}  x{counts[phase]}", file=sys.stderr)


def by_hand_commands(drover, csv, workdir):
    schema, model = os.path.join(workdir, "schema.json"), os.path.join(workdir, "model.drover")
    return [
        ("schema", [drover, "data", "schema", csv], schema),
        ("validate", [drover, "data", "validate", csv, "--schema", schema], None),
        ("train", [drover, "train", csv, "--label", "price", "--model", "gbdt", "--trees", "60", "--seed", "7",
                   "--holdout-modulo", "5", "--out", model], None),
        ("evaluate", [drover, "evaluate", model, csv], None),
    ]


def by_hand(drover, csv, workdir):
    total = 0.0
    for _, cmd, out in by_hand_commands(drover, csv, workdir):
        total += run(cmd, ok=(0, 3), out=out)[0]
    return total


def prefect_runs(drover, csv, workdir, runs):
    # Prefect starts an ephemeral API server (SQLite) on the first flow; on a busy 2-core machine
    # it needs longer than its default start-up timeout.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
    try:
        from prefect import flow, task
    except ImportError:
        return None
    import logging
    logging.getLogger("prefect").setLevel(logging.ERROR)
    commands = by_hand_commands(drover, csv, workdir)

    @task
    def step(cmd, out=None):
        return run(cmd, ok=(0, 3), out=out)[0]

    @flow(log_prints=False)
    def diamonds():
        # Five tasks in order, like the pipeline's five steps: the four commands and a
        # promote task (the decision is in-process, as in drover's coordinator).
        bodies = [step(cmd, out) for _, cmd, out in commands]
        bodies.append(step([sys.executable, "-c", "pass"]))
        return bodies

    diamonds()  # warm-up: Prefect starts its ephemeral server on the first flow
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        bodies = diamonds()
        wall = time.perf_counter() - t0
        out.append((wall, sum(bodies), len(bodies)))
    return out


def repeat_rows(csv, rows, path):
    with open(csv) as f:
        header, body = f.readline(), f.readlines()
    with open(path, "w") as f:
        f.write(header)
        for i in range(rows):
            f.write(body[i % len(body)])


def validate_spec(path, shards):
    with open(path, "w") as f:
        f.write(f"""pipeline: validate-only
model: validate-only
datasets:
  big: {{span: latest}}
shards: {shards}
cache: false
steps:
  validate:
    dataset: big
""")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drover", default=os.path.join(ROOT, ".build", "release", "drover"))
    default_data = os.path.join(ROOT, "..", "shared", "data", "diamonds.csv")
    if not os.path.exists(default_data):
        default_data = os.path.join(ROOT, "Tests", "Fixtures", "diamonds.csv")
    ap.add_argument("--data", default=default_data)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--validate-rows", type=int, default=0)
    ap.add_argument("--skip-prefect", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--trace", action="store_true", help="print each pipeline run's timeline (stderr): where the overhead goes")
    ap.add_argument("--skip-by-hand", action="store_true")
    a = ap.parse_args()
    drover, csv = os.path.abspath(a.drover), os.path.abspath(a.data)
    work = tempfile.mkdtemp(prefix="drover-pipeline-bench-")
    # The example with the step cache off: every run does all its work, like the by-hand side.
    spec = os.path.join(work, "diamonds.yaml")
    with open(os.path.join(ROOT, "examples", "diamonds", "pipeline.yaml")) as f:
        text = f.read()
    with open(spec, "w") as f:
        f.write(text.replace("shards: 2\n", "shards: 2\ncache: false\n", 1))
    report = {"data": csv, "runs": a.runs, "load": open("/proc/loadavg").read().split()[0]}
    try:
        cluster = Cluster(drover, work, trace=a.trace)
        cluster.add("diamonds", csv)
        pipe, hand = [], []
        for _ in range(a.runs):  # interleaved, so both sides see the same machine
            pipe.append(cluster.pipeline(spec, trace=a.trace))
            hand.append(0.0 if a.skip_by_hand else by_hand(drover, csv, work))
        report["pipeline_wall_s"] = statistics.median(p[0] for p in pipe)
        report["pipeline_states"] = [p[3] for p in pipe]
        # Prefect's flow is timed from the call, its interpreter and imports already up; this is
        # drover's equivalent: from the coordinator's run.start to the run's end (no CLI start or exit).
        report["drover_overhead_per_step_in_run_ms"] = statistics.median((i - k) / n * 1000 for _, k, n, _, i in pipe)
        report["by_hand_wall_s"] = statistics.median(hand)
        report["ratio_pipeline_by_hand"] = report["pipeline_wall_s"] / max(report["by_hand_wall_s"], 1e-9)
        report["drover_overhead_per_step_ms"] = statistics.median((w - k) / n * 1000 for w, k, n, _, _ in pipe)
        if a.validate_rows:
            big = os.path.join(work, "big.csv")
            repeat_rows(csv, a.validate_rows, big)
            cluster.add("big", big)
            vspec = os.path.join(work, "validate.yaml")
            validate_spec(vspec, 2)
            schema = os.path.join(work, "big-schema.json")
            run([drover, "data", "schema", big], out=schema)
            dist, single = [], []
            for _ in range(a.runs):
                dist.append(cluster.pipeline(vspec)[0])
                single.append(run([drover, "data", "validate", big, "--schema", schema], ok=(0, 3))[0])
            report["validate_rows"] = a.validate_rows
            report["validate_2_workers_s"] = statistics.median(dist)
            report["validate_one_process_s"] = statistics.median(single)
        cluster.stop()
        if not a.skip_prefect:
            pf = prefect_runs(drover, csv, work, a.runs)
            if pf:
                report["prefect_wall_s"] = statistics.median(p[0] for p in pf)
                report["prefect_overhead_per_step_ms"] = statistics.median((w - b) / n * 1000 for w, b, n in pf)
                report["overhead_ratio_prefect_over_drover"] = (report["prefect_overhead_per_step_ms"]
                                                               / max(report["drover_overhead_per_step_ms"], 0.001))
                report["overhead_ratio_prefect_over_drover_in_run"] = (report["prefect_overhead_per_step_ms"]
                                                                      / max(report["drover_overhead_per_step_in_run_ms"], 0.001))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if a.json:
        print(json.dumps(report, indent=2))
        return
    print(f"diamonds pipeline, {os.path.basename(csv)}, medians of {a.runs} runs (load average {report['load']})")
    print(f"  drover run --wait (2 workers)   {report['pipeline_wall_s']:8.3f} s   states {report['pipeline_states']}")
    print(f"  same steps by hand              {report['by_hand_wall_s']:8.3f} s   ratio {report['ratio_pipeline_by_hand']:.2f}x")
    print(f"  drover overhead per step        {report['drover_overhead_per_step_ms']:8.1f} ms   "
          f"({report['drover_overhead_per_step_in_run_ms']:.1f} ms from run.start to the run's end)")
    if "prefect_wall_s" in report:
        print(f"  prefect flow (5 tasks)          {report['prefect_wall_s']:8.3f} s")
        print(f"  prefect overhead per step       {report['prefect_overhead_per_step_ms']:8.1f} ms   "
              f"({report['overhead_ratio_prefect_over_drover']:.1f}x drover's; "
              f"{report['overhead_ratio_prefect_over_drover_in_run']:.1f}x drover's in the run)")
    if "validate_rows" in report:
        print(f"validate {report['validate_rows']} rows: 2 workers {report['validate_2_workers_s']:.3f} s, "
              f"one process {report['validate_one_process_s']:.3f} s "
              f"(ratio {report['validate_2_workers_s'] / report['validate_one_process_s']:.2f})")


if __name__ == "__main__":
    main()
