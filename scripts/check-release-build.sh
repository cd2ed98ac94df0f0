#!/usr/bin/env bash
# Proves the Dockerfile's build steps on the host (no Docker engine needed): the
# same release build with the Swift standard library linked statically, in its
# own scratch path (.build-release, so the debug .build/ is left alone), then
# checks what the binary needs at run time:
#
#   - its direct dependencies (readelf -d: NEEDED) are libc-level libraries,
#     librdkafka and jemalloc only, so the runtime image needs nothing but
#     librdkafka1 and libjemalloc2; jemalloc comes before libc (so its malloc
#     is everyone's) and the binary exports the malloc_conf jemalloc reads
#     (Sources/CAllocator);
#     the one exception, libz.so.1 (gzip of /metrics, through compress-nio), is
#     accepted only because librdkafka itself needs it too: it adds nothing to
#     the image;
#   - everything ldd resolves is libc-level, librdkafka, or one of librdkafka's
#     own dependencies (no Swift runtime, Foundation or dispatch library);
#   - it was linked with Package.swift's release link flags (DT_RELR, no
#     exported symbol table, the functions of scripts/symbol-order.txt first
#     and together), and the Dockerfile builds with scripts/release-flags.sh;
#   - the binary runs (--version) and prints its size.
#
# Takes several minutes on 2 cores the first time; run after scripts/setup.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SWIFT="${SWIFT:-swift}"
SCRATCH="${SCRATCH:-.build-release}"
PRODUCT="kafka-lag-exporter"
source scripts/release-flags.sh
BUILD_FLAGS=("${RELEASE_FLAGS[@]}" --product "$PRODUCT" --scratch-path "$SCRATCH")

log() { printf '[release-build] %s\n' "$*"; }
fail() { printf '[release-build] FAIL: %s\n' "$*" >&2; exit 1; }

# The C library and the compiler runtime: present on every glibc system.
LIBC_LEVEL_RE='^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libutil\.so\.1|ld-linux-[a-z0-9_-]+\.so\.[0-9]+|libgcc_s\.so\.1|libstdc\+\+\.so\.6|linux-vdso\.so\.1)$'
RDKAFKA_RE='^librdkafka\.so\.1$'
ALLOCATOR_RE='^libjemalloc\.so\.2$'
# Direct dependencies accepted beyond those, each only if librdkafka needs it too.
ALSO_FROM_RDKAFKA=(libz.so.1)

log "swift build ${BUILD_FLAGS[*]}"
start=$(date +%s)
"$SWIFT" build "${BUILD_FLAGS[@]}"
log "built in $(( $(date +%s) - start )) s"
BIN="$("$SWIFT" build "${BUILD_FLAGS[@]}" --show-bin-path)/$PRODUCT"
[ -x "$BIN" ] || fail "$BIN not found"

echo
log "ldd $BIN"
ldd "$BIN" | sed 's/^/    /'

RDKAFKA_SO="$(ldd "$BIN" | awk '$1 == "librdkafka.so.1" {print $3}')"
[ -n "$RDKAFKA_SO" ] && [ -f "$RDKAFKA_SO" ] || fail "librdkafka.so.1 is not resolved by ldd"
mapfile -t rdkafka_deps < <(ldd "$RDKAFKA_SO" | awk '{print $1}' | xargs -n1 basename)
echo
log "ldd $RDKAFKA_SO (librdkafka's own dependencies)"
ldd "$RDKAFKA_SO" | sed 's/^/    /'

in_rdkafka_deps() {
    local lib="$1" dep
    for dep in "${rdkafka_deps[@]}"; do [ "$dep" = "$lib" ] && return 0; done
    return 1
}

problems=()
echo
log "direct dependencies (readelf -d NEEDED)"
mapfile -t needed < <(readelf -d "$BIN" | awk '/\(NEEDED\)/ {gsub(/[][]/, "", $NF); print $NF}')
[ "${#needed[@]}" -gt 0 ] || fail "readelf found no NEEDED entries in $BIN"
for lib in "${needed[@]}"; do
    if [[ "$lib" =~ $LIBC_LEVEL_RE ]]; then
        printf '    %-28s ok (libc level)\n' "$lib"
    elif [[ "$lib" =~ $RDKAFKA_RE ]]; then
        printf '    %-28s ok (librdkafka)\n' "$lib"
    elif [[ "$lib" =~ $ALLOCATOR_RE ]]; then
        printf '    %-28s ok (the allocator)\n' "$lib"
    elif [[ " ${ALSO_FROM_RDKAFKA[*]} " == *" $lib "* ]] && in_rdkafka_deps "$lib"; then
        printf '    %-28s ok (librdkafka needs it too: adds nothing to the image)\n' "$lib"
    else
        printf '    %-28s NOT ALLOWED\n' "$lib"
        problems+=("direct dependency $lib is neither libc-level nor librdkafka")
    fi
done

# Everything the loader resolves must be libc-level, librdkafka or one of
# librdkafka's dependencies: in particular no Swift runtime library.
while read -r lib; do
    [ -n "$lib" ] || continue
    if [[ "$lib" =~ $LIBC_LEVEL_RE || "$lib" =~ $RDKAFKA_RE || "$lib" =~ $ALLOCATOR_RE ]] || in_rdkafka_deps "$lib"; then
        continue
    fi
    problems+=("ldd resolves $lib, which neither libc nor librdkafka brings")
done < <(ldd "$BIN" | awk '{print $1}' | xargs -n1 basename)
if ldd "$BIN" | grep -Eq 'libswift|libFoundation|libdispatch|libBlocksRuntime'; then
    problems+=("the Swift runtime is linked dynamically (expected --static-swift-stdlib)")
fi

# jemalloc is the allocator of the whole process only if the loader finds its
# malloc before libc's, and it starts with our options only if it can see the
# binary's malloc_conf.
jemalloc_at=-1; libc_at=-1
for i in "${!needed[@]}"; do
    [[ "${needed[$i]}" =~ $ALLOCATOR_RE ]] && jemalloc_at=$i
    [ "${needed[$i]}" = libc.so.6 ] && libc_at=$i
done
if (( jemalloc_at < 0 || libc_at < 0 || jemalloc_at > libc_at )); then
    problems+=("libjemalloc.so.2 must be a direct dependency listed before libc.so.6 (NEEDED positions $jemalloc_at, $libc_at)")
fi
dynamic_symbols=$(readelf --dyn-syms -W "$BIN")
grep -Eq ' OBJECT +GLOBAL +DEFAULT +[0-9]+ malloc_conf$' <<<"$dynamic_symbols" \
    || problems+=("the binary does not export malloc_conf: jemalloc would start with its defaults")

# The Dockerfile builds with the same flags (scripts/release-flags.sh).
grep -Fq "swift build ${RELEASE_FLAGS[*]} --product $PRODUCT" Dockerfile \
    || problems+=("the Dockerfile does not build with the flags of scripts/release-flags.sh: ${RELEASE_FLAGS[*]}")

# The functions of scripts/symbol-order.txt come first and together: the span
# of their addresses is little more than the sum of their sizes (without the
# function sections of release-flags.sh, or without the ordering, they spread
# over the whole text segment).
ordering=$(nm --defined-only -S "$BIN" | python3 -c '
import sys
listed = set(open(sys.argv[1]).read().split())
seen, low, high, total = set(), None, 0, 0
for line in sys.stdin:
    fields = line.split()
    if len(fields) != 4 or fields[2] not in "tT" or fields[3] not in listed or fields[3] in seen:
        continue
    seen.add(fields[3])
    address, size = int(fields[0], 16), int(fields[1], 16)
    low = address if low is None else min(low, address)
    high, total = max(high, address + size), total + size
print(len(seen), total, high - (low or 0))
' scripts/symbol-order.txt)
read -r ordered_count ordered_bytes ordered_span <<<"$ordering"
log "symbol order: $ordered_count listed functions, $ordered_bytes bytes over a span of $ordered_span bytes"
if (( ordered_count < 1000 || ordered_span > 2 * ordered_bytes + 65536 )); then
    problems+=("the functions of scripts/symbol-order.txt are not placed together ($ordered_count found, $ordered_bytes bytes over $ordered_span)")
fi

# Package.swift's release link flags (releaseLinkerSettings): packed relative
# relocations and no exported symbol table, about 7 MiB less resident memory.
# (Captured first: `grep -q` quitting early under pipefail could fail the pipe.)
dynamic_section=$(readelf -d "$BIN")
if [[ $dynamic_section != *"(RELR)"* ]]; then
    problems+=("no packed relative relocations (DT_RELR): Package.swift's release link flags did not apply")
fi
exported=$(readelf --dyn-syms --wide "$BIN" | awk '$7 != "UND" && $5 == "GLOBAL"' | wc -l)
log "exported symbols: $exported"
if [ "$exported" -gt 1000 ]; then
    problems+=("$exported exported symbols: --no-export-dynamic did not apply")
fi

echo
log "$("$BIN" --version 2>&1 | head -n1)"
size=$(stat -c %s "$BIN")
stripped="$(mktemp)"
strip -o "$stripped" "$BIN" 2>/dev/null && stripped_size=$(stat -c %s "$stripped") || stripped_size=""
rm -f "$stripped"
log "binary: $BIN"
log "size: $size bytes ($(( (size + 524288) / 1048576 )) MiB)${stripped_size:+; stripped: $stripped_size bytes ($(( (stripped_size + 524288) / 1048576 )) MiB)}"

if [ "${#problems[@]}" -gt 0 ]; then
    for p in "${problems[@]}"; do printf '[release-build] FAIL: %s\n' "$p" >&2; done
    exit 1
fi
log "PASS: static Swift runtime; needs only libc-level libraries, librdkafka and jemalloc; hot code ordered"
