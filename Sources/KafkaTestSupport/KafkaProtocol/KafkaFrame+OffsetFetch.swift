extension KafkaFrame {
    struct OffsetFetchRequest: Equatable {
        var apiVersion: Int16
        var correlationId: Int32
        var groups: [String]
    }

    /// The groups of an OffsetFetch request (many from v8 on), or nil for other requests.
    ///
    /// OffsetFetchRequest: v0-v7 GroupId, Topics [...]; v8+ Groups [GroupId,
    /// MemberId (v9+), MemberEpoch (v9+), Topics [Name, PartitionIndexes]];
    /// flexible from v6.
    static func offsetFetchRequest(_ frame: [UInt8]) -> OffsetFetchRequest? {
        guard let (header, body) = request(frame, apiKey: APIKey.offsetFetch) else { return nil }
        var reader = body
        let version = header.apiVersion
        let flexible = isFlexible(apiKey: APIKey.offsetFetch, version: version)
        do {
            guard version >= 8 else {
                return OffsetFetchRequest(
                    apiVersion: version, correlationId: header.correlationId, groups: [try reader.string(flexible: flexible)])
            }
            var groups: [String] = []
            for _ in 0..<(try reader.compactArrayCount()) {
                groups.append(try reader.compactString())
                if version >= 9 {
                    _ = try reader.compactNullableString()  // member id
                    _ = try reader.int32()  // member epoch
                }
                for _ in 0..<(try reader.compactArrayCount()) {  // topics (null: all)
                    _ = try reader.compactString()
                    for _ in 0..<(try reader.compactArrayCount()) { _ = try reader.int32() }
                    try reader.skipTaggedFields()
                }
                try reader.skipTaggedFields()
            }
            return OffsetFetchRequest(apiVersion: version, correlationId: header.correlationId, groups: groups)
        } catch {
            return nil
        }
    }

    /// OffsetFetchResponse v8 and v9 (many groups; always flexible).
    struct OffsetFetchResponse: Equatable {
        struct Partition: Equatable {
            var partitionIndex: Int32
            var committedOffset: Int64
            var committedLeaderEpoch: Int32
            var metadata: String?
            var errorCode: Int16
        }

        struct Topic: Equatable {
            var name: String
            var partitions: [Partition]
        }

        struct Group: Equatable {
            var groupId: String
            var topics: [Topic]
            var errorCode: Int16
        }

        var throttleTimeMs: Int32
        var groups: [Group]

        init(throttleTimeMs: Int32 = 0, groups: [Group]) {
            self.throttleTimeMs = throttleTimeMs
            self.groups = groups
        }

        /// Reads the body (after the response header).
        init(reading reader: inout FrameReader) throws(FrameReader.Malformed) {
            throttleTimeMs = try reader.int32()
            groups = []
            for _ in 0..<(try reader.compactArrayCount()) {
                let groupId = try reader.compactString()
                var topics: [Topic] = []
                for _ in 0..<(try reader.compactArrayCount()) {
                    let name = try reader.compactString()
                    var partitions: [Partition] = []
                    for _ in 0..<(try reader.compactArrayCount()) {
                        partitions.append(Partition(
                            partitionIndex: try reader.int32(), committedOffset: try reader.int64(),
                            committedLeaderEpoch: try reader.int32(), metadata: try reader.compactNullableString(),
                            errorCode: try reader.int16()))
                        try reader.skipTaggedFields()
                    }
                    try reader.skipTaggedFields()
                    topics.append(Topic(name: name, partitions: partitions))
                }
                let errorCode = try reader.int16()
                try reader.skipTaggedFields()
                groups.append(Group(groupId: groupId, topics: topics, errorCode: errorCode))
            }
            try reader.skipTaggedFields()
        }

        /// The body (without the response header).
        var encoded: [UInt8] {
            var out = FrameWriter()
            out.int32(throttleTimeMs)
            out.arrayCount(groups.count, flexible: true)
            for group in groups {
                out.string(group.groupId, flexible: true)
                out.arrayCount(group.topics.count, flexible: true)
                for topic in group.topics {
                    out.string(topic.name, flexible: true)
                    out.arrayCount(topic.partitions.count, flexible: true)
                    for partition in topic.partitions {
                        out.int32(partition.partitionIndex)
                        out.int64(partition.committedOffset)
                        out.int32(partition.committedLeaderEpoch)
                        out.nullableString(partition.metadata, flexible: true)
                        out.int16(partition.errorCode)
                        out.emptyTaggedFields()
                    }
                    out.emptyTaggedFields()
                }
                out.int16(group.errorCode)
                out.emptyTaggedFields()
            }
            out.emptyTaggedFields()
            return out.bytes
        }
    }

    /// What the proxy puts into a group's part of an OffsetFetch answer.
    enum OffsetFetchFault: Sendable, Equatable {
        /// The group's error, its offsets removed.
        case group(errorCode: Int16)
        /// Errors of some partitions (topic -> partition -> error code), their
        /// offsets -1; the other partitions keep the broker's answer. Needs v8
        /// or newer (the versions this codec reads partition by partition).
        case partitions([String: [Int32: Int16]])
    }

    /// The broker's OffsetFetch answer with group errors (group -> Kafka error
    /// code) as those groups' errors and their offsets removed; the other groups keep
    /// the broker's answer. nil when the answer does not parse.
    ///
    /// Before v8 (one group per request) the whole answer becomes the group's
    /// error and no topics: ThrottleTimeMs (v3+), Topics, ErrorCode (v2+).
    static func offsetFetchResponse(_ frame: [UInt8], apiVersion: Int16, replacing errors: [String: Int16]) -> [UInt8]? {
        offsetFetchResponse(frame, apiVersion: apiVersion, faults: errors.mapValues { .group(errorCode: $0) })
    }

    /// The broker's OffsetFetch answer with `faults` applied to their groups'
    /// parts; nil when the answer does not parse or a fault needs a newer version.
    static func offsetFetchResponse(_ frame: [UInt8], apiVersion: Int16, faults: [String: OffsetFetchFault]) -> [UInt8]? {
        let flexible = isFlexible(apiKey: APIKey.offsetFetch, version: apiVersion)
        do {
            let (correlationId, body) = try responseBody(frame, flexible: flexible)
            var reader = body
            guard apiVersion >= 8 else {
                guard case .group(let errorCode)? = faults.values.first else { return nil }
                var body = FrameWriter()
                if apiVersion >= 3 { body.int32(0) }  // throttle time
                body.arrayCount(0, flexible: flexible)  // no topics
                body.int16(errorCode)
                body.emptyTaggedFields(flexible: flexible)
                return response(correlationId: correlationId, flexible: flexible, body: body.bytes)
            }
            // v10 names topics by id: not a layout this codec knows.
            guard apiVersion <= 9 else { return nil }
            var answer = try OffsetFetchResponse(reading: &reader)
            for index in answer.groups.indices {
                switch faults[answer.groups[index].groupId] {
                case .group(let errorCode)?:
                    answer.groups[index].topics = []
                    answer.groups[index].errorCode = errorCode
                case .partitions(let errors)?:
                    for topic in answer.groups[index].topics.indices {
                        let name = answer.groups[index].topics[topic].name
                        for partition in answer.groups[index].topics[topic].partitions.indices {
                            let id = answer.groups[index].topics[topic].partitions[partition].partitionIndex
                            guard let errorCode = errors[name]?[id] else { continue }
                            answer.groups[index].topics[topic].partitions[partition].errorCode = errorCode
                            answer.groups[index].topics[topic].partitions[partition].committedOffset = -1
                        }
                    }
                case nil:
                    continue
                }
            }
            return response(correlationId: correlationId, flexible: true, body: answer.encoded)
        } catch {
            return nil
        }
    }
}
