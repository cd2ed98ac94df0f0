#!/usr/bin/env bash
# Starts a local test broker (Tansu, in memory), fills it with a demo workload
# (topics, records, lagging consumer groups) and prints the exporter's view of
# the lag. The broker stops when the script ends.
#
#   DEMO_PORT   broker port (default: 9092, or a free one if 9092 is taken)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$(cd "$ROOT" && swift build --show-bin-path)"
TANSU="$ROOT/.tools/bin/tansu"
[ -x "$TANSU" ] || { echo "demo: $TANSU missing: run make setup" >&2; exit 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT="${DEMO_PORT:-9092}"
if ! port_free "$PORT"; then
    PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
fi
BROKER="127.0.0.1:$PORT"

"$TANSU" broker --listener-url "tcp://$BROKER" --advertised-listener-url "tcp://$BROKER" >/dev/null 2>&1 &
BROKER_PID=$!
trap 'kill $BROKER_PID 2>/dev/null; wait $BROKER_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do port_free "$PORT" || break; sleep 0.1; done
port_free "$PORT" && { echo "demo: broker did not start on $BROKER" >&2; exit 1; }

echo "== test broker (Tansu) on $BROKER"
"$BIN/kafka-lag-demo" --bootstrap-servers "$BROKER"
echo
echo "== $BIN/kafka-lag-exporter --version"
"$BIN/kafka-lag-exporter" --version
echo
echo "== kafka-lag-exporter lag --bootstrap-servers $BROKER"
"$BIN/kafka-lag-exporter" lag --bootstrap-servers "$BROKER"
echo
echo "== kafka-lag-exporter lag --bootstrap-servers $BROKER --group 'ship.*' --output json"
"$BIN/kafka-lag-exporter" lag --bootstrap-servers "$BROKER" --group 'ship.*' --output json
