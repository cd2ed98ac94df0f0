@testable import KafkaAdmin
import KafkaTestSupport
import LagCore
import Testing

/// The batched group reads (FindCoordinator v4, DescribeGroups v5, OffsetFetch
/// v8 over the reader's own connections) against a real broker on loopback,
/// checked against librdkafka's one-group-per-request answers.
@Suite(.timeLimit(.minutes(5)))
struct BatchedGroupReaderTests {
    @Test func batchedReadsEqualTheOneByOneReadsOfEveryGroup() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
        let (orders, audit) = (uniqueName("orders"), uniqueName("audit"))
        try await admin.createTopics([orders: 3, audit: 2])
        let producer = try TestProducer(bootstrapServers: broker.bootstrapServers)
        try await producer.produce(topic: orders, partition: 0, count: 9)
        try await producer.produce(topic: audit, partition: 1, count: 9)

        var expected: [String: [TopicPartition: Int64]] = [:]
        for index in 0..<7 {
            var offsets = [TopicPartition(orders, 0): Int64(index + 1)]
            if index.isMultiple(of: 2) { offsets[TopicPartition(audit, 1)] = Int64(index) }
            let group = uniqueName("batch-\(index)")
            try await admin.alterCommittedOffsets(group: group, offsets: offsets)
            expected[group] = offsets
        }
        let neverCommitted = uniqueName("never-committed")
        expected[neverCommitted] = [:]
        let groups = expected.keys.sorted()
        let brokers = try await admin.metadata().brokers

        // Three groups per batch and four per FindCoordinator: several requests of each kind.
        let reader = BatchedGroupReader(pool: BrokerConnectionPool(clientId: "batched-test"), coordinatorBatchSize: 4, groupBatchSize: 3, batchesInFlight: 2)
        // Reads that must succeed get a generous budget (a bound on a hang, not a speed claim).
        let reads = await reader.read(groups, describing: Set(groups), brokers: brokers, timeout: .seconds(60))
        #expect(reads.unread.isEmpty)
        #expect(reads.failures.isEmpty)
        #expect(reads.describeFailures.isEmpty)
        #expect(reads.committed == expected.mapValues(PartitionMap.init))
        #expect(Set(reads.descriptions.keys) == Set(groups))
        for group in groups {
            #expect(PartitionMap(try await admin.committedOffsets(group: group)) == reads.committed[group], "\(group)")
            let single = try #require(try await admin.describeConsumerGroups([group]).first)
            let batched = try #require(reads.descriptions[group])
            #expect(batched.state == single.state, "\(group)")
            #expect(batched.members == single.members, "\(group)")
            #expect(batched.coordinator?.port == Int32(broker.port))
        }

        // The client's entry point: the same offsets; nothing described when nothing is asked for.
        let viaClient = await admin.readGroupsBatched(groups, describing: [], brokers: brokers)
        #expect(admin.batchesReads)
        #expect(viaClient.committed == expected.mapValues(PartitionMap.init))
        #expect(viaClient.descriptions.isEmpty)
        #expect(viaClient.unread.isEmpty)
    }

    @Test func aGroupTheBrokerRefusesFailsAloneAndTheOthersAreRead() async throws {
        let (broker, proxy, admin, topic) = try await Self.oneTopicBehindProxy()
        defer { proxy.stop(); broker.stop() }
        try await TestProducer(bootstrapServers: "127.0.0.1:\(proxy.port)").produce(topic: topic, partition: 0, count: 8)
        let (alpha, denied, gamma) = (uniqueName("alpha"), uniqueName("denied"), uniqueName("gamma"))
        for (group, offset) in [(alpha, Int64(1)), (denied, 3), (gamma, 8)] {
            try await admin.alterCommittedOffsets(group: group, offsets: [TopicPartition(topic, 0): offset])
        }
        // GROUP_AUTHORIZATION_FAILED (30) for "denied" inside the one OffsetFetch of all three.
        proxy.failOffsetFetch(group: denied, errorCode: 30)

        let reads = await admin.readGroupsBatched(
            [alpha, denied, gamma], describing: [], brokers: try await admin.metadata().brokers, timeout: .seconds(60))
        #expect(reads.committed == [alpha: [TopicPartition(topic, 0): 1], gamma: [TopicPartition(topic, 0): 8]])
        #expect(reads.failures.keys.sorted() == [denied])
        #expect(reads.failures[denied]?.code == .groupAuthorizationFailed)
        #expect(reads.failures[denied]?.operation == "OffsetFetch(\(denied))")
        #expect(reads.unread.isEmpty)
        #expect(proxy.injectedResponses(group: denied) == 1)
    }

    @Test func aStalledBrokerLeavesTheGroupsUnreadAndALaterReadReconnects() async throws {
        let (broker, proxy, admin, topic) = try await Self.oneTopicBehindProxy()
        defer { proxy.stop(); broker.stop() }
        let group = uniqueName("stalled")
        try await admin.alterCommittedOffsets(group: group, offsets: [TopicPartition(topic, 0): 0])
        let brokers = try await admin.metadata().brokers
        let reader = BatchedGroupReader(pool: BrokerConnectionPool(clientId: "batched-test"))
        // Reads that must succeed get a generous budget: a fully loaded CI machine
        // (every suite in parallel on two cores) once needed more than 5 s.
        let first = await reader.read([group], describing: [], brokers: brokers, timeout: .seconds(60))
        #expect(first.committed == [group: [TopicPartition(topic, 0): 0]], "unread: \(first.unread)")

        // The open connection stops answering: the read ends at its timeout with the group unread.
        proxy.mode = .stall
        let stalled = await reader.read([group], describing: [group], brokers: brokers, timeout: .seconds(1))
        #expect(stalled.unread == [group])
        #expect(stalled.committed.isEmpty)
        #expect(stalled.descriptions.isEmpty)

        // The timed-out connection was closed; the next read opens a new one.
        proxy.mode = .passThrough
        let recovered = await reader.read([group], describing: [], brokers: brokers, timeout: .seconds(60))
        #expect(recovered.committed == [group: [TopicPartition(topic, 0): 0]], "unread: \(recovered.unread)")
        #expect(recovered.unread.isEmpty)
    }

    @Test func anUnreachableBrokerLeavesEveryGroupUnread() async throws {
        let refusing = try RefusingPort()  // nothing listens there, and nothing else can
        defer { refusing.release() }
        let port = refusing.port
        let reader = BatchedGroupReader(pool: BrokerConnectionPool(clientId: "batched-test"))
        let reads = await reader.read(
            ["alpha", "beta"], describing: ["alpha"], brokers: [BrokerInfo(id: 1, host: "127.0.0.1", port: Int32(port))],
            timeout: .seconds(2))
        #expect(reads.unread == ["alpha", "beta"])
        #expect(reads.committed.isEmpty)
    }

    @Test func overTLSGroupsAreLeftToLibrdkafka() async throws {
        let admin = try KafkaAdminClient(configuration: .init(
            bootstrapServers: "127.0.0.1:1", properties: ["security.protocol": "SSL"]))
        #expect(!admin.batchesReads)
        let reads = await admin.readGroupsBatched(["alpha", "beta"], describing: [], brokers: [])
        #expect(reads.unread == ["alpha", "beta"])
    }

    /// A broker behind a proxy, an admin client that talks through the proxy,
    /// and a new topic of one partition.
    static func oneTopicBehindProxy() async throws -> (TestBroker, TCPProxy, KafkaAdminClient, String) {
        let (broker, proxy) = try await TestBroker.startBehindProxy()
        do {
            let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: "127.0.0.1:\(proxy.port)"))
            let topic = uniqueName("orders")
            try await admin.createTopics([topic: 1])
            return (broker, proxy, admin, topic)
        } catch {
            proxy.stop()
            broker.stop()
            throw error
        }
    }
}
