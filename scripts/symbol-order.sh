#!/usr/bin/env bash
# Regenerates scripts/symbol-order.txt: the functions `serve` runs after its
# first poll (polls, scrapes plain and gzip, health probes), which release
# links place first and together in the text segment (lld's
# --symbol-ordering-file, Package.swift's releaseLinkerSettings).
#
# Why: a page fault maps the 16 pages around it, so code that runs on every
# poll but lies scattered over the 23 MB text segment kept some 10 MiB of it
# resident; together it needs about 7 (docs/benchmarks.md, "Where the time and
# memory go"). A stale list costs memory, never correctness: a name that no
# longer exists is skipped, a new function stays where it was.
#
# How: the release build (scripts/release-flags.sh) runs under valgrind's
# callgrind against Tansu with a small scale fixture; instrumentation starts
# once the first poll has completed (/readyz) and the profile is dumped after
# four more polls with their scrapes. Every function with a cost is listed
# unless the binary defines that name in a section shared with other
# functions (the standard library's 1.6 MB `Swift.o:(.text)`, for one): lld
# would move the whole section. Takes a minute or two after the build; needs
# valgrind (apt-get install valgrind), run after scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=scripts/symbol-order.txt
source scripts/release-flags.sh
RELEASE=("${RELEASE_FLAGS[@]}" --scratch-path .build-release)
TANSU=${TANSU_BIN:-.tools/bin/tansu}
command -v valgrind >/dev/null || { echo "symbol-order: valgrind missing (apt-get install valgrind)" >&2; exit 1; }
[[ -x $TANSU ]] || { echo "symbol-order: $TANSU missing: run make setup" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

# The link map says which input section defines each function (below).
swift build "${RELEASE[@]}" --product kafka-lag-exporter -Xlinker -Map="$tmp/link.map"
swift build "${RELEASE[@]}" --product kafka-lag-fixture
BIN=$(swift build "${RELEASE[@]}" --show-bin-path)

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
broker_port=$(free_port)
http_port=$(free_port)
"$TANSU" broker --listener-url "tcp://127.0.0.1:$broker_port" --advertised-listener-url "tcp://127.0.0.1:$broker_port" \
  >"$tmp/tansu.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$broker_port") 2>/dev/null && break; sleep 0.1; done

# Enough groups and partitions for every code path of a poll (batched reads,
# lag in seconds, statuses, partition gauges).
"$BIN/kafka-lag-fixture" --bootstrap-servers "127.0.0.1:$broker_port" --topics 10 --partitions 20 \
  --records 2 --groups 40 --producers 4 >/dev/null

# Valgrind cannot read the debug information lld writes; the symbol table is all it needs.
strip --strip-debug -o "$tmp/kafka-lag-exporter" "$BIN/kafka-lag-exporter"
valgrind --tool=callgrind --instr-atstart=no --demangle=no --callgrind-out-file="$tmp/callgrind.out" \
  "$tmp/kafka-lag-exporter" serve --bootstrap-servers "127.0.0.1:$broker_port" --cluster-name order \
  --host 127.0.0.1 --port "$http_port" --poll-interval 2s --log-level warning 2>"$tmp/valgrind.log" &
serve=$!
pids+=("$serve")
base="http://127.0.0.1:$http_port"
ready=
for _ in $(seq 600); do
  curl -fs "$base/readyz" >/dev/null 2>&1 && { ready=1; break; }
  sleep 0.2
done
[[ -n $ready ]] || { echo "symbol-order: serve never became ready under valgrind" >&2; tail "$tmp/valgrind.log" >&2; exit 1; }

# 0 when a scrape fails (slow under valgrind), so that the loop below waits instead of ending early.
polls() { curl -fs "$base/metrics" | awk '$1 ~ /^kafka_lag_exporter_polls_total/ && !n { n = int($2) } END { print n + 0 }'; }
callgrind_control -i on "$serve" >/dev/null
start=$(polls)
while (( start == 0 )); do sleep 0.5; start=$(polls); done  # /readyz: at least one poll
# Four more polls, each followed by what Prometheus and the kubelet do.
while (( $(polls) < start + 4 )); do
  curl -fs "$base/metrics" >/dev/null
  curl -fs -H 'Accept-Encoding: gzip' "$base/metrics" >/dev/null
  curl -fs "$base/healthz" >/dev/null
  curl -fs "$base/readyz" >/dev/null
  sleep 0.5
done
callgrind_control -d "$serve" >/dev/null
kill "$serve"
wait "$serve" 2>/dev/null || true

python3 - "$tmp/link.map" "$OUT" "$tmp"/callgrind.out* <<'PY'
import re, sys

link_map, out, profiles = sys.argv[1], sys.argv[2], sys.argv[3:]
# callgrind names a function once, where it first appears, as `fn=(id) name`
# (a function with a cost of its own) or `cfn=(id) name` (a callee); later
# lines say `fn=(id)` only.
names, executed = {}, set()
for profile in profiles:
    for line in open(profile):
        match = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if match:
            kind, ident, name = match.groups()
            if name:
                names[ident] = name
            if kind == "fn":
                executed.add(ident)
# The map lists each input section (`address ... path:(section)`) followed by
# the symbols it defines (five fields). Movable: defined only in sections of
# their own (`.text.<name>`).
own, shared, section = set(), set(), ""
for line in open(link_map):
    fields = line.split()
    if len(fields) >= 5 and re.search(r":\(.*\)$", fields[-1]):
        section = fields[-1]
    elif len(fields) == 5 and section:
        (own if re.search(r"\(\.text\.", section) else shared).add(fields[4])
movable = sorted({names[i] for i in executed if i in names} & (own - shared))
with open(out, "w") as file:
    file.write("".join(name + "\n" for name in movable))
print(f"symbol-order: {len(movable)} of {len(executed)} functions written to {out}")
PY
# Package.swift reads the list at link time, but SwiftPM does not know that it
# does: drop the binary so that the next build links it again.
rm -f "$BIN/kafka-lag-exporter"
