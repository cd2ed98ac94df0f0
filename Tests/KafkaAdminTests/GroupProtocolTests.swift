@testable import KafkaAdmin
import LagCore
import NIOCore
import Testing

/// The hand-written Kafka messages of the batched group reads, byte for byte
/// against the Kafka protocol guide's schemas (no broker needed).
@Suite struct GroupProtocolTests {
    @Test func unsignedVarintsUseSevenBitsPerByteLowFirst() throws {
        for (value, bytes) in [(UInt32(0), [UInt8(0)]), (1, [1]), (127, [0x7f]), (128, [0x80, 0x01]), (300, [0xac, 0x02]),
                               (UInt32.max, [0xff, 0xff, 0xff, 0xff, 0x0f])] {
            var buffer = ByteBuffer()
            buffer.writeUnsignedVarint(value)
            #expect(Array(buffer: buffer) == bytes, "\(value)")
            var reader = WireReader(buffer)
            #expect(try reader.unsignedVarint() == value)
            #expect(reader.isAtEnd)
        }
        var tooLong = WireReader(ByteBuffer(bytes: [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))
        #expect(throws: KafkaWireFormat.MalformedResponse.self) { try tooLong.unsignedVarint() }
    }

    @Test func anOverlongInt16StringIsCutAtItsLimit() throws {
        var buffer = ByteBuffer()
        buffer.writeKafkaString(String(repeating: "c", count: 40_000))
        #expect(buffer.readableBytes == 2 + 32_767)
        var reader = WireReader(buffer)
        #expect(try reader.string() == String(repeating: "c", count: 32_767))
    }

    @Test func findCoordinatorAsksForManyGroupKeysAtOnce() {
        let body = GroupProtocol.encodeFindCoordinator(groups: ["a", "bc"])
        // key type 0 (group), compact array of 2 (encoded 3), "a", "bc", no tagged fields
        #expect(Array(buffer: body) == [0x00, 0x03, 0x02, 0x61, 0x03, 0x62, 0x63, 0x00])
    }

    @Test func offsetFetchAsksForEveryTopicOfEveryGroup() {
        let body = GroupProtocol.encodeOffsetFetch(groups: ["g1", "g2"])
        // groups: [g1, topics null, tags][g2, topics null, tags], require_stable false, tags
        #expect(Array(buffer: body) == [0x03, 0x03, 0x67, 0x31, 0x00, 0x00, 0x03, 0x67, 0x32, 0x00, 0x00, 0x00, 0x00])
    }

    @Test func describeGroupsNamesTheGroupsWithoutAuthorizedOperations() {
        #expect(Array(buffer: GroupProtocol.encodeDescribeGroups(["orders"]))
            == [0x02, 0x07] + Array("orders".utf8) + [0x00, 0x00])
    }

    @Test func findCoordinatorAnswerGivesEachKeyItsBrokerOrError() throws {
        var response = ByteBuffer()
        response.writeInteger(Int32(0))  // throttle
        response.writeCompactArrayCount(2)
        for (key, node, error) in [("billing", Int32(3), Int16(0)), ("audit", Int32(-1), Int16(15))] {
            response.writeCompactString(key)
            response.writeInteger(node)
            response.writeCompactString(error == 0 ? "broker-3" : "")
            response.writeInteger(Int32(error == 0 ? 9093 : -1))
            response.writeInteger(error)
            response.writeCompactNullableString(error == 0 ? nil : "The coordinator is not available.")
            response.writeEmptyTaggedFields()
        }
        response.writeEmptyTaggedFields()
        var reader = WireReader(response)
        let coordinators = try GroupProtocol.decodeFindCoordinator(&reader)
        #expect(coordinators == [
            .init(key: "billing", nodeId: 3, host: "broker-3", port: 9093, errorCode: 0, errorMessage: nil),
            .init(key: "audit", nodeId: -1, host: "", port: -1, errorCode: 15, errorMessage: "The coordinator is not available."),
        ])
        #expect(reader.isAtEnd)
    }

    @Test func offsetFetchAnswerKeepsOnlyCommittedPartitionsWithoutErrors() throws {
        var reader = WireReader(Self.offsetFetchResponse())
        let groups = try GroupProtocol.decodeOffsetFetch(&reader)
        #expect(reader.isAtEnd)
        #expect(groups == [
            .init(groupId: "billing", errorCode: 0, offsets: [TopicPartition("orders", 0): 42, TopicPartition("orders", 2): 0]),
            .init(groupId: "denied", errorCode: 30, offsets: [:]),
        ])
    }

    @Test func describeGroupsAnswerCarriesMembersAndTheirAssignedPartitions() throws {
        var assignment = ByteBuffer()
        assignment.writeInteger(Int16(3))  // ConsumerProtocolAssignment version
        assignment.writeInteger(Int32(2))  // topics
        assignment.writeKafkaString("payments")
        assignment.writeInteger(Int32(2))
        assignment.writeInteger(Int32(4))
        assignment.writeInteger(Int32(1))
        assignment.writeKafkaString("audit")
        assignment.writeInteger(Int32(1))
        assignment.writeInteger(Int32(0))
        assignment.writeInteger(Int32(-1))  // user data: null

        var response = ByteBuffer()
        response.writeInteger(Int32(0))  // throttle
        response.writeCompactArrayCount(2)
        response.writeInteger(Int16(0))
        response.writeCompactString("billing")
        response.writeCompactString("Stable")
        response.writeCompactString("consumer")
        response.writeCompactString("range")
        response.writeCompactArrayCount(1)
        response.writeCompactString("consumer-1-abc")
        response.writeCompactNullableString("instance-1")
        response.writeCompactString("consumer-1")
        response.writeCompactString("/10.0.0.7")
        response.writeCompactBytes([0, 1, 2])  // member metadata (ignored)
        response.writeCompactBytes(Array(buffer: assignment))
        response.writeEmptyTaggedFields()
        response.writeInteger(Int32.min)  // authorized operations
        response.writeEmptyTaggedFields()
        response.writeInteger(Int16(69))
        response.writeCompactString("gone")
        response.writeCompactString("Dead")
        response.writeCompactString("")
        response.writeCompactString("")
        response.writeCompactArrayCount(0)
        response.writeInteger(Int32.min)
        response.writeEmptyTaggedFields()
        response.writeEmptyTaggedFields()

        var reader = WireReader(response)
        let groups = try GroupProtocol.decodeDescribeGroups(&reader)
        #expect(reader.isAtEnd)
        #expect(groups.map(\.groupId) == ["billing", "gone"])
        #expect(groups.map(\.errorCode) == [0, 69])
        #expect(groups[0].state == "Stable")
        #expect(groups[0].members == [MemberDescription(
            consumerId: "consumer-1-abc", clientId: "consumer-1", host: "/10.0.0.7", groupInstanceId: "instance-1",
            assignment: [TopicPartition("audit", 0), TopicPartition("payments", 1), TopicPartition("payments", 4)])])
        #expect(groups[1].members.isEmpty)
    }

    /// Every truncation of a valid answer is an error, never a crash or a partial answer.
    @Test func everyTruncatedAnswerIsMalformed() {
        let whole = Self.offsetFetchResponse()
        for length in 0..<whole.readableBytes {
            var reader = WireReader(whole.getSlice(at: 0, length: length)!)
            #expect(throws: KafkaWireFormat.MalformedResponse.self, "\(length) bytes") {
                try GroupProtocol.decodeOffsetFetch(&reader)
            }
        }
    }

    @Test func anArrayLongerThanTheFrameIsRejectedBeforeAnyAllocation() {
        var response = ByteBuffer()
        response.writeInteger(Int32(0))
        response.writeUnsignedVarint(UInt32.max)  // four billion groups in a few bytes
        var reader = WireReader(response)
        #expect(throws: KafkaWireFormat.MalformedResponse.self) { try GroupProtocol.decodeOffsetFetch(&reader) }
    }

    @Test func batchedReadsNeedKafka3Versions() {
        #expect(KafkaWireFormat.supports(GroupProtocol.versions, maxVersions: [9: 9, 10: 6, 15: 5]))
        #expect(KafkaWireFormat.supports(GroupProtocol.versions, maxVersions: [9: 8, 10: 4, 15: 5]))
        #expect(!KafkaWireFormat.supports(GroupProtocol.versions, maxVersions: [9: 7, 10: 4, 15: 5]))  // Kafka 2.8
        #expect(!KafkaWireFormat.supports(GroupProtocol.versions, maxVersions: [9: 8, 10: 3, 15: 5]))
        #expect(!KafkaWireFormat.supports(GroupProtocol.versions, maxVersions: [9: 8, 10: 4]))
    }

    /// OffsetFetch v8: "billing" with two committed partitions, one without a
    /// commit (-1) and one with a partition error; "denied" with a group error.
    static func offsetFetchResponse() -> ByteBuffer {
        var response = ByteBuffer()
        response.writeInteger(Int32(0))  // throttle
        response.writeCompactArrayCount(2)
        response.writeCompactString("billing")
        response.writeCompactArrayCount(1)
        response.writeCompactString("orders")
        response.writeCompactArrayCount(4)
        for (partition, offset, error) in [(Int32(0), Int64(42), Int16(0)), (1, -1, 0), (2, 0, 0), (3, 7, 3)] {
            response.writeInteger(partition)
            response.writeInteger(offset)
            response.writeInteger(Int32(-1))  // leader epoch
            response.writeCompactNullableString(partition == 0 ? "meta" : nil)
            response.writeInteger(error)
            response.writeEmptyTaggedFields()
        }
        response.writeEmptyTaggedFields()
        response.writeInteger(Int16(0))
        response.writeEmptyTaggedFields()
        response.writeCompactString("denied")
        response.writeCompactArrayCount(0)
        response.writeInteger(Int16(30))
        response.writeEmptyTaggedFields()
        response.writeEmptyTaggedFields()
        return response
    }
}
