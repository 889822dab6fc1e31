#!/usr/bin/env python3
"""Ingest to promotion (issue 9, performance bullet 3): the time from `drover ingest` to the new
champion on the diamonds example data, with its breakdown per step.

Starts `drover up --workers 2` on loopback in a temporary directory, ingests span-1 (the first
model), then ROUNDS more spans — span-2's rows in a different order each round, so every span
is new bytes of the same population — each with `drover ingest diamonds FILE --wait --json`.
The pipeline is examples/diamonds/pipeline.yaml plus `trigger: {on: span}`, `window: {last: 2}`
and `warm_start: champion`. Per round:

  total       the `drover ingest --wait` process, start to exit: the new champion is recorded
  ingest      process start → the run's start: upload, span registration, trigger decision
  <step>      each step's own time (its start → its end, as the run records them)
  gaps        the rest between the run's start and end: dispatch and hand-offs between steps
  finish      the run's end → the process exit: recording the end, the client noticing

Prints the median of each over the rounds (and the JSON with --json).
Usage: bench/ingest/bench_ingest.py [--drover .build/release/drover] [--rounds 5] [--json]
"""
import argparse, json, os, random, shutil, socket, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
EXAMPLE = os.path.join(ROOT, "examples", "diamonds")


def free_port():
    for port in range(24700, 25700, 4):
        ok = True
        for p in range(port, port + 3):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return port
    raise SystemExit("no free ports")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--drover", default=os.path.join(ROOT, ".build", "release", "drover"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    drover = os.path.abspath(args.drover)
    tmp = tempfile.mkdtemp(prefix="drover-bench-ingest-")
    port = free_port()
    endpoint = f"tcp://127.0.0.1:{port}"
    with open(os.path.join(EXAMPLE, "pipeline.yaml")) as f:
        spec = f.read() + "trigger: {on: span}\nwindow: {last: 2}\nwarm_start: champion\n"
    pipeline = os.path.join(tmp, "pipeline.yaml")
    with open(pipeline, "w") as f:
        f.write(spec)
    with open(os.path.join(EXAMPLE, "span-2.csv")) as f:
        header, *rows = f.read().splitlines()
    up = subprocess.Popen([drover, "up", "--workers", "2", "--bind", endpoint, "--data-dir", os.path.join(tmp, "data")],
                          cwd=tmp, stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "up.log"), "w"))
    try:
        deadline = time.time() + 60
        while True:
            r = subprocess.run([drover, "status", "--json", "--connect", endpoint, "--timeout", "1000"], capture_output=True, text=True)
            if r.returncode == 0 and json.loads(r.stdout).get("workers", {}).get("alive", 0) >= 2:
                break
            if time.time() > deadline:
                raise SystemExit("drover up did not start: see " + os.path.join(tmp, "up.log"))
            time.sleep(0.1)

        def ingest(target, path):
            t0 = time.time()
            r = subprocess.run([drover, "ingest", target, path, "--wait", "--json", "--connect", endpoint],
                               capture_output=True, text=True)
            t1 = time.time()
            if r.returncode not in (0, 3):
                raise SystemExit(f"drover ingest failed ({r.returncode}): {r.stderr}")
            return t0, t1, json.loads(r.stdout)

        ingest(pipeline, os.path.join(EXAMPLE, "span-1.csv"))
        results = []
        for i in range(args.rounds):
            shuffled = rows[:]
            random.Random(i).shuffle(shuffled)
            path = os.path.join(tmp, f"span-r{i}.csv")
            with open(path, "w") as f:
                f.write(header + "\n" + "\n".join(shuffled) + "\n")
            t0, t1, out = ingest("diamonds", path)
            run = out.get("run") or {}
            if not run:
                raise SystemExit(f"round {i}: no run was triggered: {out}")
            start, end = run["startedAtMs"] / 1000, run["endedAtMs"] / 1000
            row = {"total": t1 - t0, "ingest": start - t0, "finish": t1 - end, "state": run["state"]}
            inside = 0.0
            for s in run["steps"]:
                if s.get("startedAtMs") is not None and s.get("endedAtMs") is not None:
                    row[s["name"]] = (s["endedAtMs"] - s["startedAtMs"]) / 1000
                    inside += row[s["name"]]
            row["gaps"] = (end - start) - inside
            results.append(row)
        keys = ["total", "ingest"] + [s["name"] for s in run["steps"]] + ["gaps", "finish"]
        medians = {k: statistics.median(r[k] for r in results if k in r) for k in keys}
        outcomes = sorted({r["state"] for r in results})
        if args.json:
            print(json.dumps({"rounds": results, "median_seconds": medians, "outcomes": outcomes}, indent=2))
        else:
            print(f"ingest → new champion, diamonds (10,000 rows), {args.rounds} rounds, outcomes: {', '.join(outcomes)}")
            print(f"{'part':<10} {'median s':>9}")
            for k in keys:
                print(f"{k:<10} {medians[k]:>9.3f}")
    finally:
        up.terminate()
        up.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
