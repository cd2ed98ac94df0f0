import Testing
@testable import KafkaTestSupport

/// The test proxy's Kafka codec (KafkaTestSupport/KafkaProtocol), byte for byte
/// against frames written out by hand from the Kafka message definitions.
@Suite struct ProxyCodecTests {
    /// ListGroupsResponse v3 (flexible) and v0 with an error and no groups, as the proxy injects them.
    @Test func listGroupsErrorAnswer() {
        #expect(KafkaFrame.listGroupsResponse(correlationId: 5, apiVersion: 3, errorCode: 31)
            == [0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 31, 1, 0])
        #expect(KafkaFrame.listGroupsResponse(correlationId: 5, apiVersion: 0, errorCode: 31)
            == [0, 0, 0, 5, 0, 31, 0, 0, 0, 0])
    }

    /// OffsetFetchResponse v8: a faulted group loses its topics and carries the error; the others are kept as answered.
    @Test func offsetFetchAnswerFaultsOnlyTheChosenGroup() throws {
        typealias Response = KafkaFrame.OffsetFetchResponse
        let partition = Response.Partition(partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, metadata: nil, errorCode: 0)
        let broker = Response(groups: [
            .init(groupId: "a", topics: [.init(name: "t", partitions: [partition])], errorCode: 0),
            .init(groupId: "b", topics: [.init(name: "t", partitions: [partition])], errorCode: 0),
        ])
        let frame = KafkaFrame.response(correlationId: 3, flexible: true, body: broker.encoded)
        let replaced = try #require(KafkaFrame.offsetFetchResponse(frame, apiVersion: 8, replacing: ["b": 30]))
        var reader = try KafkaFrame.responseBody(replaced, flexible: true).1
        let answer = try Response(reading: &reader)
        #expect(answer.groups[0] == broker.groups[0])
        #expect(answer.groups[1] == .init(groupId: "b", topics: [], errorCode: 30))
    }
}
