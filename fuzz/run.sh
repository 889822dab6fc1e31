#!/usr/bin/env bash
# Fuzzes Drover's wire decoders with libFuzzer (Swift -sanitize=fuzzer,address).
#
#   fuzz/run.sh              # 10,000,000 runs
#   fuzz/run.sh 100000       # a quick check (CI)
#   FUZZ_JOBS=2 fuzz/run.sh  # more processes (each runs N inputs)
#
# Builds DroverProtocol and the journal record codec as instrumented static libraries (no
# Package.swift target), generates a seed corpus from valid messages, runs the target with
# bounded allocation (-malloc_limit_mb: any single allocation above it is a failure;
# -rss_limit_mb: the process's peak RSS), and prints the figures for docs/security.md.
# Inputs are up to 64 KiB (FUZZ_MAX_LEN); no single allocation may exceed 8 MB (FUZZ_MALLOC_MB).
# Crashing inputs are written to fuzz/.build/artifacts/. Exit status: libFuzzer's (0 = clean).
set -euo pipefail
RUNS="${1:-10000000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/fuzz/.build"
MAX_LEN="${FUZZ_MAX_LEN:-65536}"
MALLOC_MB="${FUZZ_MALLOC_MB:-8}"
RSS_MB="${FUZZ_RSS_MB:-1024}"
mkdir -p "$OUT/fuzz" "$OUT/plain" "$OUT/corpus" "$OUT/artifacts"
cd "$OUT"

PROTOCOL_SOURCES=$(find "$ROOT/Sources/DroverProtocol" -name '*.swift' | sort)
JOURNAL_SOURCES="$ROOT/Sources/DroverCore/Journal/JournalRecord.swift $ROOT/Sources/DroverCore/Journal/CompactionRecords.swift $ROOT/Sources/DroverCore/Jobs/Cause.swift"

# $1 = build dir, rest = extra swiftc flags. DroverCore here is only the journal record codec.
build_libs() {
    local dir="$1"; shift
    swiftc -parse-as-library -O -g "$@" -module-name DroverProtocol -emit-module -emit-module-path "$dir/DroverProtocol.swiftmodule" \
        -emit-library -static -o "$dir/libDroverProtocol.a" $PROTOCOL_SOURCES
    swiftc -parse-as-library -O -g "$@" -I "$dir" -module-name DroverCore -emit-module -emit-module-path "$dir/DroverCore.swiftmodule" \
        -emit-library -static -o "$dir/libDroverCore.a" $JOURNAL_SOURCES
}

echo "== building (instrumented: -sanitize=fuzzer,address)"
build_libs "$OUT/fuzz" -sanitize=fuzzer,address
swiftc -parse-as-library -O -g -sanitize=fuzzer,address -use-ld=lld -I "$OUT/fuzz" -L "$OUT/fuzz" \
    -lDroverProtocol -lDroverCore "$ROOT/fuzz/WireFuzzTarget.swift" -o "$OUT/wire-fuzzer"

echo "== seed corpus from valid messages"
build_libs "$OUT/plain"
swiftc -O -I "$OUT/plain" -L "$OUT/plain" -lDroverProtocol -lDroverCore -module-name SeedCorpus \
    "$ROOT/fuzz/SeedCorpus.swift" "$ROOT/Tests/DroverProtocolTests/Samples.swift" -o "$OUT/seed-corpus"
rm -rf "$OUT/seeds" && "$OUT/seed-corpus" "$OUT/seeds"

echo "== fuzzing: $RUNS runs, max_len $MAX_LEN, malloc limit $MALLOC_MB MB, RSS limit $RSS_MB MB"
PARALLEL=""
if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then PARALLEL="-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS"; fi
START=$(date +%s)
set +e
/usr/bin/time -v "$OUT/wire-fuzzer" "$OUT/corpus" "$OUT/seeds" -runs="$RUNS" -max_len="$MAX_LEN" \
    -malloc_limit_mb="$MALLOC_MB" -rss_limit_mb="$RSS_MB" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$OUT/artifacts/" $PARALLEL 2> "$OUT/fuzz.log"
STATUS=$?
set -e
END=$(date +%s)
grep -E '^(Done|stat::|==[0-9]+==ERROR|SUMMARY)|INITED|Maximum resident' "$OUT/fuzz.log" || true
echo "== runs requested $RUNS, wall time $((END - START)) s, exit $STATUS (log: $OUT/fuzz.log)"
ls "$OUT/artifacts" | sed 's/^/crash artifact: /' || true
exit $STATUS
