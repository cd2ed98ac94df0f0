@testable import KafkaAdmin
import KafkaTestSupport
import LagCore
import Testing

/// The admin client against a real Kafka-protocol broker (Tansu) on loopback.
@Suite(.timeLimit(.minutes(5)))
struct AdminClientBrokerTests {
    @Test func readsMetadataCommittedOffsetsAndLogOffsets() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
        let orders = uniqueName("orders")
        let audit = uniqueName("audit")
        let billing = uniqueName("billing")
        let archiver = uniqueName("archiver")

        try await admin.createTopics([orders: 3, audit: 1])
        let producer = try TestProducer(bootstrapServers: broker.bootstrapServers)
        try await producer.produce(topic: orders, partition: 0, count: 5)
        try await producer.produce(topic: orders, partition: 1, count: 7)
        try await producer.produce(topic: audit, partition: 0, count: 4)
        try await admin.alterCommittedOffsets(group: billing, offsets: [TopicPartition(orders, 0): 2, TopicPartition(orders, 1): 7])
        try await admin.alterCommittedOffsets(group: archiver, offsets: [TopicPartition(audit, 0): 1])

        let metadata = try await admin.metadata()
        #expect(metadata.brokers.map(\.port) == [Int32(broker.port)])
        #expect(metadata.partitionsByTopic[orders]?.sorted() == [0, 1, 2])
        #expect(metadata.partitionsByTopic[audit] == [0])

        let groups = try await admin.listConsumerGroups()
        #expect(Set(groups.map(\.groupId)).isSuperset(of: [billing, archiver]))

        #expect(try await admin.committedOffsets(group: billing).offsets == [TopicPartition(orders, 0): 2, TopicPartition(orders, 1): 7])
        #expect(try await admin.committedOffsets(group: archiver).offsets == [TopicPartition(audit, 0): 1])
        #expect(try await admin.committedOffsets(group: uniqueName("never-committed")) == PartitionOffsetsResult())

        let partitions = [TopicPartition(orders, 0), TopicPartition(orders, 1), TopicPartition(orders, 2), TopicPartition(audit, 0)]
        let latest = try await admin.listOffsets(partitions, spec: .latest)
        #expect(latest.failures.isEmpty)
        #expect(latest.offsets == [partitions[0]: 5, partitions[1]: 7, partitions[2]: 0, partitions[3]: 4])
        let earliest = try await admin.listOffsets(partitions, spec: .earliest)
        #expect(earliest.offsets == [partitions[0]: 0, partitions[1]: 0, partitions[2]: 0, partitions[3]: 0])
        #expect(try await admin.listOffsets([TopicPartition](), spec: .latest) == PartitionOffsetsResult())

        let descriptions = try await admin.describeConsumerGroups([archiver, billing])
        #expect(descriptions.map(\.groupId).sorted() == [archiver, billing].sorted())
        for description in descriptions {
            #expect(description.error == nil)
            #expect(description.state == .empty)
            // Tansu answers ConsumerGroupDescribe for every group, so librdkafka reports the consumer type.
            #expect(description.type == .consumer)
            #expect(description.members.isEmpty)
        }
    }

    @Test func reportsOffsetsThatARealConsumerGroupCommitted() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
        let topic = uniqueName("events")
        let group = uniqueName("consumers")
        try await admin.createTopics([topic: 2])
        let producer = try TestProducer(bootstrapServers: broker.bootstrapServers)
        try await producer.produce(topic: topic, partition: 0, count: 3)
        try await producer.produce(topic: topic, partition: 1, count: 4)

        let consumer = try TestConsumer(bootstrapServers: broker.bootstrapServers, group: group, topics: [topic])
        let committed = try await consumer.consumeAndCommit(count: 7)
        #expect(committed == [TopicPartition(topic, 0): 3, TopicPartition(topic, 1): 4])

        // More records after the commit: the group now lags by exactly these.
        try await producer.produce(topic: topic, partition: 0, count: 2)
        #expect(try await admin.committedOffsets(group: group).offsets == committed)
        let latest = try await admin.listOffsets(committed.keys, spec: .latest)
        #expect(latest.offsets == [TopicPartition(topic, 0): 5, TopicPartition(topic, 1): 4])

        let listing = try await admin.listConsumerGroups().first { $0.groupId == group }
        #expect(listing != nil)
        let description = try #require(try await admin.describeConsumerGroups([group]).first)
        #expect(description.error == nil)
        #expect(description.groupId == group)
    }

    @Test func unreachableBrokerIsAConnectivityErrorNamingTheAddress() async throws {
        let refusing = try RefusingPort()  // nothing listens there, and nothing else can
        defer { refusing.release() }
        let address = refusing.address
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: address, requestTimeout: .seconds(2)))

        let metadataError = await #expect(throws: KafkaAdminError.self) { try await admin.metadata() }
        #expect(metadataError?.kind == .connectivity)
        #expect(metadataError?.brokers == address)
        #expect(metadataError?.description.contains("Connection refused") == true)

        // An unreachable cluster must never look like a cluster without groups.
        let listError = await #expect(throws: KafkaAdminError.self) { try await admin.listConsumerGroups() }
        #expect(listError?.kind == .connectivity)
        #expect(listError?.code == .timedOut || listError?.code == .transport)
    }

    /// A blocking call (Metadata) lets go of the client before its caller
    /// resumes, so the caller's reference is the last: dropping it destroys the
    /// client there and then, never later on a dispatch thread (possibly while
    /// the process is exiting, which crashed `lag` after a TLS failure).
    @Test func aBlockingCallLeavesItsCallerHoldingTheLastReference() async throws {
        let refusing = try RefusingPort()  // nothing listens there, and nothing else can
        defer { refusing.release() }
        let port = refusing.port
        for attempt in 1...10 {
            var admin: KafkaAdminClient? = try KafkaAdminClient(
                configuration: .init(bootstrapServers: "127.0.0.1:\(port)", requestTimeout: .milliseconds(100)))
            weak var handle = admin?.handle
            await #expect(throws: KafkaAdminError.self) { try await admin?.metadata() }
            admin = nil
            #expect(handle == nil, "attempt \(attempt): the client outlived its last caller")
        }
    }

    @Test func rejectsAnInvalidPropertyByNameWithoutEchoingSecrets() throws {
        let unknown = #expect(throws: KafkaAdminError.self) {
            try KafkaAdminClient(configuration: .init(bootstrapServers: "127.0.0.1:9", properties: ["no.such.property": "1"]))
        }
        #expect(unknown?.kind == .configuration)
        #expect(unknown?.message.contains("no.such.property") == true)

        let secret = "s3cr3t-value"
        let bad = #expect(throws: KafkaAdminError.self) {
            try KafkaAdminClient(configuration: .init(
                bootstrapServers: "127.0.0.1:9", properties: ["ssl.key.password": secret, "security.protocol": "nonsense"]))
        }
        #expect(bad?.message.contains("security.protocol") == true)
        #expect(bad?.description.contains(secret) == false)

        let redacted = KafkaClientConfiguration(
            bootstrapServers: "b:9", properties: ["sasl.password": secret, "sasl.username": "alice"]).redactedProperties
        #expect(redacted == ["sasl.password": "***", "sasl.username": "alice"])
    }

    @Test func librdkafkaAtRunTimeIsAtLeast2_3() {
        let parts = KafkaAdminClient.librdkafkaVersion.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count >= 2)
        #expect(parts[0] > 2 || (parts[0] == 2 && parts[1] >= 3), "loaded librdkafka \(KafkaAdminClient.librdkafkaVersion)")
    }
}

/// librdkafka's in-process mock cluster: fast checks of the request plumbing
/// and of per-partition error mapping, which need no real broker behaviour.
@Suite struct AdminClientMockClusterTests {
    @Test func mockClusterAnswersMetadataOffsetFetchAndPartitionErrors() async throws {
        let admin = try KafkaAdminClient(configuration: .init(
            bootstrapServers: "", properties: ["test.mock.num.brokers": "3"], requestTimeout: .seconds(5)))
        let metadata = try await admin.metadata()
        #expect(metadata.brokers.count == 3)
        #expect(try await admin.committedOffsets(group: "nobody").offsets == [:])
        #expect(try await admin.describeConsumerGroups([]) == [])

        // No leader for any requested partition: a clear error, not an empty answer.
        let error = await #expect(throws: KafkaAdminError.self) {
            try await admin.listOffsets([TopicPartition("no-such-topic", 0)], spec: .latest)
        }
        #expect(error?.operation == "ListOffsets")
        #expect(error?.message.contains("leader") == true)
    }
}
