#!/usr/bin/env bash
# Builds and runs the ZeroMQ benchmarks, then prints the median of each figure over the runs.
#   inproc       one thread, inproc PAIR pair, C vs Swift: CPU per send+receive (the wrapper's own cost)
#   hop          plain thread -> SocketThread.submit -> handler -> doorbell back (cross-thread wake cost)
# and on loopback (tcp://127.0.0.1, ephemeral ports), 64-byte payloads:
#   C/C          raw_rtt.c: raw libzmq client and echo server, two processes (fork)
#   Swift/C      the Swift wrapper's client (swift_bench client) against the C echo server:
#                isolates the wrapper's cost on the client side, two processes
#   Swift/Swift  swift_bench: client and echo server both through the wrapper, two threads, one process
# swift_bench is Sources/ZeroMQBench (also the `zmq-bench` target) compiled with Sources/ZeroMQ as one module.
# Usage: bench/zmq/run.sh [runs]   (default 3; ITER/SIZE/MSGS/WINDOW pass through to both)
# SKIP_SWIFT=1 runs only the C benchmarks.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${BENCH_OUT:-$root/.build/bench-zmq}"
runs="${1:-3}"
swift="${SKIP_SWIFT:-0}"
mkdir -p "$out"
results="$out/results.txt"
: > "$results"

cc -O2 -Wall -Wextra -o "$out/raw_rtt" "$here/raw_rtt.c" -lzmq
if [[ "$swift" != 1 ]]; then
  # NativeThreads (which ZeroMQ imports) as a module of its own, then the wrapper and the driver as one.
  swiftc -O -wmo -parse-as-library -swift-version 6 -module-name NativeThreads \
    -emit-module -emit-module-path "$out/NativeThreads.swiftmodule" -emit-library -static \
    $(find "$root/Sources/NativeThreads" -name '*.swift' | sort) -o "$out/libNativeThreads.a"
  swiftc -O -wmo -parse-as-library -swift-version 6 -module-name ZMQSwiftBench \
    -I "$root/Sources/CZeroMQ" -I "$out" -L "$out" -lNativeThreads \
    $(find "$root/Sources/ZeroMQ" "$root/Sources/ZeroMQBench" -name '*.swift' | sort) \
    -o "$out/swift_bench"
fi

# record LABEL COMMAND...: runs COMMAND, echoes its output, and keeps it under LABEL for the summary.
record() {
  local label="$1"; shift
  echo "== $label"
  "$@" | tee /dev/stderr | sed "s|^|$label\t|" >> "$results"
} 2>&1

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

swift_vs_c() {
  local endpoint
  endpoint="$(start_c_server)"
  API="$1" "$out/swift_bench" client "$endpoint"
  wait
}

for i in $(seq "$runs"); do
  record "C inproc" "$out/raw_rtt" inproc
  if [[ "$swift" != 1 ]]; then
    record "Swift inproc reusable" env API=reusable "$out/swift_bench" inproc
    record "Swift inproc arrays" env API=arrays "$out/swift_bench" inproc
    record "Swift SocketThread hop" "$out/swift_bench" hop
  fi
  record "C/C" "$out/raw_rtt"
  if [[ "$swift" != 1 ]]; then
    record "Swift reusable/C" swift_vs_c reusable
    record "Swift arrays/C" swift_vs_c arrays
    record "Swift/Swift" "$out/swift_bench"
  fi
done

echo
echo "== medians over $runs runs (load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)"
awk -F'\t' '
  function grab(line, key,   m) { if (match(line, key "=[0-9.]+")) { m = substr(line, RSTART, RLENGTH); sub(/.*=/, "", m); return m } return "" }
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n ? a[int((n + 1) / 2)] : "-"
  }
  {
    label = $1; line = $2
    if (!(label in seen)) { seen[label] = 1; order[++count] = label }
    if (line ~ /^inproc/)    { v = line; sub(/.*cpu=/, "", v); sub(/ns.*/, "", v); ns[label] = ns[label] " " v }
    if (line ~ /^hop/)       { hp50[label] = hp50[label] " " grab(line, "p50"); hp99[label] = hp99[label] " " grab(line, "p99") }
    if (line ~ /^pingpong/)  { p50[label] = p50[label] " " grab(line, "p50"); p99[label] = p99[label] " " grab(line, "p99") }
    if (line ~ /^pipelined/) { v = line; sub(/ msg\/s.*/, "", v); sub(/.*  /, "", v); tput[label] = tput[label] " " v
                               c = line; sub(/.*cpu=/, "", c); sub(/us.*/, "", c); cpu[label] = cpu[label] " " c }
  }
  END {
    for (i = 1; i <= count; i++) {
      l = order[i]
      if (l in hp50) printf "%-24s submit->handler->doorbell round trip p50 %s us  p99 %s us\n", l, median(hp50[l]), median(hp99[l])
      else if (l in ns) printf "%-24s send+recv cpu %s ns/msg\n", l, median(ns[l])
      else printf "%-24s pingpong p50 %s us  p99 %s us   pipelined %s msg/s  client cpu %s us/msg\n", l, median(p50[l]), median(p99[l]), median(tput[l]), median(cpu[l])
    }
  }' "$results"
