import Foundation
import Hummingbird
import KafkaAdmin
import KafkaTestSupport
import LagCore
import ServiceLifecycle
import Testing
@testable import KafkaLagExporter

/// `/metrics` over HTTP, served in process by `HTTPEndpoints` from a store
/// with a known state: the streamed body (chunked, plain or gzipped chunk by
/// chunk) is the whole exposition, and HEAD sends the same headers without it.
@Suite(.timeLimit(.minutes(5)))
struct MetricsEndpointTests {
    /// 400 groups ("group-0" …), each committed on 3 of 20 topics x 8
    /// partitions, two members each for two groups in three, polled twice 30 s
    /// apart: about 5 MB of exposition, so many chunks and several gzip windows.
    static func store() -> MetricsStore {
        let cluster = ClusterConfiguration(
            name: "prod", bootstrapBrokers: "localhost:9092", labels: ["env": "eu \"1\"", "team": "payments"])
        let store = MetricsStore(clusters: [cluster], pollInterval: .seconds(30))
        func snapshot(produced: Int64, consumed: Int64) -> ClusterSnapshot {
            var offsets: [TopicPartition: PartitionOffsets] = [:]
            for topic in 0..<20 {
                for partition in Int32(0)..<8 {
                    offsets[TopicPartition("topic-\(topic)", partition)] = PartitionOffsets(logStart: 0, logEnd: 1_000 + produced)
                }
            }
            let groups = (0..<400).map { index in
                var committed: [TopicPartition: Int64] = [:]
                for topic in 0..<3 {
                    for partition in Int32(0)..<8 {
                        committed[TopicPartition("topic-\((index + topic) % 20)", partition)] =
                            800 - Int64((index + Int(partition)) % 13) + consumed * Int64(index % 3)
                    }
                }
                let owned = committed.keys.sorted()
                let members = index % 3 == 0 ? [] : (0..<2).map { member in
                    GroupMember(
                        consumerId: "consumer-\(index)-\(member)", clientId: "client-\(member)", host: "/10.0.0.\(member)",
                        assignment: stride(from: member, to: owned.count, by: 2).map { owned[$0] })
                }
                return ConsumerGroupSnapshot(
                    id: "group-\(index)", state: members.isEmpty ? .empty : .stable, members: members,
                    committedOffsets: committed, topicPartitions: [:])
            }
            return ClusterSnapshot(cluster: cluster.name, groups: groups, partitionOffsets: offsets)
        }
        var history = LagHistory(pollInterval: 30)
        _ = history.record(snapshot(produced: 0, consumed: 0), at: 1_700_000_000)
        let latest = snapshot(produced: 40, consumed: 60)
        store.recordSuccess(
            cluster: cluster.name, snapshot: latest, insights: history.record(latest, at: 1_700_000_030),
            duration: .milliseconds(420), at: 1_700_000_030)
        return store
    }

    /// The exposition the endpoint should send for `store`, without the two
    /// families whose values change between two reads (resident memory, CPU time).
    static func expectedText(_ store: MetricsStore) -> String {
        let process = ProcessMetrics(
            version: Version.exporter, librdkafkaVersion: KafkaAdminClient.librdkafkaVersion,
            startTimeSeconds: ProcessStats.startTime)
        return MetricsExposition.render(clusters: store.clusters, process: process)
    }

    static let changingFamilies = ["process_resident_memory_bytes", "process_cpu_seconds_total"]

    /// `text` without the lines of ``changingFamilies``, after checking that it has a value for each.
    static func withoutChangingFamilies(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        var lines: [Substring] = []
        var seen: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let family = changingFamilies.first(where: {
                line.hasPrefix("\($0) ") || line.hasPrefix("# HELP \($0) ") || line.hasPrefix("# TYPE \($0) ")
            }) {
                if line.hasPrefix(family + " ") { seen.insert(family) }
                continue
            }
            lines.append(line)
        }
        #expect(seen == Set(changingFamilies), sourceLocation: sourceLocation)
        return lines.joined(separator: "\n")
    }

    /// Runs `endpoints` on a loopback port for `body`, then shuts the server down gracefully.
    static func serving(_ endpoints: HTTPEndpoints, _ body: (UInt16) async throws -> Void) async throws {
        let port = try TestBroker.freeLoopbackPort()
        let app = Application(
            router: endpoints.router(), configuration: .init(address: .hostname("127.0.0.1", port: Int(port))))
        let serviceGroup = ServiceGroup(services: [app], logger: app.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await serviceGroup.run() }
            do {
                try await eventually("/healthz answers") { (try? await httpGet(port: port, path: "/healthz"))?.status == 200 }
                try await body(port)
            } catch {
                await serviceGroup.triggerGracefulShutdown()
                throw error
            }
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    @Test func plainAndGzipScrapesCarryTheWholeExposition() async throws {
        let store = Self.store()
        let expected = Self.expectedText(store)
        #expect(expected.utf8.count > 4_000_000)
        try await Self.serving(HTTPEndpoints(store: store, families: .init(.all))) { port in
            let plain = try await httpGet(port: port, path: "/metrics")
            #expect(plain.status == 200)
            #expect(plain.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(plain.headers["content-encoding"] == nil)
            #expect(plain.headers["transfer-encoding"] == "chunked")
            #expect(plain.headers["content-length"] == nil)
            #expect(Self.withoutChangingFamilies(plain.text) == expected)

            let zipped = try await httpGet(port: port, path: "/metrics", headers: ["Accept-Encoding": "gzip"])
            #expect(zipped.status == 200)
            #expect(zipped.headers["content-encoding"] == "gzip")
            #expect(zipped.headers["transfer-encoding"] == "chunked")
            // More than one 64 KiB window of compressed output.
            #expect(zipped.body.count > HTTPEndpoints.gzipWindowSize)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("kle-scrape-\(UUID().uuidString).gz")
            try zipped.body.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let unzipped = try await runCommand("/bin/sh", ["-c", "gzip -dc < '\(file.path)'"])
            #expect(unzipped.status == 0, "\(unzipped.standardError)")
            #expect(Self.withoutChangingFamilies(unzipped.standardOutput) == expected)
        }
    }

    @Test func headSendsTheHeadersOfGetWithoutABody() async throws {
        try await Self.serving(HTTPEndpoints(store: Self.store(), families: .init(.all))) { port in
            for (headers, encoding) in [([:], nil), (["Accept-Encoding": "gzip"], "gzip")] as [([String: String], String?)] {
                let head = try await httpRequest(port: port, method: "HEAD", path: "/metrics", headers: headers)
                #expect(head.status == 200)
                #expect(head.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
                #expect(head.headers["content-encoding"] == encoding)
                // No length: a GET is streamed without one (a generated HEAD would claim Content-Length: 0).
                #expect(head.headers["content-length"] == nil)
                #expect(head.body.isEmpty)
            }
        }
    }

    @Test func anEmptyExpositionIsAnEmptyBodyPlainAndGzipped() async throws {
        let nothing = MetricsExposition.FamilySelection(try NameFilter(allow: ["none"]))
        try await Self.serving(HTTPEndpoints(store: Self.store(), families: nothing)) { port in
            let plain = try await httpGet(port: port, path: "/metrics")
            #expect(plain.status == 200)
            #expect(plain.body.isEmpty)
            let zipped = try await httpGet(port: port, path: "/metrics", headers: ["Accept-Encoding": "gzip"])
            #expect(zipped.status == 200)
            #expect(zipped.headers["content-encoding"] == "gzip")
            // A complete gzip stream of nothing: 20 bytes of header and trailer.
            #expect(zipped.body.count == 20)
            #expect(zipped.body.prefix(2) == Data([0x1f, 0x8b]))
        }
    }
}
