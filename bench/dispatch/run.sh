#!/usr/bin/env bash
# Drover vs Ray dispatch, side by side in one session: RUNS rounds of each, medians and ratios.
#   bench/dispatch/run.sh [RUNS]        (needs: swift build -c release; pip install ray)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-3}"
DROVER="${DROVER_BIN:-.build/release/drover}"
[ -x "$DROVER" ] || swift build -c release --product drover
python3 -c "import ray" 2>/dev/null || pip install -q ray
out=$(mktemp -d)
for i in $(seq 1 "$RUNS"); do
    "$DROVER" bench dispatch --jobs 200000 --round-trips 2000 --json > "$out/drover-$i.json"
    python3 bench/dispatch/ray_bench.py --jobs 20000 --round-trips 1000 --json > "$out/ray-$i.json"
done
python3 - "$out" "$RUNS" <<'PY'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
d = [json.load(open(f"{out}/drover-{i}.json")) for i in range(1, runs + 1)]
r = [json.load(open(f"{out}/ray-{i}.json")) for i in range(1, runs + 1)]
med = lambda xs, k: statistics.median(x[k] for x in xs)
print(f"medians of {runs} runs (load average {open('/proc/loadavg').read().split()[0]})")
print(f"{'':24}{'drover':>14}{'ray':>14}{'ratio':>10}")
print(f"{'jobs/s (pipelined)':24}{med(d,'jobsPerSecond'):>14.0f}{med(r,'jobsPerSecond'):>14.0f}{med(d,'jobsPerSecond')/med(r,'jobsPerSecond'):>9.1f}x")
print(f"{'round trip p50 (µs)':24}{med(d,'p50Micros'):>14.0f}{med(r,'p50Micros'):>14.0f}{med(r,'p50Micros')/med(d,'p50Micros'):>9.1f}x")
print(f"{'round trip p99 (µs)':24}{med(d,'p99Micros'):>14.0f}{med(r,'p99Micros'):>14.0f}{med(r,'p99Micros')/med(d,'p99Micros'):>9.1f}x")
print(f"{'CPU µs per job':24}{med(d,'cpuMicrosPerJob'):>14.2f}{'-':>14}")
print(f"{'coordinator peak RSS MiB':24}{med(d,'coordinatorPeakRSSMiB'):>14.1f}")
PY
