import KafkaAdmin
import LagCore

/// The tests' standard cluster: two member-less groups over two topics, at
/// known offsets, written into a running broker.
///
/// | group   | partition  | committed | log end | lag |
/// |---------|------------|-----------|---------|-----|
/// | billing | orders 0   | 2         | 5       | 3   |
/// | billing | orders 1   | 7         | 7       | 0   |
/// | billing | orders 2   | -         | 0       | -   |
/// | audit   | payments 0 | 1         | 4       | 3   |
///
/// Every name carries a unique suffix, so several tests can share a broker.
public struct TwoGroupCluster: Sendable {
    public let orders = uniqueName("orders")
    public let payments = uniqueName("payments")
    public let billing = uniqueName("billing")
    public let audit = uniqueName("audit")

    /// Creates the topics, produces the records and commits the offsets through `bootstrapServers`.
    public init(bootstrapServers: String) async throws {
        let admin = try KafkaAdminClient(configuration: .init(bootstrapServers: bootstrapServers))
        try await admin.createTopics([orders: 3, payments: 1])
        let producer = try TestProducer(bootstrapServers: bootstrapServers)
        try await producer.produce(topic: orders, partition: 0, count: 5)
        try await producer.produce(topic: orders, partition: 1, count: 7)
        try await producer.produce(topic: payments, partition: 0, count: 4)
        try await admin.alterCommittedOffsets(group: billing, offsets: [TopicPartition(orders, 0): 2, TopicPartition(orders, 1): 7])
        try await admin.alterCommittedOffsets(group: audit, offsets: [TopicPartition(payments, 0): 1])
    }
}
