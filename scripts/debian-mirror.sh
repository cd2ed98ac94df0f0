# Sourced by scripts/build-librdkafka.sh and scripts/check-image.sh:
# debian_mirror prints the URI of the machine's own Debian archive, the one
# its apt uses (deb822 .sources first, then sources.list; never the security
# archive), so that no host name is written into the repository. It prints
# nothing and fails when there is none.
debian_mirror() {
    local uris
    uris="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
    [ -n "$uris" ] || uris="$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
    [ -n "$uris" ] || return 1
    printf '%s\n' "$uris"
}
