import CRdKafka
import Foundation
import LagCore

/// A real consumer-group member: joins `group` through librdkafka's group
/// protocol, consumes and commits synchronously. Tests use it to prove that
/// offsets committed by a real consumer are reported.
public final class TestConsumer: Sendable {
    private let client: ClientHandle
    public let group: String

    /// Creates the consumer and subscribes it to `topics` (from the earliest offset).
    public init(bootstrapServers: String, group: String, topics: [String]) throws {
        self.group = group
        client = try ClientHandle(
            type: RD_KAFKA_CONSUMER,
            properties: [
                "bootstrap.servers": bootstrapServers, "group.id": group, "client.id": "test-consumer",
                "auto.offset.reset": "earliest", "enable.auto.commit": "false", "enable.partition.eof": "false",
            ]
        )
        rd_kafka_poll_set_consumer(client.pointer)
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let error = rd_kafka_subscribe(client.pointer, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw TestBrokerError("subscribe failed: \(String(cString: rd_kafka_err2str(error)))")
        }
    }

    /// Consumes exactly `count` records (waiting for the group join and for
    /// records as needed, at most `timeout`) and commits the position after
    /// the last one of each partition. Returns the committed offsets.
    @discardableResult
    public func consumeAndCommit(count: Int, timeout: Duration = .seconds(60)) async throws -> [TopicPartition: Int64] {
        let client = self.client
        return try await runBlocking {
            let start = ContinuousClock.now
            var next: [TopicPartition: Int64] = [:]
            var consumed = 0
            while consumed < count {
                guard ContinuousClock.now - start < timeout else {
                    throw TestBrokerError("consumed \(consumed) of \(count) records within \(timeout)")
                }
                guard let message = rd_kafka_consumer_poll(client.pointer, 200) else { continue }
                defer { rd_kafka_message_destroy(message) }
                guard message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
                let topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
                next[TopicPartition(topic, message.pointee.partition)] = message.pointee.offset + 1
                consumed += 1
            }
            let list = rd_kafka_topic_partition_list_new(Int32(next.count))!
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for (partition, offset) in next {
                rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition).pointee.offset = offset
            }
            let error = rd_kafka_commit(client.pointer, list, 0)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw TestBrokerError("commit failed: \(String(cString: rd_kafka_err2str(error)))")
            }
            return next
        }
    }
}
