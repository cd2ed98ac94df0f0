#!/usr/bin/env bash
# CI's run of the demo: `scripts/demo.sh` headless in the background, then
# `scripts/verify.sh` against it, then a clean stop of everything it started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOG="$(mktemp)"
DEMO_SECONDS=600 bash "$ROOT/scripts/demo.sh" >"$LOG" 2>&1 &
DEMO=$!
stop_demo() { kill -TERM "$DEMO" 2>/dev/null || true; wait "$DEMO" 2>/dev/null || true; }
trap stop_demo EXIT

for _ in $(seq 1 600); do
    [ -f "$ROOT/.tools/demo/demo.env" ] && break
    kill -0 "$DEMO" 2>/dev/null || { echo "demo-check: the demo exited:" >&2; cat "$LOG" >&2; exit 1; }
    sleep 0.2
done
[ -f "$ROOT/.tools/demo/demo.env" ] || { echo "demo-check: the demo did not start within 120 s" >&2; cat "$LOG" >&2; exit 1; }
echo "demo-check: demo running; verifying"
status=0
bash "$ROOT/scripts/verify.sh" || status=$?
stop_demo
trap - EXIT
if pgrep -f "$ROOT/.tools/demo" >/dev/null; then
    echo "demo-check: FAIL: processes of the demo are still running" >&2
    status=1
fi
[ "$status" -eq 0 ] || { echo "demo-check: demo output:" >&2; cat "$LOG" >&2; }
rm -f "$LOG"
exit "$status"
