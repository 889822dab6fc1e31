#!/usr/bin/env bash
# `drover bench compaction` with bench/compaction/data_dir_peak.py sampling its data directory:
# prints the bench's output, then the peaks (whole bench: throughput runs and the long run).
# TRACE=file keeps every sample, LOG=file the first coordinator's log (journal.snapshot lines);
# HOOK=program runs beside the bench with its pid (e.g. to sample or renice its threads).
#   bench/compaction/run_with_peak.sh [bench compaction options...]   (DROVER_BIN defaults to .build/release/drover)
set -euo pipefail
B=${DROVER_BIN:-.build/release/drover}
HERE=$(cd "$(dirname "$0")" && pwd)
echo "$(date -u +%H:%M:%S) $B, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$B" bench compaction "$@" &
BENCH=$!
python3 "$HERE/data_dir_peak.py" "/tmp/drover-bench-compaction-$BENCH/data" --trace "${TRACE:-/dev/null}" &
SAMPLER=$!
# The bench deletes its directory at the end: keep the coordinator's log lines (LOG=file).
tail -F -n +1 "/tmp/drover-bench-compaction-$BENCH/coordinator-0.log" > "${LOG:-/dev/null}" 2>/dev/null &
TAIL=$!
[ -n "${HOOK:-}" ] && "$HOOK" $BENCH > /dev/null 2>&1 &
wait $BENCH || echo "bench failed: $?"
# A bench that failed leaves its coordinator and workers running: stop them (by their ids).
for p in $(pgrep -f "drover-bench-compaction-$BENCH/"); do kill "$p" 2>/dev/null || true; done
kill -INT $SAMPLER; wait $SAMPLER
kill $TAIL
echo "$(date -u +%H:%M:%S) done, load $(cut -d' ' -f1-3 /proc/loadavg)"
