#!/usr/bin/env bash
# The exporter's main job on an embedded default, all on loopback:
#   - a test broker (Tansu, in memory);
#   - a live demo workload (kafka-lag-demo: a steady producer, one record per
#     batch; a healthy group, a slow one and stalled ones);
#   - kafka-lag-exporter serve with config/exporter.yaml;
#   - a real Prometheus scraping the exporter, with our alert rules loaded.
# Prints the URLs and the lag table, runs until Ctrl-C (or DEMO_SECONDS), and
# stops every process it started. scripts/verify.sh checks a running demo.
#
#   DEMO_PORT, DEMO_HTTP_PORT, DEMO_PROMETHEUS_PORT   broker (9092), exporter
#       (8000) and Prometheus (9090) ports; a free port is used when one is taken
#   DEMO_SECONDS   stop by itself after this many seconds
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$(cd "$ROOT" && swift build --show-bin-path)"
TANSU="$ROOT/.tools/bin/tansu"
STATE="$ROOT/.tools/demo"
[ -x "$TANSU" ] || { echo "demo: $TANSU missing: run make setup" >&2; exit 1; }
command -v prometheus >/dev/null || { echo "demo: prometheus missing: run make setup" >&2; exit 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pick() { if port_free "$1"; then echo "$1"; else free_port; fi; }
PORT="$(pick "${DEMO_PORT:-9092}")"
HTTP_PORT="$(pick "${DEMO_HTTP_PORT:-8000}")"
PROMETHEUS_PORT="$(pick "${DEMO_PROMETHEUS_PORT:-9090}")"
BROKER="127.0.0.1:$PORT"

rm -rf "$STATE"
mkdir -p "$STATE"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    # The rest of our background jobs (the sleep below).
    for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -f "$STATE/demo.env"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

"$TANSU" broker --listener-url "tcp://$BROKER" --advertised-listener-url "tcp://$BROKER" >"$STATE/broker.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do port_free "$PORT" || break; sleep 0.1; done
port_free "$PORT" && { echo "demo: broker did not start on $BROKER" >&2; exit 1; }

echo "== test broker (Tansu) on $BROKER"
"$BIN/kafka-lag-demo" --bootstrap-servers "$BROKER" --follow 1 >"$STATE/workload.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do grep -q "demo workload ready" "$STATE/workload.log" && break; sleep 0.1; done
cat "$STATE/workload.log"
grep -q "demo workload ready" "$STATE/workload.log" || { echo "demo: the workload did not start" >&2; exit 1; }

KAFKA_LAG_EXPORTER_CLUSTERS_0_BOOTSTRAP_BROKERS="$BROKER" \
    "$BIN/kafka-lag-exporter" serve --config "$ROOT/config/exporter.yaml" --host 127.0.0.1 --port "$HTTP_PORT" \
    --poll-interval 5s 2>"$STATE/exporter.log" &
PIDS+=($!)

# Prometheus: scrapes the exporter every 5 s and loads the platform's alert rules.
cp "$ROOT/k8s/observability/prometheus/alerts.yaml" "$STATE/alerts.yaml"
cat >"$STATE/prometheus.yml" <<YAML
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files:
  - alerts.yaml
scrape_configs:
  - job_name: kafka-lag-exporter
    static_configs:
      - targets: ["127.0.0.1:$HTTP_PORT"]
YAML
prometheus --config.file="$STATE/prometheus.yml" --storage.tsdb.path="$STATE/prometheus-data" \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" >"$STATE/prometheus.log" 2>&1 &
PIDS+=($!)

for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null || { echo "demo: the exporter did not become ready" >&2; cat "$STATE/exporter.log" >&2; exit 1; }

cat >"$STATE/demo.env" <<ENV
DEMO_BROKER=$BROKER
DEMO_EXPORTER_URL=http://127.0.0.1:$HTTP_PORT
DEMO_PROMETHEUS_URL=http://127.0.0.1:$PROMETHEUS_PORT
ENV

echo
echo "== kafka-lag-exporter lag --bootstrap-servers $BROKER"
"$BIN/kafka-lag-exporter" lag --bootstrap-servers "$BROKER"
echo
echo "Demo running:"
echo "  broker       $BROKER"
echo "  exporter     http://127.0.0.1:$HTTP_PORT/metrics   (/healthz, /readyz)"
echo "  prometheus   http://127.0.0.1:$PROMETHEUS_PORT     (alerts: http://127.0.0.1:$PROMETHEUS_PORT/alerts)"
echo "  live view    $BIN/kafka-lag-exporter lag --bootstrap-servers $BROKER --watch"
echo "  logs         $STATE/*.log;  check it with scripts/verify.sh"
echo "Ctrl-C to stop."
# `sleep & wait`: signals interrupt `wait` at once (not after the sleep).
if [ -n "${DEMO_SECONDS:-}" ]; then
    sleep "$DEMO_SECONDS" & wait $!
else
    while true; do sleep 3600 & wait $!; done
fi
