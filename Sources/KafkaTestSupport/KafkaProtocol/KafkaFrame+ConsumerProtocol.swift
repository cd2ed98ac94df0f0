extension KafkaFrame {
    /// A ConsumerProtocolAssignment v0, the bytes of a consumer-protocol
    /// member's assignment (never flexible):
    ///
    ///     Version int16
    ///     AssignedPartitions [Topic string, Partitions []int32]
    ///     UserData nullable bytes (null here)
    static func consumerProtocolAssignment(_ assignment: [(topic: String, partitions: [Int32])]) -> [UInt8] {
        var out = FrameWriter()
        out.int16(0)
        out.arrayCount(assignment.count, flexible: false)
        for (topic, partitions) in assignment {
            out.string(topic, flexible: false)
            out.arrayCount(partitions.count, flexible: false)
            for partition in partitions { out.int32(partition) }
        }
        out.nullableBytes(nil, flexible: false)
        return out.bytes
    }

    /// The assigned partitions of a ConsumerProtocolAssignment (any version:
    /// later ones only add fields at the end).
    static func decodeConsumerProtocolAssignment(
        _ bytes: [UInt8]
    ) throws(FrameReader.Malformed) -> [(topic: String, partitions: [Int32])] {
        var reader = FrameReader(bytes)
        _ = try reader.int16()  // version
        var assignment: [(topic: String, partitions: [Int32])] = []
        for _ in 0..<(try reader.arrayCount()) {
            let topic = try reader.string()
            var partitions: [Int32] = []
            for _ in 0..<(try reader.arrayCount()) { partitions.append(try reader.int32()) }
            assignment.append((topic, partitions))
        }
        return assignment
    }

    /// A ConsumerProtocolSubscription v0, a consumer-protocol member's metadata:
    /// Version int16, Topics []string, UserData nullable bytes (null here).
    static func consumerProtocolSubscription(topics: [String]) -> [UInt8] {
        var out = FrameWriter()
        out.int16(0)
        out.arrayCount(topics.count, flexible: false)
        for topic in topics { out.string(topic, flexible: false) }
        out.nullableBytes(nil, flexible: false)
        return out.bytes
    }
}
