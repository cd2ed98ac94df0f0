#!/usr/bin/env python3
"""Macro benchmark of kafka-lag-exporter against a real broker (Tansu).

For each size: start Tansu on a free loopback port behind a counting proxy
(the broker advertises the proxy's port, so every client request goes through
it and is counted by Kafka API key), populate it with kafka-lag-fixture, start
`kafka-lag-exporter serve` (release build) and measure: start-up to /healthz
and /readyz, wall time per poll (kafka_consumergroup_poll_time_ms), broker
requests per poll by API, CPU seconds per poll, idle CPU between polls, RSS
(steady, and peak = VmHWM), /metrics size and scrape time (plain and gzip), and
`kafka-lag-exporter lag --output json` wall time. Writes JSON + a Markdown table.

Standard library only. Used by scripts/bench.sh (`make bench`).
"""
import argparse, gzip, json, os, select, socket, statistics, struct, subprocess, sys, threading, time, urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
API_NAMES = {0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 8: "OffsetCommit", 9: "OffsetFetch",
             10: "FindCoordinator", 15: "DescribeGroups", 16: "ListGroups", 18: "ApiVersions", 19: "CreateTopics",
             42: "DeleteGroups", 53: "AlterConsumerGroupOffsets", 69: "ConsumerGroupDescribe",
             71: "GetTelemetrySubscriptions"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


EXPORTER_CLIENT_ID = b"kafka-lag-exporter"


class CountingProxy:
    """TCP proxy that parses Kafka request frames client->broker and counts, by API key, the
    requests whose header carries the exporter's client id (int32 size, int16 api key, int16
    version, int32 correlation id, int16-length client id): the fixture's churn is not counted."""

    def __init__(self, listen_port, target_port):
        self.counts = {}
        self.lock = threading.Lock()
        self.target = target_port
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", listen_port))
        self.server.listen(256)
        threading.Thread(target=self._accept, daemon=True).start()

    def snapshot(self):
        with self.lock:
            return dict(self.counts)

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client, upstream):
        buffer = b""
        need = None
        sockets = [client, upstream]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [])
                for s in readable:
                    data = s.recv(1 << 16)
                    if not data:
                        return
                    if s is client:
                        upstream.sendall(data)
                        buffer += data
                        while True:
                            if need is None:
                                if len(buffer) < 14:
                                    break
                                size, api, _, _, id_length = struct.unpack(">ihhih", buffer[:14])
                                if len(buffer) < 14 + max(id_length, 0):
                                    break
                                if buffer[14:14 + max(id_length, 0)] == EXPORTER_CLIENT_ID:
                                    with self.lock:
                                        self.counts[api] = self.counts.get(api, 0) + 1
                                need = size + 4
                            if len(buffer) < need:
                                break
                            buffer = buffer[need:]
                            need = None
                    else:
                        client.sendall(data)
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()


def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                out[key] = int(value.split()[0])
    return out  # kB (Threads: count)


def drop_from_page_cache(path):
    fd = os.open(os.path.realpath(path), os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def http_get(url, gzip_ok=False, timeout=30):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
        status = response.status
    return status, body, time.perf_counter() - started


def wait_http_ok(url, deadline):
    while time.perf_counter() < deadline:
        try:
            status, _, _ = http_get(url, timeout=1)
            if status == 200:
                return time.perf_counter()
        except Exception:
            pass
        time.sleep(0.002)
    return None


def metric_values(text, name):
    values = []
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            values.append(float(line.rsplit(" ", 1)[1]))
    return values


def run_size(args, size):
    groups, topics, partitions = size["groups"], size["topics"], size["partitions"]
    result = {"groups": groups, "topics": topics, "partitions_per_topic": partitions,
              "partitions": topics * partitions, "records_per_partition": args.records}
    broker_port, proxy_port, http_port = free_port(), free_port(), free_port()
    tansu = subprocess.Popen([args.tansu, "broker", "--listener-url", f"tcp://127.0.0.1:{broker_port}",
                              "--advertised-listener-url", f"tcp://127.0.0.1:{proxy_port}"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    serve = None
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", broker_port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.02)
        proxy = CountingProxy(proxy_port, broker_port)
        bootstrap = f"127.0.0.1:{proxy_port}"

        started = time.perf_counter()
        fixture = subprocess.run([args.fixture, "--bootstrap-servers", bootstrap, "--topics", str(topics),
                                  "--partitions", str(partitions), "--records", str(args.records),
                                  "--groups", str(groups), "--producers", str(args.producers)],
                                 capture_output=True, text=True, timeout=args.fixture_timeout)
        result["fixture_seconds"] = round(time.perf_counter() - started, 3)
        result["fixture_phases"] = {}
        for line in fixture.stdout.splitlines():
            parts = dict(p.split("=", 1) for p in line.split()[1:] if "=" in p)
            if "phase" in parts:
                result["fixture_phases"][parts["phase"]] = float(parts["seconds"])
        if fixture.returncode != 0:
            result["error"] = "fixture failed: " + (fixture.stderr.strip().splitlines() or ["?"])[-1][:300]
            return result
        result["tansu_rss_mib"] = round(proc_status(tansu.pid)["VmRSS"] / 1024, 1)

        # Every size starts from the binary on disk, as a container does: its pages
        # leave the page cache first. How much of the code segment stays resident
        # depends on how its pages came into the page cache (read in by an exec,
        # or written by the linker: 10 to 11 MiB of code against about 4 here), which would
        # otherwise vary with what ran the binary before (docs/benchmarks.md).
        drop_from_page_cache(args.exporter)

        # `lag --output json`: one poll in a fresh process, end to end.
        lag_times = []
        for _ in range(args.lag_runs):
            started = time.perf_counter()
            lag = subprocess.run([args.exporter, "lag", "--bootstrap-servers", bootstrap, "--output", "json",
                                  "--timeout", "60"], capture_output=True, text=True, timeout=120)
            lag_times.append(time.perf_counter() - started)
            if lag.returncode != 0:
                result["lag_error"] = lag.stderr.strip()[-300:]
                break
            result["lag_rows"] = len(json.loads(lag.stdout))
        if lag_times:
            result["lag_cli_seconds_median"] = round(statistics.median(lag_times), 3)

        # serve: start-up.
        env = dict(os.environ)
        counts_before_start = proxy.snapshot()
        started = time.perf_counter()
        serve = subprocess.Popen([args.exporter, "serve", "--bootstrap-servers", bootstrap, "--cluster-name", "bench",
                                  "--host", "127.0.0.1", "--port", str(http_port),
                                  "--poll-interval", f"{args.poll_interval}s", "--kafka-client-timeout", "60s",
                                  "--log-level", "warning"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        base = f"http://127.0.0.1:{http_port}"
        healthy = wait_http_ok(base + "/healthz", started + 10)
        result["startup_to_healthz_ms"] = round((healthy - started) * 1000, 1) if healthy else None
        ready = wait_http_ok(base + "/readyz", started + 120)
        result["startup_to_readyz_ms"] = round((ready - started) * 1000, 1) if ready else None
        if not ready:
            result["error"] = "serve never became ready"
            return result

        # Polls: a poll starts with one ListGroups per broker; wait for each, scrape
        # once mid-interval (poll_time_ms of that poll), measure idle CPU after it.
        def list_groups_count():
            return proxy.snapshot().get(16, 0)

        poll_times, scrape_cpu, idle_rates, rss_kib = [], [], [], []
        time.sleep(args.poll_interval / 2)
        counts_start = proxy.snapshot()
        cpu_start = proc_cpu_seconds(serve.pid)
        phase_start = time.perf_counter()
        seen = list_groups_count()
        polls = 0
        while polls < args.polls:
            while list_groups_count() == seen:
                time.sleep(0.005)
            seen = list_groups_count()
            polls += 1
            time.sleep(args.poll_interval / 2)
            cpu_before = proc_cpu_seconds(serve.pid)
            _, body, _ = http_get(base + "/metrics")
            scrape_cpu.append(proc_cpu_seconds(serve.pid) - cpu_before)
            text = body.decode()
            poll_times.extend(metric_values(text, "kafka_consumergroup_poll_time_ms"))
            rss_kib.append(proc_status(serve.pid)["VmRSS"])
            # Idle window: after the scrape, before the next poll.
            window = args.poll_interval / 2 - 0.6
            if window > 0.5 and list_groups_count() == seen:
                time.sleep(0.2)
                a = proc_cpu_seconds(serve.pid)
                time.sleep(window - 0.2)
                b = proc_cpu_seconds(serve.pid)
                if list_groups_count() == seen:
                    idle_rates.append((b - a) / (window - 0.2))
            if args.churn:
                churn(args, bootstrap, size, polls - 1)
        # End the phase at the scrape of the last poll.
        phase_seconds = time.perf_counter() - phase_start
        cpu_total = proc_cpu_seconds(serve.pid) - cpu_start
        counts_end = proxy.snapshot()
        idle_rate = statistics.mean(idle_rates) if idle_rates else 0.0
        poll_busy = sum(poll_times) / 1000
        cpu_polls = cpu_total - sum(scrape_cpu) - idle_rate * max(0.0, phase_seconds - poll_busy)
        result["polls_measured"] = polls
        result["poll_ms_median"] = statistics.median(poll_times) if poll_times else None
        result["poll_ms_max"] = max(poll_times) if poll_times else None
        result["cpu_seconds_per_poll"] = round(cpu_polls / polls, 4)
        result["idle_cpu_fraction"] = round(idle_rate, 5)
        requests = {API_NAMES.get(k, str(k)): round((counts_end.get(k, 0) - counts_start.get(k, 0)) / polls, 2)
                    for k in sorted(set(counts_end) | set(counts_start))
                    if counts_end.get(k, 0) != counts_start.get(k, 0)}
        result["requests_per_poll"] = requests
        result["requests_per_poll_total"] = round(sum(requests.values()), 2)
        status = proc_status(serve.pid)
        result["rss_kib_per_poll"] = rss_kib
        result["rss_steady_mib"] = round(statistics.median(rss_kib[len(rss_kib) // 2:]) / 1024, 1)
        result["rss_first_mib"] = round(rss_kib[0] / 1024, 1)
        result["rss_peak_mib"] = round(status["VmHWM"] / 1024, 1)
        # What the steady RSS is made of at the last poll: the heap and other
        # private memory, and pages of the binary and libraries.
        result["rss_anon_mib"] = round(status["RssAnon"] / 1024, 1)
        result["rss_file_mib"] = round(status["RssFile"] / 1024, 1)
        result["threads"] = status["Threads"]
        if args.smaps:
            with open(f"/proc/{serve.pid}/smaps") as f, open(f"{args.smaps}.{groups}x{topics}x{partitions}", "w") as out:
                out.write(f.read())

        # /metrics: size and scrape time (client-side, loopback), plain and gzip.
        plain, zipped = [], []
        for _ in range(args.scrapes):
            _, body, seconds = http_get(base + "/metrics")
            plain.append(seconds)
        for _ in range(args.scrapes):
            _, zbody, seconds = http_get(base + "/metrics", gzip_ok=True)
            zipped.append(seconds)
        text = body.decode()
        result["metrics_bytes"] = len(body)
        result["metrics_gzip_bytes"] = len(zbody)
        result["metrics_series"] = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
        result["scrape_ms_median"] = round(statistics.median(plain) * 1000, 1)
        result["scrape_gzip_ms_median"] = round(statistics.median(zipped) * 1000, 1)
        result["scrape_cpu_ms_median"] = round(statistics.median(scrape_cpu) * 1000, 1) if scrape_cpu else None
        result["rss_after_scrapes_mib"] = round(proc_status(serve.pid)["VmRSS"] / 1024, 1)
        result["rss_peak_after_scrapes_mib"] = round(proc_status(serve.pid)["VmHWM"] / 1024, 1)
        return result
    finally:
        if serve:
            serve.terminate()
            try:
                serve.wait(10)
            except subprocess.TimeoutExpired:
                serve.kill()
        tansu.terminate()
        try:
            tansu.wait(10)
        except subprocess.TimeoutExpired:
            tansu.kill()


def churn(args, bootstrap, size, step):
    """Group churn between polls: delete `args.churn` of the oldest groups, commit as many new ones."""
    first_old = step * args.churn
    first_new = size["groups"] + step * args.churn
    subprocess.run([args.fixture, "--bootstrap-servers", bootstrap, "--topics", str(size["topics"]),
                    "--partitions", str(size["partitions"]), "--records", "0", "--no-create",
                    "--groups", str(args.churn), "--first-group", str(first_new),
                    "--delete-groups", f"{first_old}..<{first_old + args.churn}"],
                   capture_output=True, text=True, timeout=120, check=True)


def request_bound(groups, partitions, brokers=1):
    """Requests per poll the exporter may send, every one through librdkafka: Metadata,
    one ListGroups per broker and ApiVersions of new connections (5 with slack); per group
    at most two describes (ConsumerGroupDescribe, and DescribeGroups where librdkafka falls
    back for a classic group), one FindCoordinator and one OffsetFetch; per broker one ListOffsets per offset
    kind and 1,000 partitions. O(brokers + groups), never per partition (docs/benchmarks.md).
    Measured against Tansu: 1 + brokers + 3 x groups + 2 x brokers x ceil(partitions / 1000)
    (one FindCoordinator per group: the describe and the OffsetFetch share it)."""
    return 5 + brokers + 4 * groups + 2 * brokers * -(-partitions // 1000)


def smoke_failures(args, result):
    """What the CI smoke (scripts/bench-smoke.sh) checks; timings are reported, never checked."""
    failures = []
    if result.get("error"):
        return [result["error"]]
    groups_max = result["groups"] + args.churn
    bound = request_bound(groups_max, result["partitions"])
    total = result["requests_per_poll_total"]
    if total > bound:
        failures.append(f"requests per poll {total} > bound {bound} ({result['requests_per_poll']})")
    offset_fetch = result["requests_per_poll"].get("OffsetFetch", 0)
    if not 0 < offset_fetch <= groups_max:
        failures.append(f"OffsetFetch per poll {offset_fetch}, expected at most one per group ({groups_max})")
    telemetry = result["requests_per_poll"].get("GetTelemetrySubscriptions", 0)
    if telemetry:
        failures.append(f"GetTelemetrySubscriptions per poll {telemetry}: enable.metrics.push must default to false")
    rss = result.get("rss_kib_per_poll", [])
    third = len(rss) // 3
    if third >= 2:
        middle, last = max(rss[third:2 * third]), max(rss[2 * third:])
        result["rss_growth_kib"] = last - middle
        if last > middle * 1.10 + 2048:
            failures.append(f"RSS grew from {middle} KiB to {last} KiB over the last third of the polls")
    else:
        failures.append("too few polls to judge memory growth (need at least 6)")
    return failures


def markdown(results):
    cols = [("groups", "groups"), ("partitions", "partitions"), ("fixture_seconds", "fixture s"),
            ("tansu_rss_mib", "Tansu RSS MiB"), ("poll_ms_median", "poll ms (median)"), ("poll_ms_max", "poll ms (max)"),
            ("lag_cli_seconds_median", "`lag` CLI s"), ("requests_per_poll_total", "requests/poll"),
            ("cpu_seconds_per_poll", "CPU s/poll"), ("idle_cpu_fraction", "idle CPU"),
            ("startup_to_healthz_ms", "start→/healthz ms"), ("startup_to_readyz_ms", "start→/readyz ms"),
            ("rss_steady_mib", "RSS steady MiB"), ("rss_anon_mib", "anon MiB"), ("rss_file_mib", "file MiB"),
            ("rss_peak_after_scrapes_mib", "RSS peak MiB"),
            ("metrics_series", "series"), ("metrics_bytes", "/metrics bytes"), ("metrics_gzip_bytes", "gzip bytes"),
            ("scrape_ms_median", "scrape ms"), ("scrape_gzip_ms_median", "gzip scrape ms"),
            ("scrape_cpu_ms_median", "scrape CPU ms")]
    lines = ["| " + " | ".join(c[1] for c in cols) + " |", "|" + "---|" * len(cols)]
    for r in results:
        lines.append("| " + " | ".join(str(r.get(c[0], "—")) for c in cols) + " |")
    lines.append("")
    lines.append("Requests per poll by API (counted by the proxy):")
    lines.append("")
    for r in results:
        lines.append(f"- {r['groups']} groups / {r['partitions']} partitions: "
                     + (", ".join(f"{k} {v}" for k, v in r.get("requests_per_poll", {}).items()) or r.get("error", "—")))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--fixture", required=True)
    parser.add_argument("--tansu", required=True)
    parser.add_argument("--sizes", default="10x2x50,100x20x50,1000x200x50",
                        help="comma-separated GROUPSxTOPICSxPARTITIONS")
    parser.add_argument("--records", type=int, default=2)
    parser.add_argument("--producers", type=int, default=8)
    parser.add_argument("--polls", type=int, default=6)
    parser.add_argument("--poll-interval", type=float, default=5)
    parser.add_argument("--scrapes", type=int, default=5)
    parser.add_argument("--lag-runs", type=int, default=3)
    parser.add_argument("--fixture-timeout", type=float, default=900)
    parser.add_argument("--churn", type=int, default=0, help="groups replaced between polls")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 unless requests per poll stay within O(brokers + groups) and RSS is flat")
    parser.add_argument("--json", default=None)
    parser.add_argument("--smaps", default=None,
                        help="write serve's /proc/PID/smaps at the last poll to SMAPS.GxTxP (where the RSS is)")
    parser.add_argument("--markdown", default=None)
    args = parser.parse_args()
    results = []
    for spec in args.sizes.split(","):
        g, t, p = (int(x) for x in spec.split("x"))
        print(f"== {g} groups, {t} topics x {p} partitions", file=sys.stderr, flush=True)
        r = run_size(args, {"groups": g, "topics": t, "partitions": p})
        if args.check:
            r["check_failures"] = smoke_failures(args, r)
        print(json.dumps(r), file=sys.stderr, flush=True)
        results.append(r)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    table = markdown(results)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)
    print(table)
    failures = [(r["groups"], f) for r in results for f in r.get("check_failures", [])]
    for groups, failure in failures:
        print(f"check failed ({groups} groups): {failure}", file=sys.stderr)
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
