#!/usr/bin/env bash
# Restart time of a coordinator on a copy of a data directory (e.g. one left by `drover coordinator` after a
# long run and a kill -9): start, poll `drover status` until it answers, kill -9; RUNS times, sorted, in ms.
#   bench/compaction/restart_time.sh DATA_DIR [RUNS]      (DROVER_BIN defaults to .build/release/drover)
set -euo pipefail
SRC=$1; RUNS=${2:-5}
B=${DROVER_BIN:-.build/release/drover}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for i in $(seq 1 "$RUNS"); do
  rm -rf "$WORK/data" && cp -a "$SRC" "$WORK/data"
  S=$(date +%s%N)
  "$B" coordinator --bind tcp://127.0.0.1:26100 --data-dir "$WORK/data" --log-level warning > "$WORK/c.log" 2>&1 &
  CP=$!
  until "$B" status --connect tcp://127.0.0.1:26100 --timeout 100 >/dev/null 2>&1; do
    kill -0 $CP 2>/dev/null || { cat "$WORK/c.log"; exit 1; }
  done
  E=$(date +%s%N)
  kill -9 $CP; wait $CP 2>/dev/null || true
  echo $(( (E - S) / 1000000 ))
done | sort -n | tr '\n' ' '; echo "(ms, sorted; load $(cut -d' ' -f1 /proc/loadavg))"
