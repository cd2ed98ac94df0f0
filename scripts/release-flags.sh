# Sourced by the scripts that build the exporter as the image ships it
# (check-release-build.sh, bench.sh, symbol-order.sh, `make release`); the
# Dockerfile repeats the flags and check-release-build.sh checks that it does.
#
# - the Swift runtime and standard library linked statically (no Swift
#   libraries in the image);
# - every Swift and C function in a section of its own, so that the link can
#   put the functions `serve` runs on every poll and scrape
#   (scripts/symbol-order.txt) next to each other: Package.swift's
#   releaseLinkerSettings, docs/benchmarks.md.
#
# SwiftPM does not rebuild what it built before when only these flags change:
# after changing them, remove .build-release/x86_64-unknown-linux-gnu.
# shellcheck disable=SC2034  # used by the scripts that source this file
RELEASE_FLAGS=(-c release --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections)
