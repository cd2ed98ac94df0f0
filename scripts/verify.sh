#!/usr/bin/env bash
# Verifies a running demo (scripts/demo.sh, `make demo`) the way the
# platform's phase verification does: PASS/FAIL per check, exit code 1 on any
# failure.
#   - Prometheus scrapes the exporter (up == 1);
#   - kafka_consumergroup_group_lag exists for the demo groups;
#   - the stalled group's lag grows;
#   - the dashboard defines the consumer-lag panel, and every panel's query
#     returns data from the demo's Prometheus;
#   - the alert rules are loaded.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENV_FILE="$ROOT/.tools/demo/demo.env"
[ -f "$ENV_FILE" ] || { echo "FAIL: no running demo ($ENV_FILE missing): start make demo first"; exit 1; }
# shellcheck disable=SC1090
source "$ENV_FILE"
DASHBOARD="$ROOT/k8s/observability/dashboards/kafka-lag-exporter.json"
RULES="$ROOT/k8s/observability/prometheus/alerts.yaml"

export DEMO_PROMETHEUS_URL DASHBOARD RULES
python3 - <<'PY'
import json, os, sys, time, urllib.parse, urllib.request

prometheus = os.environ["DEMO_PROMETHEUS_URL"]
results = []

def check(name, ok, detail=""):
    results.append(ok)
    print(("PASS" if ok else "FAIL") + ": " + name + (f" ({detail})" if detail else ""))

def query(expr):
    url = prometheus + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        answer = json.load(response)
    if answer.get("status") != "success":
        raise RuntimeError(answer)
    return answer["data"]["result"]

def values(expr):
    return {json.dumps(r["metric"], sort_keys=True): float(r["value"][1]) for r in query(expr)}

def wait_for(name, predicate, timeout=90):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last is True:
                return True
        except Exception as error:  # Prometheus still starting
            last = error
        time.sleep(2)
    print(f"      waited {timeout}s for {name}: {last}")
    return False

check("Prometheus scrapes the exporter (up == 1)",
      wait_for("up", lambda: values('up{job="kafka-lag-exporter"}') and all(v == 1 for v in values('up{job="kafka-lag-exporter"}').values())))

groups = ["billing", "shipping", "audit-archiver", "payments-reconciler"]
for group in groups:
    check(f"kafka_consumergroup_group_lag exists for group {group}",
          wait_for(group, lambda g=group: len(query(f'kafka_consumergroup_group_lag{{group="{g}"}}')) > 0))

def stalled_lag():
    result = query('sum(kafka_consumergroup_group_sum_lag{group="audit-archiver"})')
    return float(result[0]["value"][1]) if result else None
first = None
def grows():
    global first
    current = stalled_lag()
    if current is None:
        return "no value yet"
    if first is None:
        first = current
        return f"first value {current}"
    return True if current > first else f"{first} -> {current}"
check("the stalled group's lag grows (audit-archiver)", wait_for("growth", grows, timeout=60))

with open(os.environ["DASHBOARD"]) as handle:
    dashboard = json.load(handle)
panels = dashboard.get("panels", [])
lag_panel = [p for p in panels if p.get("title") == "Consumer lag"]
check("the dashboard defines the consumer-lag panel",
      bool(lag_panel) and any("kafka_consumergroup_group_" in t.get("expr", "") for t in lag_panel[0].get("targets", [])))

# Every panel's query returns data (template variables match everything).
for panel in panels:
    for target in panel.get("targets", []):
        expr = target.get("expr", "")
        for variable in ("$cluster", "$group", "$topic"):
            expr = expr.replace(variable, ".*")
        ok = wait_for(panel.get("title"), lambda e=expr: len(query(e)) > 0, timeout=60)
        check(f"panel '{panel.get('title')}' returns data", ok, expr if not ok else "")

def rules_loaded():
    with urllib.request.urlopen(prometheus + "/api/v1/rules", timeout=10) as response:
        answer = json.load(response)
    names = {rule["name"] for group in answer["data"]["groups"] for rule in group["rules"]}
    return True if "KafkaConsumerGroupStalled" in names and "KafkaLagExporterDown" in names else sorted(names)
check("the alert rules are loaded", wait_for("rules", rules_loaded, timeout=30))

passed = sum(results)
failed = len(results) - passed
print(f"verify: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
