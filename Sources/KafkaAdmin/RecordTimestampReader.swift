import CRdKafka
import Dispatch
import LagCore
import Logging

/// Reads the timestamp of the record at given offsets: the exact age of a
/// group's oldest unconsumed record, for `time-lag: exact`.
///
/// One librdkafka consumer that joins no group and commits nothing: it assigns
/// the requested partitions at the requested offsets, takes the first record
/// of each, and unassigns. Fetches are bounded (`max.partition.fetch.bytes`,
/// `queued.max.messages.kbytes`), so a read costs about one small fetch per
/// partition leader.
public final class RecordTimestampReader: Sendable {
    private let handle: RDKafkaHandle
    /// Reads are serialised: one assignment at a time.
    private let queue = DispatchQueue(label: "kafka-admin.record-timestamps")

    public init(
        configuration: KafkaClientConfiguration,
        groupId: String,
        logger: Logger = Logger(label: "kafka-admin", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(KafkaAdminError) {
        handle = try RDKafkaHandle(configuration: configuration, logger: logger, consumerProperties: [
            // Required by the consumer API; the reader never joins or commits.
            ("group.id", groupId),
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            // An offset below the log start (deleted by retention): the oldest record left.
            ("auto.offset.reset", "earliest"),
            ("enable.partition.eof", "true"),
            ("max.partition.fetch.bytes", "65536"),
            ("queued.max.messages.kbytes", "4096"),
            ("fetch.wait.max.ms", "100"),
        ])
    }

    /// Unix seconds of the first record at or after each offset (a compacted
    /// or deleted record yields the next one that exists). Partitions without
    /// such a record, or not read within `timeout`, are absent.
    public func timestamps(at positions: [TopicPartition: Int64], timeout: Duration) async throws(KafkaAdminError) -> [TopicPartition: Double] {
        guard !positions.isEmpty else { return [:] }
        let brokers = handle.brokers
        return try await handle.blocking(on: queue) { client in
            Self.read(positions, client: client, timeout: timeout, brokers: brokers)
        }
    }

    private static func read(
        _ positions: [TopicPartition: Int64], client: OpaquePointer, timeout: Duration, brokers: String
    ) -> Result<[TopicPartition: Double], KafkaAdminError> {
        let list = TopicPartitionList(positions)
        let assigned = list.withListPointer { rd_kafka_assign(client, $0) }
        guard assigned == RD_KAFKA_RESP_ERR_NO_ERROR else {
            return .failure(KafkaAdminError(
                code: .init(rawValue: assigned.rawValue), message: String(cString: rd_kafka_err2str(assigned)),
                operation: "assign for record timestamps", brokers: brokers))
        }
        defer { rd_kafka_assign(client, nil) }

        var remaining = Set(positions.keys)
        var timestamps: [TopicPartition: Double] = [:]
        let deadline = Deadline(after: timeout)
        while !remaining.isEmpty, !deadline.hasPassed {
            guard let message = rd_kafka_consumer_poll(client, 100) else { continue }
            // The message is ours until destroyed.
            defer { rd_kafka_message_destroy(message) }
            guard let topicHandle = message.pointee.rkt else { continue }
            let partition = TopicPartition(String(cString: rd_kafka_topic_name(topicHandle)), message.pointee.partition)
            guard remaining.contains(partition) else { continue }
            switch message.pointee.err {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
                let milliseconds = rd_kafka_message_timestamp(message, &type)
                if milliseconds >= 0, type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE {
                    timestamps[partition] = Double(milliseconds) / 1000
                }
                remaining.remove(partition)
            case RD_KAFKA_RESP_ERR__PARTITION_EOF:
                remaining.remove(partition)  // nothing at or after the offset
            default:
                remaining.remove(partition)  // unreadable (e.g. not authorised): the caller falls back
            }
        }
        return .success(timestamps)
    }
}
