#!/usr/bin/env bash
# The user's path, for comparison with `drover bench dispatch` (docs/performance.md):
# `drover up --workers 2 [UP FLAGS]` on PORT, then `drover submit --kind noop --count COUNT --wait --json`.
# Usage: bench/dispatch/submit.sh [PORT] [COUNT] [UP FLAGS...]
#   bench/dispatch/submit.sh 31655 200000
#   bench/dispatch/submit.sh 31655 200000 --slots 1 --prefetch 4096    # workers as the benchmark's
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${DROVER_BIN:-$root/.build/release/drover}"
port="${1:-31655}"; count="${2:-200000}"; shift $(( $# < 2 ? $# : 2 ))
dir="$(mktemp -d)"
"$bin" up --workers 2 --bind "tcp://127.0.0.1:$port" --data-dir "$dir" --log-level warning "$@" 2>"$dir/up.log" &
up=$!
trap 'kill -INT $up 2>/dev/null; wait $up 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  "$bin" status --connect "tcp://127.0.0.1:$port" --timeout 500 --json 2>/dev/null | grep -q '"alive" : 2' && break
  sleep 0.1
done
"$bin" submit --kind noop --count "$count" --wait --json --connect "tcp://127.0.0.1:$port" --timeout 30000 |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print("drover submit: %d no-op jobs in %.2f s = %.0f jobs/s %s" % (d["submitted"], d["seconds"], d["jobsPerSecond"], d["jobs"]))'
