extension KafkaFrame {
    /// The header and group ids of a DescribeGroups request, or nil for other requests.
    ///
    /// DescribeGroupsRequest: Groups []string, IncludeAuthorizedOperations
    /// bool (v3+); flexible from v5.
    static func describeGroupsRequest(_ frame: [UInt8]) -> (RequestHeader, groups: [String])? {
        guard let (header, body) = request(frame, apiKey: APIKey.describeGroups) else { return nil }
        var reader = body
        let flexible = isFlexible(apiKey: APIKey.describeGroups, version: header.apiVersion)
        do {
            var groups: [String] = []
            for _ in 0..<(try reader.arrayCount(flexible: flexible)) { groups.append(try reader.string(flexible: flexible)) }
            return (header, groups)
        } catch {
            return nil
        }
    }

    /// DescribeGroupsResponse, versions 0 to 5 (later ones are not decoded):
    ///
    ///     ThrottleTimeMs int32 (v1+)
    ///     Groups [
    ///       ErrorCode int16, GroupId string, GroupState string,
    ///       ProtocolType string, ProtocolData string,
    ///       Members [MemberId string, GroupInstanceId nullable string (v4+),
    ///                ClientId string, ClientHost string, MemberMetadata bytes,
    ///                MemberAssignment bytes],
    ///       AuthorizedOperations int32 (v3+)]
    ///
    /// Flexible (compact strings, arrays and bytes, tagged fields after every
    /// struct) from v5.
    struct DescribeGroupsResponse: Equatable {
        struct Member: Equatable {
            var memberId: String
            var groupInstanceId: String?
            var clientId: String
            var clientHost: String
            var memberMetadata: [UInt8]
            var memberAssignment: [UInt8]
        }

        struct Group: Equatable {
            var errorCode: Int16 = 0
            var groupId: String
            var groupState: String
            var protocolType: String
            var protocolData: String
            var members: [Member]
            /// "Not requested" by default (Int32.min), as Kafka answers when the request did not ask.
            var authorizedOperations: Int32 = Int32.min
        }

        var throttleTimeMs: Int32 = 0
        var groups: [Group]

        init(throttleTimeMs: Int32 = 0, groups: [Group]) {
            self.throttleTimeMs = throttleTimeMs
            self.groups = groups
        }

        /// Reads a body of version `version` (after the response header).
        init(reading reader: inout FrameReader, version: Int16) throws(FrameReader.Malformed) {
            let flexible = isFlexible(apiKey: APIKey.describeGroups, version: version)
            throttleTimeMs = version >= 1 ? try reader.int32() : 0
            groups = []
            for _ in 0..<(try reader.arrayCount(flexible: flexible)) {
                let errorCode = try reader.int16()
                let groupId = try reader.string(flexible: flexible)
                let groupState = try reader.string(flexible: flexible)
                let protocolType = try reader.string(flexible: flexible)
                let protocolData = try reader.string(flexible: flexible)
                var members: [Member] = []
                for _ in 0..<(try reader.arrayCount(flexible: flexible)) {
                    let memberId = try reader.string(flexible: flexible)
                    let groupInstanceId = version >= 4 ? try reader.nullableString(flexible: flexible) : nil
                    members.append(Member(
                        memberId: memberId, groupInstanceId: groupInstanceId,
                        clientId: try reader.string(flexible: flexible), clientHost: try reader.string(flexible: flexible),
                        memberMetadata: try reader.nullableBytes(flexible: flexible) ?? [],
                        memberAssignment: try reader.nullableBytes(flexible: flexible) ?? []))
                    try reader.skipTaggedFields(flexible: flexible)
                }
                let authorizedOperations = version >= 3 ? try reader.int32() : Int32.min
                try reader.skipTaggedFields(flexible: flexible)
                groups.append(Group(
                    errorCode: errorCode, groupId: groupId, groupState: groupState,
                    protocolType: protocolType, protocolData: protocolData, members: members,
                    authorizedOperations: authorizedOperations))
            }
            try reader.skipTaggedFields(flexible: flexible)
        }

        /// The body of version `version` (without the response header).
        func encoded(version: Int16) -> [UInt8] {
            let flexible = isFlexible(apiKey: APIKey.describeGroups, version: version)
            var out = FrameWriter()
            if version >= 1 { out.int32(throttleTimeMs) }
            out.arrayCount(groups.count, flexible: flexible)
            for group in groups {
                out.int16(group.errorCode)
                out.string(group.groupId, flexible: flexible)
                out.string(group.groupState, flexible: flexible)
                out.string(group.protocolType, flexible: flexible)
                out.string(group.protocolData, flexible: flexible)
                out.arrayCount(group.members.count, flexible: flexible)
                for member in group.members {
                    out.string(member.memberId, flexible: flexible)
                    if version >= 4 { out.nullableString(member.groupInstanceId, flexible: flexible) }
                    out.string(member.clientId, flexible: flexible)
                    out.string(member.clientHost, flexible: flexible)
                    out.nullableBytes(member.memberMetadata, flexible: flexible)
                    out.nullableBytes(member.memberAssignment, flexible: flexible)
                    out.emptyTaggedFields(flexible: flexible)
                }
                if version >= 3 { out.int32(group.authorizedOperations) }
                out.emptyTaggedFields(flexible: flexible)
            }
            out.emptyTaggedFields(flexible: flexible)
            return out.bytes
        }
    }

    /// The broker's DescribeGroups answer with the groups of `members` described
    /// as Stable consumer groups (assignor "range") with those members; the
    /// other groups keep the broker's answer. nil when the answer does not parse
    /// or is of a version this codec does not know (6 and later).
    static func describeGroupsResponse(
        _ frame: [UInt8], apiVersion: Int16, replacing members: [String: [TCPProxy.Member]]
    ) -> [UInt8]? {
        let flexible = isFlexible(apiKey: APIKey.describeGroups, version: apiVersion)
        guard apiVersion <= 5, let (correlationId, body) = try? responseBody(frame, flexible: flexible) else { return nil }
        var reader = body
        guard var answer = try? DescribeGroupsResponse(reading: &reader, version: apiVersion) else { return nil }
        for index in answer.groups.indices {
            let groupId = answer.groups[index].groupId
            guard let chosen = members[groupId] else { continue }
            answer.groups[index] = .stableConsumerGroup(
                groupId, members: chosen, authorizedOperations: answer.groups[index].authorizedOperations)
        }
        return response(correlationId: correlationId, flexible: flexible, body: answer.encoded(version: apiVersion))
    }
}

extension KafkaFrame.DescribeGroupsResponse.Group {
    /// A Stable group of the consumer protocol (assignor "range") with `members`:
    /// each member's metadata is a ConsumerProtocolSubscription of its assigned
    /// topics, its assignment a ConsumerProtocolAssignment.
    static func stableConsumerGroup(
        _ groupId: String, members: [TCPProxy.Member], authorizedOperations: Int32 = Int32.min
    ) -> Self {
        Self(
            groupId: groupId, groupState: "Stable", protocolType: "consumer", protocolData: "range",
            members: members.map { member in
                .init(
                    memberId: member.memberId, groupInstanceId: member.groupInstanceId, clientId: member.clientId,
                    clientHost: member.clientHost,
                    memberMetadata: KafkaFrame.consumerProtocolSubscription(topics: member.assignment.map(\.topic)),
                    memberAssignment: KafkaFrame.consumerProtocolAssignment(member.assignment))
            },
            authorizedOperations: authorizedOperations)
    }
}
