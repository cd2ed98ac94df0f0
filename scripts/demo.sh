#!/usr/bin/env bash
# The exporter's main job on an embedded default: a local test broker (Tansu,
# in memory) with a live demo workload, and `kafka-lag-exporter serve` with
# config/exporter.yaml serving /metrics. Stops on Ctrl-C (or after
# DEMO_SECONDS); the broker and the workload stop with it.
#
#   DEMO_PORT        broker port (default 9092, or a free one if taken)
#   DEMO_HTTP_PORT   exporter port (default 8000, or a free one if taken)
#   DEMO_SECONDS     stop by itself after this many seconds (default: run until Ctrl-C)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$(cd "$ROOT" && swift build --show-bin-path)"
TANSU="$ROOT/.tools/bin/tansu"
[ -x "$TANSU" ] || { echo "demo: $TANSU missing: run make setup" >&2; exit 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT="${DEMO_PORT:-9092}"; port_free "$PORT" || PORT="$(free_port)"
HTTP_PORT="${DEMO_HTTP_PORT:-8000}"; port_free "$HTTP_PORT" || HTTP_PORT="$(free_port)"
BROKER="127.0.0.1:$PORT"

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$TANSU" broker --listener-url "tcp://$BROKER" --advertised-listener-url "tcp://$BROKER" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do port_free "$PORT" || break; sleep 0.1; done
port_free "$PORT" && { echo "demo: broker did not start on $BROKER" >&2; exit 1; }

echo "== test broker (Tansu) on $BROKER"
WORKLOAD_LOG="$(mktemp)"
"$BIN/kafka-lag-demo" --bootstrap-servers "$BROKER" --follow 2 >"$WORKLOAD_LOG" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do grep -q "demo workload ready" "$WORKLOAD_LOG" && break; sleep 0.1; done
cat "$WORKLOAD_LOG"
grep -q "demo workload ready" "$WORKLOAD_LOG" || { echo "demo: the workload did not start" >&2; exit 1; }

echo
echo "== kafka-lag-exporter lag --bootstrap-servers $BROKER"
"$BIN/kafka-lag-exporter" lag --bootstrap-servers "$BROKER"

echo
echo "== kafka-lag-exporter serve --config config/exporter.yaml  (http://127.0.0.1:$HTTP_PORT/metrics)"
KAFKA_LAG_EXPORTER_CLUSTERS_0_BOOTSTRAP_BROKERS="$BROKER" \
    "$BIN/kafka-lag-exporter" serve --config "$ROOT/config/exporter.yaml" --port "$HTTP_PORT" --poll-interval 5s &
EXPORTER=$!
PIDS+=($EXPORTER)
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
echo
echo "== curl http://127.0.0.1:$HTTP_PORT/metrics | grep group_lag"
curl -fs "http://127.0.0.1:$HTTP_PORT/metrics" | grep '^kafka_consumergroup_group_lag{' || true
echo
echo "Serving on http://127.0.0.1:$HTTP_PORT/metrics (the demo keeps producing). Ctrl-C to stop."
if [ -n "${DEMO_SECONDS:-}" ]; then
    sleep "$DEMO_SECONDS"
else
    wait "$EXPORTER"
fi
