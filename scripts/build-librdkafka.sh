#!/usr/bin/env bash
# Builds and installs the librdkafka of scripts/librdkafka.env from Debian's
# source package, on any Debian-based system whose apt sources name a Debian
# mirror (the host for scripts/setup.sh, the image's build stage for the
# Dockerfile). The machine's apt configuration is left alone: the source
# package is fetched through a temporary sources list that reuses the
# machine's own mirror (no host name is written here).
#
#   scripts/build-librdkafka.sh [PREFIX]     (default /usr/local)
#
# Needs, installed by the caller: a C toolchain and make, pkg-config,
# debian-archive-keyring, and the -dev packages of OpenSSL, Cyrus SASL, zstd,
# lz4, zlib and libcurl (scripts/setup.sh and the Dockerfile list them).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=librdkafka.env
source "$HERE/librdkafka.env"
PREFIX="${1:-/usr/local}"

log() { printf '[librdkafka] %s\n' "$*" >&2; }
die() { printf '[librdkafka] error: %s\n' "$*" >&2; exit 1; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"  # apt's sandbox user must be able to write the lists

source "$HERE/debian-mirror.sh"
uris="$(debian_mirror)" || die "cannot find the machine's Debian mirror in /etc/apt/sources.list(.d)"
cat >"$tmp/source.sources" <<SRC
Types: deb-src
URIs: $uris
Suites: forky sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
mkdir -p "$tmp/lists/partial" "$tmp/src" "$tmp/build"
# The Release files of forky and sid carry a Valid-Until date, which a mirror
# that lags behind (or a machine whose clock is off) fails. Their signatures
# are still checked, and so are the hashes of the exact version asked for, so
# the expiry adds nothing here: it is not checked.
opts=(-o "Dir::Etc::SourceList=$tmp/source.sources" -o "Dir::Etc::SourceParts=/dev/null"
      -o "Dir::State::Lists=$tmp/lists" -o "Acquire::Check-Valid-Until=false" -o "Acquire::Check-Date=false")
log "fetching Debian's librdkafka $LIBRDKAFKA_DEBIAN_VERSION source package"
$SUDO apt-get "${opts[@]}" update -qq
(cd "$tmp/src" && $SUDO apt-get "${opts[@]}" source --download-only -qq "librdkafka=$LIBRDKAFKA_DEBIAN_VERSION" >/dev/null) \
    || die "Debian's archive no longer has librdkafka $LIBRDKAFKA_DEBIAN_VERSION (forky, sid): raise the version in scripts/librdkafka.env"
orig="$tmp/src/librdkafka_${LIBRDKAFKA_VERSION}.orig.tar.gz"
[ -f "$orig" ] || die "$(basename "$orig") was not downloaded"
tar -xf "$orig" -C "$tmp/build" --strip-components=1

log "building librdkafka $LIBRDKAFKA_VERSION into $PREFIX (about a minute)"
(cd "$tmp/build" && ./configure --prefix="$PREFIX" >/dev/null \
    && make -j"$(nproc)" -C src >/dev/null 2>&1 \
    && $SUDO make -C src install >/dev/null) || die "building librdkafka $LIBRDKAFKA_VERSION failed"
$SUDO ldconfig
log "installed librdkafka $LIBRDKAFKA_VERSION into $PREFIX"
