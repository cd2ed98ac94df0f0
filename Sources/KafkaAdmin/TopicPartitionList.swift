import CRdKafka
import LagCore

/// Owns one `rd_kafka_topic_partition_list_t`; `deinit` destroys it once.
///
/// Not Sendable: a list lives within one request and never crosses threads.
final class TopicPartitionList {
    private let list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(_ partitions: some Collection<TopicPartition>, offset: Int64 = Int64(RD_KAFKA_OFFSET_INVALID)) {
        list = rd_kafka_topic_partition_list_new(Int32(clamping: partitions.count))
        for partition in partitions {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition).pointee.offset = offset
        }
    }

    init(_ offsets: [TopicPartition: Int64]) {
        list = rd_kafka_topic_partition_list_new(Int32(clamping: offsets.count))
        for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition).pointee.offset = offset
        }
    }

    deinit { rd_kafka_topic_partition_list_destroy(list) }

    /// - Warning: Do not escape the pointer; the list owns it.
    func withListPointer<T>(_ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws -> T) rethrows -> T {
        try body(list)
    }

    /// Copies the entries of a list that librdkafka owns (e.g. inside a result event).
    static func entries(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [Entry] {
        guard let list, let elements = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = elements[index]
            return Entry(
                partition: TopicPartition(String(cString: element.topic), element.partition),
                offset: element.offset,
                error: element.err
            )
        }
    }

    struct Entry {
        var partition: TopicPartition
        var offset: Int64
        var error: rd_kafka_resp_err_t
    }
}
