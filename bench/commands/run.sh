#!/usr/bin/env bash
# Command-job overhead, Drover against Ray, in one run: `drover bench commands` (1,000 × `true`,
# sequential submit → result) then bench/commands/ray_bench.py (a Ray task calling subprocess.run,
# 1,000 times; the job API and `ray job submit -- true`, SUBMITS times each), with the ratios.
#   bench/commands/run.sh [SUBMITS]     (needs: swift build -c release; a Python with 'ray[default]')
#   PYTHON=.venv-ray/bin/python DROVER_BIN=.build/release/drover bench/commands/run.sh 20
set -euo pipefail
cd "$(dirname "$0")/../.."
SUBMITS="${1:-20}"
DROVER="${DROVER_BIN:-.build/release/drover}"
PYTHON="${PYTHON:-python3}"
[ -x "$DROVER" ] || swift build -c release --product drover
"$PYTHON" -c "import ray.job_submission" 2>/dev/null || "$PYTHON" -m pip install -q 'ray[default]'
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$DROVER" bench commands --jobs 1000 --json > "$out/drover.json"
"$PYTHON" bench/commands/ray_bench.py --jobs 1000 --job-submits "$SUBMITS" --json > "$out/ray.json"
"$PYTHON" - "$out" <<'PY'
import json, sys
d = json.load(open(f"{sys.argv[1]}/drover.json"))
r = json.load(open(f"{sys.argv[1]}/ray.json"))
ours = d["overheadMillisPerJob"]
print(f"`true` as a job, sequential (submit → finished), ray {r['rayVersion']}, load average {open('/proc/loadavg').read().split()[0]}")
print(f"{'':44}{'ms/job':>10}{'overhead':>10}{'ratio':>9}")
print(f"{'direct, Swift Process (drover side)':44}{d['directMillisPerRun']:>10.3f}")
print(f"{'direct, Python subprocess.run (ray side)':44}{r['directMillisPerRun']:>10.3f}")
print(f"{'drover command job, 1000':44}{d['sequentialMillisPerJob']:>10.3f}{ours:>10.3f}")
rows = [("ray task calling subprocess.run, 1000", r["taskMillisPerJob"], r["taskOverheadMillisPerJob"]),
        (f"ray job API (submit_job + status), {r['jobSubmits']}", r["jobApiMillisPerJob"], r["jobApiOverheadMillisPerJob"]),
        (f"ray job submit -- true (CLI), {r['jobSubmits']}", r["jobSubmitCliMillisPerJob"], r["jobSubmitCliOverheadMillisPerJob"])]
for name, ms, over in rows:
    if ms is not None:
        print(f"{name:44}{ms:>10.3f}{over:>10.3f}{over / ours:>8.1f}x")
print("ratio = Ray's overhead / Drover's overhead over running `true` directly (target: ≥ 20x)")
PY
