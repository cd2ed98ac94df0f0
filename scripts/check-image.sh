#!/usr/bin/env bash
# Builds the Dockerfile with podman and checks the image as it would run in a
# pod (called by `make test`; docs/deployment.md, "The image in CI"):
#
#   - `--version` inside the image names exactly the librdkafka of
#     scripts/librdkafka.env (>= 2.10);
#   - the binary needs only libc-level libraries, librdkafka and jemalloc
#     (jemalloc before libc, malloc_conf exported), no Swift runtime library;
#   - it runs as the image's numeric non-root user with a read-only root
#     filesystem, on the host network against a Tansu broker filled with known
#     groups: /healthz and /readyz answer 200 and /metrics has the exact
#     kafka_consumergroup_group_lag of every partition;
#   - `podman stop` (SIGTERM) ends it with exit code 0, before the 5 s after
#     which podman would send SIGKILL (exit code 137);
#   - the image is smaller than IMAGE_MAX_MB; its size and the container's
#     memory (cgroup) are printed.
#
# No registry is reachable on our machines, so the bases are made here from
# Debian's archive (the mirror the machine's apt uses) with mmdebstrap and
# cached as local images: localhost/debian:bookworm-slim for the runtime, and
# a bookworm builder with the Swift toolchain's system dependencies. The
# toolchain itself (the one on this machine's PATH) and, where the machine
# mirrors Swift packages locally (git's url.<dir>.insteadOf in /etc/gitconfig),
# that mirror are mounted into the build read-only instead of being copied
# into an image (3.3 GB). A user with a registry builds the same Dockerfile
# with the official bases (docs/deployment.md).
#
# Run after `swift build` (it uses the debug build's kafka-lag-fixture to fill
# the broker) and scripts/setup.sh (podman, runc, mmdebstrap, Tansu).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/librdkafka.env

IMAGE="${IMAGE:-localhost/kafka-lag-exporter:ci}"
RUNTIME_BASE="localhost/debian:bookworm-slim"
IMAGE_MAX_MB="${IMAGE_MAX_MB:-320}"  # measured 296 MB (docs/benchmarks.md, "The image")
export CONTAINERS_CONF="$ROOT/scripts/containers.conf"

log() { printf '[check-image] %s\n' "$*"; }
fail() { printf '[check-image] FAIL: %s\n' "$*" >&2; exit 1; }

for tool in podman mmdebstrap runc; do
    command -v "$tool" >/dev/null || fail "$tool missing: run make setup"
done
TANSU="${TANSU_BIN:-$ROOT/.tools/bin/tansu}"
[ -x "$TANSU" ] || fail "$TANSU missing: run make setup"
BIN="$(swift build --show-bin-path)"
[ -x "$BIN/kafka-lag-fixture" ] || fail "$BIN/kafka-lag-fixture missing: run swift build"

# --- the bases -----------------------------------------------------------------
source "$ROOT/scripts/debian-mirror.sh"
mirror() { debian_mirror || fail "cannot find the machine's Debian mirror in /etc/apt/sources.list(.d)"; }

# As debian:bookworm-slim is made: dpkg leaves out documentation, manual pages
# and translations, in the base and in every package installed on top of it.
SLIM=()
for dir in doc man info locale lintian; do
    SLIM+=("--dpkgopt=path-exclude=/usr/share/$dir/*")
done
SLIM+=("--dpkgopt=path-include=/usr/share/doc/*/copyright")

# make_base IMAGE PACKAGES [podman import --change ...]: a Debian 12 minbase
# root filesystem with PACKAGES, imported as IMAGE, unless IMAGE exists.
make_base() {
    local image="$1" packages="$2"; shift 2
    if podman image exists "$image"; then
        log "base $image: cached"
        return
    fi
    local tmp start
    tmp="$(mktemp -d)"
    start=$(date +%s)
    log "base $image: mmdebstrap bookworm ($packages)"
    mmdebstrap --quiet --variant=minbase --include="$packages" "${SLIM[@]}" bookworm "$tmp/rootfs.tar" "$(mirror)" \
        || { rm -rf "$tmp"; fail "mmdebstrap failed for $image"; }
    podman import --quiet "$@" "$tmp/rootfs.tar" "$image" >/dev/null
    rm -rf "$tmp"
    log "base $image: made in $(( $(date +%s) - start )) s"
}

# The runtime base stands in for debian:bookworm-slim.
make_base "$RUNTIME_BASE" ca-certificates

# The builder base stands in for the official swift:*-bookworm image: the
# system packages the Swift toolchain needs on Debian 12; the toolchain is
# mounted at the same path as on this machine.
SWIFT_ROOT="$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")"
[ -x "$SWIFT_ROOT/bin/swift" ] || fail "cannot find the Swift toolchain (swift is $(command -v swift))"
BUILDER_PACKAGES="ca-certificates,binutils,git,gnupg2,libc6-dev,libcurl4-openssl-dev,libedit2,libgcc-12-dev,libpython3.11,libsqlite3-0,libstdc++-12-dev,libxml2-dev,libncurses-dev,libz3-dev,pkg-config,tzdata,unzip,zlib1g-dev,uuid-dev"
SWIFT_VERSION="$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9.]*\).*/\1/p' | head -n1)"
BUILDER_BASE="localhost/kafka-lag-exporter-builder:swift-${SWIFT_VERSION:-unknown}-$(printf '%s' "$SWIFT_ROOT $BUILDER_PACKAGES" | sha256sum | cut -c1-12)"
make_base "$BUILDER_BASE" "$BUILDER_PACKAGES" --change "ENV PATH=$SWIFT_ROOT/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# --- the build -------------------------------------------------------------------
VOLUMES=(--volume "$(dirname "$SWIFT_ROOT"):$(dirname "$SWIFT_ROOT"):ro")
# A local mirror of Swift packages that git reads instead of GitHub (this
# machine's /etc/gitconfig): mount it and that configuration.
if [ -f /etc/gitconfig ]; then
    while read -r dir; do
        [ -d "$dir" ] && VOLUMES+=(--volume "$dir:$dir:ro")
    done < <(git config --system --get-regexp '^url\..*\.insteadof$' | sed -E 's/^url\.(.*)\.insteadof .*/\1/I' | sort -u)
    VOLUMES+=(--volume /etc/gitconfig:/etc/gitconfig:ro)
fi
log "podman build -t $IMAGE (builder $BUILDER_BASE, runtime $RUNTIME_BASE)"
start=$(date +%s)
podman build --quiet --network host \
    --build-arg "BUILDER_IMAGE=$BUILDER_BASE" --build-arg "RUNTIME_IMAGE=$RUNTIME_BASE" \
    --build-arg "REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
    "${VOLUMES[@]}" --tag "$IMAGE" . >/dev/null
log "built in $(( $(date +%s) - start )) s"

# --- what the image holds ----------------------------------------------------------
version="$(podman run --rm --network none "$IMAGE" --version)"
log "--version: $version"
[[ "$version" == *"(librdkafka $LIBRDKAFKA_VERSION)"* ]] \
    || fail "the image does not run librdkafka $LIBRDKAFKA_VERSION (scripts/librdkafka.env): $version"

user="$(podman image inspect --format '{{.Config.User}}' "$IMAGE")"
[[ "$user" =~ ^[1-9][0-9]*:[0-9]+$ ]] || fail "the image's user is '$user', not a numeric non-root uid:gid"

work="$(mktemp -d)"
container=""
broker=""
cleanup() {
    [ -n "$container" ] && podman rm --force --time 0 "$container" >/dev/null 2>&1 || true
    [ -n "$broker" ] && kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The binary's dynamic dependencies, read on the host from the image's copy.
extract="$(podman create "$IMAGE")"
podman cp "$extract:/usr/local/bin/kafka-lag-exporter" "$work/kafka-lag-exporter" >/dev/null
podman rm "$extract" >/dev/null
mapfile -t needed < <(readelf -d "$work/kafka-lag-exporter" | awk '/\(NEEDED\)/ {gsub(/[][]/, "", $NF); print $NF}')
log "NEEDED: ${needed[*]}"
jemalloc_at=-1; libc_at=-1
for i in "${!needed[@]}"; do
    case "${needed[$i]}" in
        libjemalloc.so.2) jemalloc_at=$i ;;
        libc.so.6) libc_at=$i ;;
        librdkafka.so.1|libz.so.1|libm.so.6|libstdc++.so.6|libgcc_s.so.1|libdl.so.2|libpthread.so.0|librt.so.1|libutil.so.1|ld-linux*) ;;
        *) fail "unexpected direct dependency ${needed[$i]}" ;;
    esac
done
(( jemalloc_at >= 0 && libc_at >= 0 && jemalloc_at < libc_at )) \
    || fail "libjemalloc.so.2 must come before libc.so.6 in NEEDED (so its malloc is everyone's): ${needed[*]}"
# (Read whole before matching: `grep -q` quitting early would fail the pipe under pipefail.)
dynamic_symbols="$(readelf --dyn-syms -W "$work/kafka-lag-exporter")"
grep -Eq ' OBJECT +GLOBAL +DEFAULT +[0-9]+ malloc_conf$' <<<"$dynamic_symbols" \
    || fail "the binary does not export malloc_conf: jemalloc would start without Sources/CAllocator's options"
resolved="$(podman run --rm --network none --entrypoint /usr/bin/ldd "$IMAGE" /usr/local/bin/kafka-lag-exporter)"
! grep -q 'not found' <<<"$resolved" || fail "libraries missing in the image: $(grep 'not found' <<<"$resolved" | tr '\n' ' ')"
! grep -Eq 'libswift|libFoundation|libdispatch' <<<"$resolved" || fail "the Swift runtime is linked dynamically"
log "every library resolves in the image; no Swift runtime library"

# --- a broker with known groups ---------------------------------------------------
# A free loopback port below the kernel's ephemeral range (which starts at
# 32768), never one of the arguments: a port the kernel hands out for bind(0)
# can be handed out again at once, to another process (as the tests'
# LoopbackPorts does).
free_port() {
    python3 - "$@" <<'PY'
import random, socket, sys
taken = set(sys.argv[1:])
for _ in range(1000):
    port = random.randrange(10000, 32768)
    if str(port) in taken:
        continue
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    sys.exit(0)
sys.exit("no free loopback port in 10000-32767")
PY
}
broker_port="$(free_port)"
"$TANSU" broker --listener-url "tcp://127.0.0.1:$broker_port" --advertised-listener-url "tcp://127.0.0.1:$broker_port" \
    >"$work/tansu.log" 2>&1 &
broker=$!
# 3 groups on 2 topics x 2 partitions, 3 records each: group g commits on topic
# g mod 2 at 3 - ((g + p) mod 4), so its lag on partition p is (g + p) mod 4.
N_TOPICS=2 N_PARTITIONS=2 N_RECORDS=3 N_GROUPS=3
for _ in $(seq 1 100); do
    "$BIN/kafka-lag-fixture" --bootstrap-servers "127.0.0.1:$broker_port" --topics $N_TOPICS --partitions $N_PARTITIONS \
        --records $N_RECORDS --groups $N_GROUPS --topic-prefix ci --group-prefix ci-group >"$work/fixture.log" 2>&1 && break
    kill -0 "$broker" 2>/dev/null || fail "the test broker exited: $(cat "$work/tansu.log")"
    sleep 0.2
done
grep -q . "$work/fixture.log" || fail "the fixture did not fill the broker"

# --- the exporter in the image -------------------------------------------------------
http_port="$(free_port "$broker_port")"
container="$(podman run --detach --network host --read-only --cap-drop ALL --security-opt no-new-privileges \
    "$IMAGE" serve --bootstrap-servers "127.0.0.1:$broker_port" --cluster-name ci --port "$http_port" \
    --host 127.0.0.1 --poll-interval 1s)"
pid="$(podman inspect --format '{{.State.Pid}}' "$container")"
uid="$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")"
[ "$uid" = "${user%%:*}" ] || fail "the exporter runs as uid $uid, not the image's user $user"
log "runs as uid $uid with a read-only root filesystem"

url="http://127.0.0.1:$http_port"
status() { curl -s -o /dev/null -w '%{http_code}' "$url$1" || true; }
# Ready means a first poll has succeeded; a bounded wait for that event.
for _ in $(seq 1 300); do
    [ "$(status /readyz)" = 200 ] && break
    [ "$(podman inspect --format '{{.State.Running}}' "$container")" = true ] \
        || fail "the exporter exited: $(podman logs "$container" 2>&1 | tail -20)"
    sleep 0.2
done
[ "$(status /healthz)" = 200 ] || fail "/healthz answered $(status /healthz)"
[ "$(status /readyz)" = 200 ] || fail "/readyz answered $(status /readyz) after 60 s: $(podman logs "$container" 2>&1 | tail -20)"
curl -sf "$url/metrics" >"$work/metrics" || fail "/metrics failed"
for (( g = 0; g < N_GROUPS; g++ )); do
    group="$(printf 'ci-group-%05d' "$g")"
    topic="$(printf 'ci-%04d' $(( g % N_TOPICS )))"
    for (( p = 0; p < N_PARTITIONS; p++ )); do
        want=$(( (g + p) % (N_RECORDS + 1) ))
        line="$(grep -E "^kafka_consumergroup_group_lag\{[^}]*group=\"$group\"[^}]*\} " "$work/metrics" \
            | grep -E "topic=\"$topic\"" | grep -E "partition=\"$p\"" || true)"
        [ -n "$line" ] || fail "no kafka_consumergroup_group_lag for $group $topic $p: $(grep -c . "$work/metrics") lines of /metrics"
        [ "${line##* }" = "$want" ] || fail "lag of $group $topic $p is ${line##* }, the broker holds $want"
    done
done
log "/healthz and /readyz 200; /metrics has the exact lag of $(( N_GROUPS * N_PARTITIONS )) partitions"

memory="$(podman stats --no-stream --format '{{.MemUsage}}' "$container" 2>/dev/null || true)"
log "container memory (cgroup, podman stats): ${memory:-not readable on this host}"

podman stop --time 5 "$container" >/dev/null
code="$(podman inspect --format '{{.State.ExitCode}}' "$container")"
[ "$code" = 0 ] || fail "after SIGTERM the exporter exited with $code (137: it was still running 5 s later and got SIGKILL)"
log "SIGTERM: exit 0 within 5 s"

size_bytes="$(podman image inspect --format '{{.Size}}' "$IMAGE")"
size_mb=$(( (size_bytes + 524288) / 1048576 ))
log "image $IMAGE: $size_mb MB ($size_bytes bytes; bound $IMAGE_MAX_MB MB)"
(( size_mb <= IMAGE_MAX_MB )) || fail "the image is $size_mb MB, over the bound of $IMAGE_MAX_MB MB"
log "PASS"
