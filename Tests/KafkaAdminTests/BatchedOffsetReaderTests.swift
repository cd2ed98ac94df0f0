import KafkaAdmin
import KafkaTestSupport
import LagCore
import Testing

/// ``BatchedOffsetReader`` (one ListOffsets v6 per leader) against a real
/// broker, checked against librdkafka's ListOffsets.
@Suite(.timeLimit(.minutes(5)))
struct BatchedOffsetReaderTests {
    @Test func batchedLogOffsetsEqualLibrdkafkasAndUnknownPartitionsAreLeft() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: broker.bootstrapServers))
        let (orders, audit) = (uniqueName("orders"), uniqueName("audit"))
        try await admin.createTopics([orders: 3, audit: 1])
        let producer = try TestProducer(bootstrapServers: broker.bootstrapServers)
        try await producer.produce(topic: orders, partition: 0, count: 5)
        try await producer.produce(topic: orders, partition: 2, count: 3)
        try await producer.produce(topic: audit, partition: 0, count: 4)
        let metadata = try await admin.metadata()
        let partitions = [TopicPartition(orders, 0), TopicPartition(orders, 1), TopicPartition(orders, 2), TopicPartition(audit, 0)]
        let missing = [TopicPartition(orders, 9), TopicPartition(uniqueName("absent"), 0)]

        let latest = await admin.listOffsetsBatched(partitions + missing, spec: .latest, metadata: metadata)
        #expect(latest.offsets == [partitions[0]: 5, partitions[1]: 0, partitions[2]: 3, partitions[3]: 4])
        #expect(Set(latest.unread) == Set(missing))
        #expect(latest.offsets == (try await admin.listOffsets(partitions, spec: .latest)).offsets)

        let earliest = await admin.listOffsetsBatched(partitions, spec: .earliest, metadata: metadata)
        #expect(earliest.offsets == [partitions[0]: 0, partitions[1]: 0, partitions[2]: 0, partitions[3]: 0])
        #expect(earliest.unread.isEmpty)
    }

    @Test func overSASLEveryPartitionIsLeftToLibrdkafka() async throws {
        let admin = try KafkaAdminClient(configuration: .init(
            bootstrapServers: "127.0.0.1:1",
            properties: ["security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN", "sasl.username": "u", "sasl.password": "p"]))
        let partitions = [TopicPartition("orders", 0)]
        let metadata = ClusterMetadata(brokers: [], topics: [], originatingBrokerId: -1)
        #expect(await admin.listOffsetsBatched(partitions, spec: .latest, metadata: metadata).unread == partitions)
    }
}
