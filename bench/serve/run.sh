#!/usr/bin/env bash
# Predict latency and throughput of `drover serve` (GBDT, churn) against a Python anchor
# (scikit-learn HistGradientBoosting behind FastAPI/uvicorn) on loopback with wrk, in one run.
#   bench/serve/run.sh [DROVER_BINARY] [SECONDS] [CONNECTIONS]
#   SERVE_ARGS="--inline-rows 0" bench/serve/run.sh …   # extra `drover serve` options (an A/B of the server alone)
#   PACED_RATE=10000 bench/serve/run.sh …                # also drover serve at a fixed rate (latency at that rate),
#                                                         PACED_RUNS times (3)
# Needs wrk and python3 with scikit-learn, pandas, fastapi, uvicorn. Both sides predict on one thread
# (OMP_NUM_THREADS=1 for scikit-learn; drover runs each batch on one thread).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
drover="${1:-$repo/.build/debug/drover}"
seconds="${2:-10}"
connections="${3:-16}"
trees=100
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
csv="$repo/examples/churn/span-1.csv"

"$drover" train "$csv" --label churned --model gbdt --trees $trees --seed 1 --out "$work/churn.drover" >/dev/null
"$drover" models register churn "$work/churn.drover" --data-dir "$work/data" >/dev/null
"$drover" models promote churn 1 --reason benchmark --data-dir "$work/data" >/dev/null

port_drover=18481
port_anchor=18482
# shellcheck disable=SC2086 # SERVE_ARGS is a list of options
"$drover" serve churn --http 127.0.0.1:$port_drover --data-dir "$work/data" --log-level warning ${SERVE_ARGS:-} >"$work/serve.log" 2>&1 &
serve_pid=$!
OMP_NUM_THREADS=1 python3 "$here/anchor.py" "$csv" $port_anchor $trees >"$work/anchor.log" 2>&1 &
for port in $port_drover $port_anchor; do
  for _ in $(seq 1 1200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

measure() { # name port → "p50_ms p99_ms rps"
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$here/post.lua" "http://127.0.0.1:$2/v1/models/churn/predict" >"$work/$1.wrk"
  awk -v name="$1" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) } $1 == "Requests/sec:" { rps = $2 }
    /Non-2xx/ { bad = $NF }
    END { printf "%s %.3f %.3f %.0f %d\n", name, p50, p99, rps, bad + 0 }' "$work/$1.wrk"
}
curl -sf -d @<(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$here/post.lua") "http://127.0.0.1:$port_drover/v1/models/churn/predict" >/dev/null
read -r _ d50 d99 drps dbad < <(measure drover $port_drover)
read -r _ a50 a99 arps abad < <(measure anchor $port_anchor)
printf "predict, 1 row, GBDT %d trees, wrk -t2 -c%s -d%ss on loopback (%s)\n" $trees "$connections" "$seconds" "$(basename "$(dirname "$drover")") build"
printf "%-28s %10s %10s %12s %8s\n" server p50_ms p99_ms requests/s non-2xx
printf "%-28s %10s %10s %12s %8s\n" "drover serve" "$d50" "$d99" "$drps" "$dbad"
printf "%-28s %10s %10s %12s %8s\n" "sklearn+FastAPI/uvicorn" "$a50" "$a99" "$arps" "$abad"
awk -v d50="$d50" -v a50="$a50" -v d99="$d99" -v a99="$a99" -v drps="$drps" -v arps="$arps" 'BEGIN {
  printf "ratio anchor/drover: p50 %.2fx  p99 %.2fx  throughput drover/anchor %.2fx\n", a50 / d50, a99 / d99, drps / arps }'
# The issue's figure is a latency at a rate (p99 < 2 ms at 10,000 requests/s), not at saturation:
# PACED_RATE=10000 also asks drover serve at that fixed rate (bench/http/paced.lua, each request
# due at its time over 64 connections) and prints the rate reached and its latency.
# PACED_RUNS (3) runs, each with the server's CPU per request (from /proc, user + system) and
# the share of the machine's CPU time its host took (steal).
if [ -n "${PACED_RATE:-}" ]; then
  ticks() { awk '{print $14 + $15}' "/proc/$serve_pid/stat"; }
  # The machine's CPU time taken by its host (steal) during a run: a VM's noise, printed beside it.
  cpu() { head -1 /proc/stat; }
  hz=$(getconf CLK_TCK)
  for _ in $(seq 1 "${PACED_RUNS:-3}"); do
    before=$(ticks); stat_before=$(cpu)
    line=$(PACED_PATHS=/v1/models/churn/predict PACED_BODY="$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$here/post.lua")" RATE="$PACED_RATE" \
      wrk -t1 -c64 -d"${seconds}s" --timeout 10s -s "$repo/bench/http/paced.lua" "http://127.0.0.1:$port_drover" | sed -n "s/^paced: //p")
    after=$(ticks); stat_after=$(cpu)
    requests=${line%% requests*}
    steal=$(printf "%s\n%s\n" "$stat_before" "$stat_after" | awk '{ for (i = 2; i <= 9; i++) v[NR "," i] = $i }
      END { t = 0; for (i = 2; i <= 9; i++) t += v[2 "," i] - v[1 "," i]; s = t > 0 ? (v[2 "," 9] - v[1 "," 9]) * 100 / t : 0; printf "%.1f", s }')
    printf "drover serve at a fixed %s req/s: %s, server CPU %.0f us/request, steal %s %%\n" "$PACED_RATE" "$line" \
      "$(awk -v t=$((after - before)) -v hz="$hz" -v n="$requests" 'BEGIN { print t / hz / n * 1e6 }')" "$steal"
  done
fi
