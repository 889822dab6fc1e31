#!/usr/bin/env bash
# Builds and runs the ZeroMQ benchmarks.
#   inproc      one thread, inproc PAIR pair, C vs Swift: CPU per send+receive (the wrapper's own cost)
# and on loopback (tcp://127.0.0.1, ephemeral ports):
#   C/C         raw_rtt.c: raw libzmq client and echo server, two processes (fork)
#   Swift/C     the Swift wrapper's client (swift_bench client) against the C echo server:
#               isolates the wrapper's cost on the client side, two processes
#   Swift/Swift swift_bench: client and echo server both through the wrapper, two threads, one process
# Usage: bench/zmq/run.sh [runs]   (default 3; ITER/SIZE/MSGS/WINDOW pass through to both)
# SKIP_SWIFT=1 runs only the C benchmark.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${BENCH_OUT:-$root/.build/bench-zmq}"
runs="${1:-3}"
mkdir -p "$out"

cc -O2 -Wall -Wextra -o "$out/raw_rtt" "$here/raw_rtt.c" -lzmq
if [[ "${SKIP_SWIFT:-0}" != 1 ]]; then
  swiftc -O -wmo -parse-as-library -swift-version 6 -module-name ZMQSwiftBench \
    -I "$root/Sources/CZeroMQ" \
    $(find "$root/Sources/ZeroMQ" -name '*.swift' | sort) "$here/swift_bench.swift" \
    -o "$out/swift_bench"
fi

# Starts `raw_rtt serve` in the background and prints its endpoint.
start_c_server() {
  local log="$out/serve.$$.log"
  : > "$log"
  "$out/raw_rtt" serve 'tcp://127.0.0.1:*' > "$log" &
  for _ in $(seq 100); do
    if grep -q '^serving on ' "$log"; then sed -n 's/^serving on //p' "$log"; rm -f "$log"; return; fi
    sleep 0.05
  done
  echo "C echo server did not start" >&2; exit 1
}

for i in $(seq "$runs"); do
  echo "== C inproc call cost, run $i"
  "$out/raw_rtt" inproc
done
if [[ "${SKIP_SWIFT:-0}" != 1 ]]; then
  for api in reusable arrays; do
    for i in $(seq "$runs"); do
      echo "== Swift inproc call cost ($api), run $i"
      API=$api "$out/swift_bench" inproc
    done
  done
fi
for i in $(seq "$runs"); do
  echo "== C client / C server, run $i"
  "$out/raw_rtt"
done
if [[ "${SKIP_SWIFT:-0}" != 1 ]]; then
  for api in reusable arrays; do
    for i in $(seq "$runs"); do
      echo "== Swift client ($api) / C server, run $i"
      endpoint="$(start_c_server)"
      API=$api "$out/swift_bench" client "$endpoint"
      wait
    done
  done
  for i in $(seq "$runs"); do
    echo "== Swift client / Swift server (one process), run $i"
    "$out/swift_bench"
  done
fi
