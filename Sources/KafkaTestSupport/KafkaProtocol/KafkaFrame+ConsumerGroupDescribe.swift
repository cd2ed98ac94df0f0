extension KafkaFrame {
    /// The header and group ids of a ConsumerGroupDescribe request (KIP-848),
    /// or nil for other requests.
    ///
    /// ConsumerGroupDescribeRequest v0 (flexible): GroupIds []string,
    /// IncludeAuthorizedOperations bool.
    static func consumerGroupDescribeRequest(_ frame: [UInt8]) -> (RequestHeader, groups: [String])? {
        guard let (header, body) = request(frame, apiKey: APIKey.consumerGroupDescribe) else { return nil }
        var reader = body
        do {
            var groups: [String] = []
            for _ in 0..<(try reader.compactArrayCount()) { groups.append(try reader.compactString()) }
            return (header, groups)
        } catch {
            return nil
        }
    }

    /// A ConsumerGroupDescribe v0 answer (whole frame) in which every group of
    /// `groups` is answered with `errorCode` and nothing else:
    ///
    ///     ThrottleTimeMs int32
    ///     Groups [ErrorCode int16, ErrorMessage nullable string, GroupId string,
    ///             GroupState string, GroupEpoch int32, AssignmentEpoch int32,
    ///             AssignorName string, Members [...], AuthorizedOperations int32]
    ///
    /// GROUP_ID_NOT_FOUND (69) is how a broker answers for a group that is not
    /// a consumer (KIP-848) group, e.g. a classic one: a client then describes
    /// it with DescribeGroups.
    static func consumerGroupDescribeErrorResponse(correlationId: Int32, groups: [String], errorCode: Int16) -> [UInt8] {
        var body = FrameWriter()
        body.int32(0)  // throttle time
        body.arrayCount(groups.count, flexible: true)
        for group in groups {
            body.int16(errorCode)
            body.nullableString(nil, flexible: true)  // error message
            body.string(group, flexible: true)
            body.string("", flexible: true)  // state
            body.int32(-1)  // group epoch
            body.int32(-1)  // assignment epoch
            body.string("", flexible: true)  // assignor
            body.arrayCount(0, flexible: true)  // members
            body.int32(Int32.min)  // authorized operations: not requested
            body.emptyTaggedFields()
        }
        body.emptyTaggedFields()
        return response(correlationId: correlationId, flexible: true, body: body.bytes)
    }
}
