extension KafkaFrame {
    /// A ListGroups answer body with `errorCode` and no groups. v1 added the
    /// throttle time; v3 made the message flexible.
    ///
    /// ListGroupsResponse: ThrottleTimeMs int32 (v1+), ErrorCode int16,
    /// Groups [GroupId, ProtocolType, GroupState (v4+), GroupType (v5+)].
    static func listGroupsResponse(correlationId: Int32, apiVersion: Int16, errorCode: Int16) -> [UInt8] {
        let flexible = isFlexible(apiKey: APIKey.listGroups, version: apiVersion)
        var body = FrameWriter()
        if apiVersion >= 1 { body.int32(0) }  // throttle time
        body.int16(errorCode)
        body.arrayCount(0, flexible: flexible)
        body.emptyTaggedFields(flexible: flexible)
        return response(correlationId: correlationId, flexible: flexible, body: body.bytes)
    }
}
