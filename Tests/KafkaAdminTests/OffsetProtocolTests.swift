@testable import KafkaAdmin
import LagCore
import NIOCore
import Testing

/// ListOffsets v6 as ``BatchedOffsetReader`` writes and reads it, byte for byte.
@Suite struct OffsetProtocolTests {
    @Test func listOffsetsGroupsPartitionsByTopicInOrder() {
        let body = OffsetProtocol.encodeListOffsets(
            [TopicPartition("b", 1), TopicPartition("a", 0), TopicPartition("b", 0)], timestamp: -1)
        var expected: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0x00, 0x03]  // replica -1, read_uncommitted, 2 topics
        expected += [0x02, 0x61, 0x02]  // "a", 1 partition
        expected += [0, 0, 0, 0] + [0xff, 0xff, 0xff, 0xff] + [UInt8](repeating: 0xff, count: 8) + [0x00]
        expected += [0x00]  // topic tags
        expected += [0x02, 0x62, 0x03]  // "b", 2 partitions, in partition order
        for partition: UInt8 in [0, 1] {
            expected += [0, 0, 0, partition] + [0xff, 0xff, 0xff, 0xff] + [UInt8](repeating: 0xff, count: 8) + [0x00]
        }
        expected += [0x00, 0x00]  // topic tags, request tags
        #expect(Array(buffer: body) == expected)
        #expect(OffsetProtocol.timestamp(of: .earliest) == -2)
        #expect(OffsetProtocol.timestamp(of: .latest) == -1)
    }

    @Test func listOffsetsAnswerGivesEachPartitionItsOffsetOrError() throws {
        var response = ByteBuffer()
        response.writeInteger(Int32(0))  // throttle
        response.writeCompactArrayCount(1)
        response.writeCompactString("orders")
        response.writeCompactArrayCount(2)
        for (partition, error, offset) in [(Int32(0), Int16(0), Int64(1_234)), (1, 6, -1)] {
            response.writeInteger(partition)
            response.writeInteger(error)
            response.writeInteger(Int64(-1))  // timestamp
            response.writeInteger(offset)
            response.writeInteger(Int32(7))  // leader epoch
            response.writeEmptyTaggedFields()
        }
        response.writeEmptyTaggedFields()
        response.writeEmptyTaggedFields()
        var reader = WireReader(response)
        #expect(try OffsetProtocol.decodeListOffsets(&reader) == [
            .init(partition: TopicPartition("orders", 0), errorCode: 0, offset: 1_234),
            .init(partition: TopicPartition("orders", 1), errorCode: 6, offset: -1),
        ])
        #expect(reader.isAtEnd)

        for length in 0..<response.readableBytes {
            var truncated = WireReader(response.getSlice(at: 0, length: length)!)
            #expect(throws: KafkaWireFormat.MalformedResponse.self) { try OffsetProtocol.decodeListOffsets(&truncated) }
        }
    }
}
