import Testing
@testable import KafkaTestSupport

/// The test proxy's Kafka codec (KafkaTestSupport/KafkaProtocol), byte for byte
/// against frames written out by hand from the Kafka message definitions.
@Suite struct ProxyCodecTests {
    /// ConsumerProtocolAssignment v0 of topic "t", partitions 0 and 1, no user data.
    static let assignment: [UInt8] = [
        0x00, 0x00,  // version 0
        0x00, 0x00, 0x00, 0x01,  // one topic
        0x00, 0x01, 0x74,  // "t"
        0x00, 0x00, 0x00, 0x02,  // two partitions
        0x00, 0x00, 0x00, 0x00,  // 0
        0x00, 0x00, 0x00, 0x01,  // 1
        0xff, 0xff, 0xff, 0xff,  // user data: null
    ]

    /// ConsumerProtocolSubscription v0 of topic "t", no user data.
    static let subscription: [UInt8] = [
        0x00, 0x00,  // version 0
        0x00, 0x00, 0x00, 0x01,  // one topic
        0x00, 0x01, 0x74,  // "t"
        0xff, 0xff, 0xff, 0xff,  // user data: null
    ]

    static let member = TCPProxy.Member(memberId: "m", clientId: "c", clientHost: "/h", assignment: [("t", [0, 1])])

    @Test func consumerProtocolAssignmentAndSubscription() throws {
        #expect(KafkaFrame.consumerProtocolAssignment([("t", [0, 1])]) == Self.assignment)
        #expect(KafkaFrame.consumerProtocolSubscription(topics: ["t"]) == Self.subscription)
        let decoded = try KafkaFrame.decodeConsumerProtocolAssignment(Self.assignment)
        #expect(decoded.map(\.topic) == ["t"] && decoded.map(\.partitions) == [[0, 1]])
    }

    /// DescribeGroupsResponse v5 (flexible: compact strings, arrays and bytes, tagged fields).
    @Test func describeGroupsResponseV5() throws {
        let body = KafkaFrame.DescribeGroupsResponse(groups: [.stableConsumerGroup("g", members: [Self.member])]).encoded(version: 5)
        let expected: [UInt8] = [
            0x00, 0x00, 0x00, 0x00,  // throttle time
            0x02,  // one group
            0x00, 0x00,  // error code
            0x02, 0x67,  // group id "g"
            0x07] + Array("Stable".utf8) + [  // group state
            0x09] + Array("consumer".utf8) + [  // protocol type
            0x06] + Array("range".utf8) + [  // protocol data
            0x02,  // one member
            0x02, 0x6d,  // member id "m"
            0x00,  // group instance id: null
            0x02, 0x63,  // client id "c"
            0x03, 0x2f, 0x68,  // client host "/h"
            0x0e] + Self.subscription + [  // member metadata (13 bytes)
            0x1a] + Self.assignment + [  // member assignment (25 bytes)
            0x00,  // member: no tagged fields
            0x80, 0x00, 0x00, 0x00,  // authorized operations: not requested
            0x00,  // group: no tagged fields
            0x00,  // response: no tagged fields
        ]
        #expect(body == expected)
        var reader = FrameReader(body)
        let decoded = try KafkaFrame.DescribeGroupsResponse(reading: &reader, version: 5)
        #expect(reader.isAtEnd)
        #expect(decoded.encoded(version: 5) == body)
    }

    /// DescribeGroupsResponse v0 (no throttle time, instance id or authorized operations; int16/int32 lengths).
    @Test func describeGroupsResponseV0() {
        let body = KafkaFrame.DescribeGroupsResponse(groups: [.stableConsumerGroup("g", members: [Self.member])]).encoded(version: 0)
        let expected: [UInt8] = [
            0x00, 0x00, 0x00, 0x01,  // one group
            0x00, 0x00,  // error code
            0x00, 0x01, 0x67,  // "g"
            0x00, 0x06] + Array("Stable".utf8) + [
            0x00, 0x08] + Array("consumer".utf8) + [
            0x00, 0x05] + Array("range".utf8) + [
            0x00, 0x00, 0x00, 0x01,  // one member
            0x00, 0x01, 0x6d,  // "m"
            0x00, 0x01, 0x63,  // "c"
            0x00, 0x02, 0x2f, 0x68,  // "/h"
            0x00, 0x00, 0x00, 0x0d] + Self.subscription + [
            0x00, 0x00, 0x00, 0x19] + Self.assignment
        #expect(body == expected)
    }

    /// A broker's answer (header + body) for two groups: only the chosen one gets the members.
    @Test(arguments: [Int16(0), 3, 4, 5])
    func describeGroupsAnswerReplacesOnlyTheChosenGroup(version: Int16) throws {
        let broker = KafkaFrame.DescribeGroupsResponse(groups: [
            .init(groupId: "g", groupState: "Stable", protocolType: "", protocolData: "", members: []),
            .init(groupId: "other", groupState: "Empty", protocolType: "", protocolData: "", members: []),
        ])
        let flexible = version >= 5
        let frame = KafkaFrame.response(correlationId: 42, flexible: flexible, body: broker.encoded(version: version))
        let replaced = try #require(KafkaFrame.describeGroupsResponse(frame, apiVersion: version, replacing: ["g": [Self.member]]))
        let (correlationId, body) = try KafkaFrame.responseBody(replaced, flexible: flexible)
        var reader = body
        #expect(correlationId == 42)
        let answer = try KafkaFrame.DescribeGroupsResponse(reading: &reader, version: version)
        #expect(reader.isAtEnd)
        #expect(answer.groups.map(\.groupId) == ["g", "other"])
        #expect(answer.groups[1] == broker.groups[1])
        let member = try #require(answer.groups[0].members.first)
        #expect(answer.groups[0].groupState == "Stable" && answer.groups[0].protocolType == "consumer")
        #expect([member.memberId, member.clientId, member.clientHost] == ["m", "c", "/h"])
        #expect(member.memberAssignment == Self.assignment)
    }

    /// DescribeGroupsRequest v5: header v2 (client id int16-length, then tagged fields), compact group ids.
    @Test func describeGroupsRequestV5() throws {
        let frame: [UInt8] = [
            0x00, 0x0f, 0x00, 0x05,  // api key 15, version 5
            0x00, 0x00, 0x00, 0x07,  // correlation id
            0x00, 0x02, 0x72, 0x6b,  // client id "rk"
            0x00,  // header: no tagged fields
            0x03, 0x02, 0x61, 0x03, 0x62, 0x62,  // groups "a", "bb"
            0x00,  // include authorized operations: false
            0x00,  // no tagged fields
        ]
        let (header, groups) = try #require(KafkaFrame.describeGroupsRequest(frame))
        #expect(header == .init(apiKey: 15, apiVersion: 5, correlationId: 7, clientId: "rk"))
        #expect(groups == ["a", "bb"])
    }

    /// ConsumerGroupDescribeResponse v0 answering GROUP_ID_NOT_FOUND for one group.
    @Test func consumerGroupDescribeNotFound() {
        let frame = KafkaFrame.consumerGroupDescribeErrorResponse(correlationId: 9, groups: ["g"], errorCode: 69)
        #expect(frame == [
            0x00, 0x00, 0x00, 0x09,  // correlation id
            0x00,  // header: no tagged fields
            0x00, 0x00, 0x00, 0x00,  // throttle time
            0x02,  // one group
            0x00, 0x45,  // GROUP_ID_NOT_FOUND
            0x00,  // error message: null
            0x02, 0x67,  // "g"
            0x01,  // state ""
            0xff, 0xff, 0xff, 0xff,  // group epoch -1
            0xff, 0xff, 0xff, 0xff,  // assignment epoch -1
            0x01,  // assignor ""
            0x01,  // no members
            0x80, 0x00, 0x00, 0x00,  // authorized operations: not requested
            0x00,  // group: no tagged fields
            0x00,  // response: no tagged fields
        ])
    }

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
