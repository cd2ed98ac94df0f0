import LagCore
import NIOCore

/// The Kafka requests of a batched group read, encoded and decoded by hand:
/// FindCoordinator v4 (many keys), DescribeGroups v5 and OffsetFetch v8 (many
/// groups), plus the consumer protocol's member assignment. Field layouts
/// follow the Kafka protocol guide's message schemas.
package enum GroupProtocol {
    /// The versions a batched group read sends; a broker that cannot answer them gets
    /// librdkafka's one-group-per-request path instead.
    package static let versions: [KafkaWireFormat.ApiKey: Int16] = [
        .findCoordinator: 4,  // KIP-699: many coordinator keys per request (Kafka 3.0)
        .describeGroups: 5,
        .offsetFetch: 8,  // KIP-709: many groups per request (Kafka 3.0)
    ]

    // MARK: FindCoordinator v4

    package struct Coordinator: Sendable, Hashable {
        package var key: String
        package var nodeId: Int32
        package var host: String
        package var port: Int32
        package var errorCode: Int16
        package var errorMessage: String?
    }

    package static func encodeFindCoordinator(groups: some Collection<String>) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(Int8(0))  // key type: group
        body.writeCompactArrayCount(groups.count)
        for group in groups { body.writeCompactString(group) }
        body.writeEmptyTaggedFields()
        return body
    }

    package static func decodeFindCoordinator(_ reader: inout WireReader) throws(KafkaWireFormat.MalformedResponse) -> [Coordinator] {
        _ = try reader.int32()  // throttle time
        var coordinators: [Coordinator] = []
        for _ in 0..<(try reader.compactArrayCount()) {
            let coordinator = Coordinator(
                key: try reader.compactString(), nodeId: try reader.int32(), host: try reader.compactString(),
                port: try reader.int32(), errorCode: try reader.int16(), errorMessage: try reader.compactNullableString())
            try reader.skipTaggedFields()
            coordinators.append(coordinator)
        }
        try reader.skipTaggedFields()
        return coordinators
    }

    // MARK: DescribeGroups v5

    package struct DescribedGroup: GroupAnswer, Sendable, Hashable {
        package var errorCode: Int16
        package var groupId: String
        package var state: String
        package var protocolType: String
        package var protocolData: String
        package var members: [MemberDescription]
    }

    package static func encodeDescribeGroups(_ groups: some Collection<String>) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeCompactArrayCount(groups.count)
        for group in groups { body.writeCompactString(group) }
        body.writeKafkaBool(false)  // include authorized operations
        body.writeEmptyTaggedFields()
        return body
    }

    package static func decodeDescribeGroups(_ reader: inout WireReader) throws(KafkaWireFormat.MalformedResponse) -> [DescribedGroup] {
        _ = try reader.int32()  // throttle time
        var groups: [DescribedGroup] = []
        for _ in 0..<(try reader.compactArrayCount()) {
            let errorCode = try reader.int16()
            let groupId = try reader.compactString()
            let state = try reader.compactString()
            let protocolType = try reader.compactString()
            let protocolData = try reader.compactString()
            var members: [MemberDescription] = []
            for _ in 0..<(try reader.compactArrayCount()) {
                let memberId = try reader.compactString()
                let instanceId = try reader.compactNullableString()
                let clientId = try reader.compactString()
                let host = try reader.compactString()
                _ = try reader.compactBytes()  // member metadata (subscription)
                let assignment = try reader.compactBytes()
                try reader.skipTaggedFields()
                members.append(MemberDescription(
                    consumerId: memberId, clientId: clientId, host: host, groupInstanceId: instanceId,
                    // Only the consumer protocol's assignment format is known; others (e.g. connect) stay empty.
                    assignment: protocolType == "consumer" ? ((try? consumerAssignment(assignment)) ?? []) : []))
            }
            _ = try reader.int32()  // authorized operations
            try reader.skipTaggedFields()
            groups.append(DescribedGroup(
                errorCode: errorCode, groupId: groupId, state: state, protocolType: protocolType,
                protocolData: protocolData, members: members))
        }
        try reader.skipTaggedFields()
        return groups
    }

    /// The partitions of a consumer-protocol member assignment (ConsumerProtocolAssignment
    /// v0 to v3: version, then topics with their partitions; user data is ignored), sorted.
    package static func consumerAssignment(_ bytes: ByteBuffer) throws(KafkaWireFormat.MalformedResponse) -> [TopicPartition] {
        var reader = WireReader(bytes)
        if reader.isAtEnd { return [] }
        _ = try reader.int16()  // version
        var partitions: [TopicPartition] = []
        for _ in 0..<(try reader.arrayCount()) {
            let topic = try reader.string()
            for _ in 0..<(try reader.arrayCount()) { partitions.append(TopicPartition(topic, try reader.int32())) }
        }
        return partitions.sorted()
    }

    // MARK: OffsetFetch v8

    package struct FetchedGroup: GroupAnswer, Sendable, Hashable {
        package var groupId: String
        package var errorCode: Int16
        /// Committed offsets of partitions answered without an error and with an offset (>= 0).
        package var offsets: PartitionMap<Int64>
    }

    /// Every committed partition of each group (a null topic list), without waiting for stable offsets.
    package static func encodeOffsetFetch(groups: some Collection<String>) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeCompactArrayCount(groups.count)
        for group in groups {
            body.writeCompactString(group)
            body.writeCompactArrayCount(nil)  // all topics
            body.writeEmptyTaggedFields()
        }
        body.writeKafkaBool(false)  // require stable
        body.writeEmptyTaggedFields()
        return body
    }

    package static func decodeOffsetFetch(_ reader: inout WireReader) throws(KafkaWireFormat.MalformedResponse) -> [FetchedGroup] {
        _ = try reader.int32()  // throttle time
        var groups: [FetchedGroup] = []
        for _ in 0..<(try reader.compactArrayCount()) {
            let groupId = try reader.compactString()
            var offsets: [(TopicPartition, Int64)] = []
            for _ in 0..<(try reader.compactArrayCount()) {
                let topic = try reader.compactString()
                let partitionCount = try reader.compactArrayCount()
                offsets.reserveCapacity(offsets.count + partitionCount)
                for _ in 0..<partitionCount {
                    let partition = try reader.int32()
                    let offset = try reader.int64()
                    _ = try reader.int32()  // committed leader epoch
                    _ = try reader.compactNullableString()  // metadata
                    let errorCode = try reader.int16()
                    try reader.skipTaggedFields()
                    if errorCode == 0, offset >= 0 { offsets.append((TopicPartition(topic, partition), offset)) }
                }
                try reader.skipTaggedFields()
            }
            let errorCode = try reader.int16()
            try reader.skipTaggedFields()
            groups.append(FetchedGroup(groupId: groupId, errorCode: errorCode, offsets: PartitionMap(unsorted: offsets)))
        }
        try reader.skipTaggedFields()
        return groups
    }
}

/// One group's part of a many-group answer (DescribeGroups, OffsetFetch).
package protocol GroupAnswer {
    var groupId: String { get }
    var errorCode: Int16 { get }
}
