#!/usr/bin/env bash
# The exporter's release build, the one place its flags are written: the
# Dockerfile and `make release` run this script, scripts/bench.sh sources it
# for the flags.
#
#   -c release              optimised
#   --static-swift-stdlib   the Swift runtime and standard library linked in:
#                           at run time the binary needs only libc-level
#                           libraries, librdkafka and jemalloc
#
# Nothing ties the build to one linker, C library or architecture.
#
#   scripts/release-build.sh [DIR]   builds and installs the stripped binary as
#                                    DIR/kafka-lag-exporter (default .build-release/bin)
#
# The scratch path is SCRATCH (default .build-release; the Dockerfile uses
# .build): a release build beside the debug one in .build would rebuild both.
# shellcheck disable=SC2034  # RELEASE_FLAGS is used by the scripts that source this file
RELEASE_FLAGS=(-c release --static-swift-stdlib)

release_build() {
    set -euo pipefail
    local out="${1:-.build-release/bin}" scratch="${SCRATCH:-.build-release}"
    local flags=("${RELEASE_FLAGS[@]}" --scratch-path "$scratch")
    local start
    start=$(date +%s)
    swift build "${flags[@]}" --product kafka-lag-exporter
    install -D -s -m 0755 "$(swift build "${flags[@]}" --show-bin-path)/kafka-lag-exporter" "$out/kafka-lag-exporter"
    printf '[release-build] %s/kafka-lag-exporter (stripped, %s bytes) in %s s\n' \
        "$out" "$(stat -c %s "$out/kafka-lag-exporter")" "$(( $(date +%s) - start ))"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    release_build "$@"
fi
