#!/usr/bin/env bash
# The CI smoke of the benchmark harness (docs/benchmarks.md, "CI smoke"): a
# small run of Benchmarks/macro/macro_bench.py against a real Tansu broker
# with group churn between polls, which fails when the exporter's requests
# per poll exceed the O(brokers + groups) bound or its memory keeps growing.
# Timings are printed, never checked. Uses the debug build of `make build`.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=$(swift build --show-bin-path)
for product in kafka-lag-exporter kafka-lag-fixture; do
  [[ -x $BIN/$product ]] || { echo "bench-smoke: $BIN/$product missing: run make build" >&2; exit 1; }
done
TANSU=${TANSU_BIN:-.tools/bin/tansu}
[[ -x $TANSU ]] || { echo "bench-smoke: $TANSU missing: run make setup" >&2; exit 1; }

# 50 groups over 10 topics x 50 partitions, 5 groups replaced between polls, 18 polls of 1 s.
timeout 600 python3 Benchmarks/macro/macro_bench.py \
  --exporter "$BIN/kafka-lag-exporter" --fixture "$BIN/kafka-lag-fixture" --tansu "$TANSU" \
  --sizes "${SMOKE_SIZE:-50x10x50}" --polls "${SMOKE_POLLS:-18}" --poll-interval 1 --churn 5 \
  --scrapes 2 --lag-runs 1 --fixture-timeout 300 --check
echo "bench-smoke: requests per poll within O(brokers + groups), memory flat"
