#!/usr/bin/env bash
# `make bench`: the benchmarks of docs/benchmarks.md.
#  1. release builds of kafka-lag-exporter and kafka-lag-fixture as the image
#     ships them (the flags of scripts/release-build.sh, scratch path .build-release);
#  2. in-process benchmarks (ordo-one/benchmark: Benchmarks/LagCoreBenchmarks);
#  3. the macro benchmark against a real Tansu broker at three sizes
#     (Benchmarks/macro/macro_bench.py);
# and writes docs/benchmarks-results.md (machine, binary size, both tables).
#
# Environment: BENCH_SIZES (GROUPSxTOPICSxPARTITIONS,...; default
# 10x2x50,100x20x50,1000x200x50), BENCH_POLLS (6), BENCH_POLL_INTERVAL (5 s),
# BENCH_SKIP_MICRO=1 / BENCH_SKIP_MACRO=1, BENCH_OUT (results file).
set -euo pipefail
cd "$(dirname "$0")/.."

# The in-process benchmarks' scratch path: the benchmark package is declared
# only with KAFKA_LAG_EXPORTER_BENCHMARKS=1 (see Package.swift), which only the
# `swift package benchmark` command below sets, so each scratch path always
# sees the same manifest.
SCRATCH=.build-bench
OUT=${BENCH_OUT:-docs/benchmarks-results.md}
SIZES=${BENCH_SIZES:-10x2x50,100x20x50,1000x200x50}
source scripts/release-build.sh
RELEASE=("${RELEASE_FLAGS[@]}" --scratch-path .build-release)

TANSU=${TANSU_BIN:-.tools/bin/tansu}
[[ -x $TANSU ]] || { echo "bench: $TANSU missing: run make setup" >&2; exit 1; }

swift build "${RELEASE[@]}" --product kafka-lag-exporter
swift build "${RELEASE[@]}" --product kafka-lag-fixture
BIN=$(swift build "${RELEASE[@]}" --show-bin-path)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{
  echo "# Benchmark results"
  echo
  echo "Written by \`make bench\` (scripts/bench.sh) on $(date -u +%Y-%m-%dT%H:%MZ). Method: docs/benchmarks.md."
  echo
  echo "## Machine"
  echo
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores available"
  echo "- Memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "- Kernel: $(uname -r); $(swift --version 2>/dev/null | head -1)"
  echo "- librdkafka: $("$BIN/kafka-lag-exporter" --version 2>/dev/null | tr '\n' ' ')"
  echo "- Broker: Tansu $("$TANSU" --version 2>/dev/null | head -1 || echo '?') (in-memory storage)"
  echo
  echo "## Release binary"
  echo
  size=$(stat -c %s "$BIN/kafka-lag-exporter")
  strip -o "$tmp/stripped" "$BIN/kafka-lag-exporter"
  stripped=$(stat -c %s "$tmp/stripped")
  echo "- \`swift build ${RELEASE[*]}\` (the Dockerfile's build; the image holds it stripped): $((size / 1024)) KiB, stripped $((stripped / 1024)) KiB"
  echo "- Shared libraries it loads: $(ldd "$BIN/kafka-lag-exporter" | awk '{print $1}' | grep -v '^/' | sort | tr '\n' ' ')"
  echo
} > "$tmp/head.md"

if [[ ${BENCH_SKIP_MICRO:-0} != 1 ]]; then
  KAFKA_LAG_EXPORTER_BENCHMARKS=1 swift package --scratch-path "$SCRATCH" benchmark --target LagCoreBenchmarks --no-progress --format markdown \
    | tee "$tmp/micro.txt"
  {
    echo "## In-process benchmarks (ordo-one/benchmark, Benchmarks/LagCoreBenchmarks)"
    echo
    sed -n '/^#\|^|/p' "$tmp/micro.txt"
    echo
  } > "$tmp/micro.md"
else
  : > "$tmp/micro.md"
fi

if [[ ${BENCH_SKIP_MACRO:-0} != 1 ]]; then
  python3 Benchmarks/macro/macro_bench.py \
    --exporter "$BIN/kafka-lag-exporter" --fixture "$BIN/kafka-lag-fixture" --tansu "$TANSU" \
    --sizes "$SIZES" --polls "${BENCH_POLLS:-6}" --poll-interval "${BENCH_POLL_INTERVAL:-5}" \
    --json "$tmp/macro.json" --markdown "$tmp/macro-table.md"
  {
    echo "## Against the broker (Benchmarks/macro/macro_bench.py)"
    echo
    cat "$tmp/macro-table.md"
    echo
    echo '<details><summary>raw JSON</summary>'
    echo
    echo '```json'
    cat "$tmp/macro.json"
    echo '```'
    echo '</details>'
  } > "$tmp/macro.md"
else
  : > "$tmp/macro.md"
fi

cat "$tmp/head.md" "$tmp/micro.md" "$tmp/macro.md" > "$OUT"
echo "bench: results written to $OUT"
