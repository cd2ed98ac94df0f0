import LagCore
import NIOCore

/// ListOffsets v6, encoded and decoded by hand for ``BatchedOffsetReader``:
/// every partition a broker leads in one request, whatever their number.
package enum OffsetProtocol {
    /// The version sent (flexible; Kafka 2.5 and newer answer it).
    package static let version: Int16 = 6
    /// Earliest (log start) and latest (log end) in ListOffsets' timestamp field.
    package static func timestamp(of spec: OffsetSpec) -> Int64 {
        switch spec {
        case .earliest: -2
        case .latest: -1
        }
    }

    /// Offsets at `timestamp` (-2 earliest, -1 latest) as a consumer with
    /// read_uncommitted isolation sees them, topics and partitions in order.
    package static func encodeListOffsets(_ partitions: some Collection<TopicPartition>, timestamp: Int64) -> ByteBuffer {
        let byTopic = Dictionary(grouping: partitions, by: \.topic)
        var body = ByteBuffer()
        body.reserveCapacity(16 + byTopic.count * 24 + partitions.count * 18)
        body.writeInteger(Int32(-1))  // replica id: a client
        body.writeInteger(Int8(0))  // isolation level: read_uncommitted
        body.writeCompactArrayCount(byTopic.count)
        for (topic, topicPartitions) in byTopic.sorted(by: { $0.key < $1.key }) {
            body.writeCompactString(topic)
            body.writeCompactArrayCount(topicPartitions.count)
            for partition in topicPartitions.map(\.partition).sorted() {
                body.writeInteger(partition)
                body.writeInteger(Int32(-1))  // current leader epoch: unknown
                body.writeInteger(timestamp)
                body.writeEmptyTaggedFields()
            }
            body.writeEmptyTaggedFields()
        }
        body.writeEmptyTaggedFields()
        return body
    }

    package struct ListedOffset: Sendable, Hashable {
        package var partition: TopicPartition
        package var errorCode: Int16
        package var offset: Int64
    }

    package static func decodeListOffsets(_ reader: inout WireReader) throws(KafkaWireFormat.MalformedResponse) -> [ListedOffset] {
        _ = try reader.int32()  // throttle time
        var listed: [ListedOffset] = []
        for _ in 0..<(try reader.compactArrayCount()) {
            let topic = try reader.compactString()
            let count = try reader.compactArrayCount()
            listed.reserveCapacity(listed.count + count)
            for _ in 0..<count {
                let partition = try reader.int32()
                let errorCode = try reader.int16()
                _ = try reader.int64()  // timestamp
                let offset = try reader.int64()
                _ = try reader.int32()  // leader epoch
                try reader.skipTaggedFields()
                listed.append(ListedOffset(partition: TopicPartition(topic, partition), errorCode: errorCode, offset: offset))
            }
            try reader.skipTaggedFields()
        }
        try reader.skipTaggedFields()
        return listed
    }
}
