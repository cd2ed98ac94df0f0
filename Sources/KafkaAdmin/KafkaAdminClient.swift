import CRdKafka
import Foundation
public import LagCore
public import Logging

/// A safe, `Sendable`, async client for the read-only admin operations a lag
/// exporter needs: consumer groups, their committed offsets, partition offsets
/// and cluster metadata.
///
/// Every call is bounded by the configured request timeout: librdkafka always
/// completes an admin request, with `_TIMED_OUT` if the broker does not answer.
/// Results are delivered on librdkafka's background thread and resume the
/// awaiting task; no Swift thread blocks on the network.
public final class KafkaAdminClient: Sendable {
    let handle: RDKafkaHandle
    public let configuration: KafkaClientConfiguration

    /// Creates the client. Nothing is sent until the first request.
    /// - Throws: ``KafkaAdminError`` with kind `.configuration` when librdkafka
    ///   rejects a client property (the message names the property, never a secret value).
    /// - Parameter logger: receives librdkafka's logs; silent by default.
    public init(
        configuration: KafkaClientConfiguration,
        logger: Logger = Logger(label: "kafka-admin", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(KafkaAdminError) {
        self.configuration = configuration
        self.handle = try RDKafkaHandle(configuration: configuration, logger: logger)
    }

    /// The value librdkafka holds for client property `name` (the exporter's
    /// defaults, e.g. `enable.metrics.push`, unless the configuration set it);
    /// nil for an unknown property. Never call it for a secret.
    public func effectiveProperty(_ name: String) -> String? { handle.property(name) }

    /// The version of the librdkafka loaded at run time, e.g. "2.8.0".
    public static var librdkafkaVersion: String { String(cString: rd_kafka_version_str()) }

    /// Waits until every librdkafka client of the process (admin clients,
    /// record-timestamp readers) is destroyed and their threads have ended, at
    /// most `timeout`; whether none is left.
    ///
    /// Call it before the process exits: a client whose last reference goes
    /// away on another thread (a request abandoned by a cancelled caller) is
    /// still tearing down its broker connections, and exiting under it runs the
    /// TLS library's exit-time cleanup beneath those threads.
    @discardableResult
    public static func waitUntilAllClientsAreDestroyed(timeout: Duration) -> Bool {
        rd_kafka_wait_destroyed(Int32(clamping: timeout.milliseconds)) == 0
    }

    /// The newest client-level error librdkafka reported (it usually names the
    /// broker address and the socket error), or nil.
    public var lastClientError: String? { handle.events.lastError }

    /// The per-request bound: the call's own timeout, else the configured one.
    private func bound(_ timeout: Duration?) -> Duration { timeout ?? configuration.requestTimeout }

    // MARK: - Cluster metadata

    // Every request takes an optional `timeout` that overrides the configured
    // request timeout, so a caller can spend one deadline across several calls.

    /// Brokers, topics and partitions (one Metadata request for all topics).
    public func metadata(timeout: Duration? = nil) async throws(KafkaAdminError) -> ClusterMetadata {
        let brokers = handle.brokers
        let timeoutMs = Int32(clamping: bound(timeout).milliseconds)
        let events = handle.events
        return try await handle.blocking { client in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let error = rd_kafka_metadata(client, 1, nil, &metadata, timeoutMs)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                return .failure(KafkaAdminError(
                    code: .init(rawValue: error.rawValue), message: String(cString: rd_kafka_err2str(error)),
                    operation: "Metadata", brokers: brokers, detail: events.lastError))
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            return .success(Self.clusterMetadata(from: metadata.pointee))
        }
    }

    private static func clusterMetadata(from metadata: rd_kafka_metadata) -> ClusterMetadata {
        let brokers = (0..<Int(metadata.broker_cnt)).map { index in
            let broker = metadata.brokers[index]
            return BrokerInfo(id: broker.id, host: String(cString: broker.host), port: broker.port)
        }
        let topics = (0..<Int(metadata.topic_cnt)).map { index in
            let topic = metadata.topics[index]
            let partitions = (0..<Int(topic.partition_cnt)).map { partitionIndex in
                let partition = topic.partitions[partitionIndex]
                return PartitionMetadata(
                    id: partition.id,
                    leader: partition.leader,
                    replicas: Array(UnsafeBufferPointer(start: partition.replicas, count: Int(partition.replica_cnt))),
                    inSyncReplicas: Array(UnsafeBufferPointer(start: partition.isrs, count: Int(partition.isr_cnt)))
                )
            }
            let error = topic.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaAdminError.Code(rawValue: topic.err.rawValue)
            return TopicMetadata(name: String(cString: topic.topic), partitions: partitions, error: error)
        }
        return ClusterMetadata(brokers: brokers, topics: topics, originatingBrokerId: metadata.orig_broker_id)
    }

    // MARK: - Consumer groups

    /// All consumer groups of the cluster (one ListGroups per broker).
    ///
    /// - Throws: when any broker's answer is missing, so an unreachable cluster
    ///   is never mistaken for one without groups.
    public func listConsumerGroups(timeout: Duration? = nil) async throws(KafkaAdminError) -> [ConsumerGroupListing] {
        let brokers = handle.brokers
        let events = handle.events
        return try await handle.adminRequest(
            "ListConsumerGroups", kind: RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout: bound(timeout),
            start: { client, options, queue in rd_kafka_ListConsumerGroups(client, options, queue) },
            parse: { event throws(KafkaAdminError) in
                let result = rd_kafka_event_ListConsumerGroups_result(event)
                var errorCount = 0
                if let errors = rd_kafka_ListConsumerGroups_result_errors(result, &errorCount), errorCount > 0,
                   let first = errors[0] {
                    // Errors are owned by the result event.
                    throw KafkaAdminError(
                        borrowing: first, operation: "ListConsumerGroups", brokers: brokers, detail: events.lastError)
                }
                var count = 0
                guard let listings = rd_kafka_ListConsumerGroups_result_valid(result, &count) else { return [] }
                return (0..<count).compactMap { index in
                    guard let listing = listings[index] else { return nil }
                    return ConsumerGroupListing(
                        groupId: String(cString: rd_kafka_ConsumerGroupListing_group_id(listing)),
                        state: groupState(rd_kafka_ConsumerGroupListing_state(listing)),
                        type: groupType(rd_kafka_ConsumerGroupListing_type(listing)),
                        isSimple: rd_kafka_ConsumerGroupListing_is_simple_consumer_group(listing) != 0
                    )
                }
            }
        )
    }

    /// Describes groups: state, type, members and their assignments, for both
    /// group protocols. librdkafka asks each group's coordinator with
    /// ConsumerGroupDescribe (Kafka 4, KIP-848) where the broker offers it and
    /// falls back to DescribeGroups for classic groups and older brokers.
    /// A group the broker could not describe carries its own `error`.
    public func describeConsumerGroups(_ groupIds: [String], timeout: Duration? = nil) async throws(KafkaAdminError) -> [ConsumerGroupDescription] {
        guard !groupIds.isEmpty else { return [] }
        let brokers = handle.brokers
        return try await handle.adminRequest(
            "DescribeConsumerGroups", kind: RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout: bound(timeout),
            start: { client, options, queue in
                withCStringArray(groupIds) { pointers in
                    // librdkafka copies the group names.
                    rd_kafka_DescribeConsumerGroups(client, pointers, groupIds.count, options, queue)
                }
            },
            parse: { event throws(KafkaAdminError) in
                let result = rd_kafka_event_DescribeConsumerGroups_result(event)
                var count = 0
                guard let groups = rd_kafka_DescribeConsumerGroups_result_groups(result, &count) else { return [] }
                return (0..<count).compactMap { index in
                    groups[index].map { Self.groupDescription(from: $0, brokers: brokers) }
                }
            }
        )
    }

    private static func groupDescription(from group: OpaquePointer, brokers: String) -> ConsumerGroupDescription {
        let groupId = String(cString: rd_kafka_ConsumerGroupDescription_group_id(group))
        var error: KafkaAdminError?
        if let groupError = rd_kafka_ConsumerGroupDescription_error(group) {
            error = KafkaAdminError(
                        borrowing: groupError, operation: "DescribeConsumerGroups(\(groupId))", brokers: brokers)
        }
        let members = (0..<rd_kafka_ConsumerGroupDescription_member_count(group)).compactMap { index -> MemberDescription? in
            guard let member = rd_kafka_ConsumerGroupDescription_member(group, index) else { return nil }
            let assignment = rd_kafka_MemberDescription_assignment(member)
                .flatMap { rd_kafka_MemberAssignment_partitions($0) }
            return MemberDescription(
                consumerId: optionalString(rd_kafka_MemberDescription_consumer_id(member)) ?? "",
                clientId: optionalString(rd_kafka_MemberDescription_client_id(member)) ?? "",
                host: optionalString(rd_kafka_MemberDescription_host(member)) ?? "",
                groupInstanceId: optionalString(rd_kafka_MemberDescription_group_instance_id(member)),
                assignment: TopicPartitionList.entries(of: assignment).map(\.partition).sorted()
            )
        }
        let coordinator = rd_kafka_ConsumerGroupDescription_coordinator(group).map { node in
            BrokerInfo(id: Int32(rd_kafka_Node_id(node)), host: optionalString(rd_kafka_Node_host(node)) ?? "",
                       port: Int32(rd_kafka_Node_port(node)))
        }
        return ConsumerGroupDescription(
            groupId: groupId,
            state: groupState(rd_kafka_ConsumerGroupDescription_state(group)),
            type: groupType(rd_kafka_ConsumerGroupDescription_type(group)),
            isSimple: rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(group) != 0,
            partitionAssignor: optionalString(rd_kafka_ConsumerGroupDescription_partition_assignor(group)) ?? "",
            coordinator: coordinator,
            members: members,
            error: error
        )
    }

    /// The committed offsets of one group (one OffsetFetch to its coordinator).
    /// Partitions without a commit are absent from the result; partitions the
    /// broker answered with an error (e.g. UNSTABLE_OFFSET_COMMIT) are in its
    /// `failures`, never taken for partitions without a commit.
    public func committedOffsets(group groupId: String, timeout: Duration? = nil) async throws(KafkaAdminError) -> PartitionOffsetsResult {
        let brokers = handle.brokers
        let operation = "ListConsumerGroupOffsets(\(groupId))"
        return try await handle.adminRequest(
            operation, kind: RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout: bound(timeout),
            start: { client, options, queue in
                // nil partitions: every partition the group has committed.
                let request = rd_kafka_ListConsumerGroupOffsets_new(groupId, nil)
                var requests: [OpaquePointer?] = [request]
                rd_kafka_ListConsumerGroupOffsets(client, &requests, 1, options, queue)
                // The call copies the request object.
                rd_kafka_ListConsumerGroupOffsets_destroy(request)
            },
            parse: { event throws(KafkaAdminError) in
                let result = rd_kafka_event_ListConsumerGroupOffsets_result(event)
                var count = 0
                guard let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &count), count > 0,
                      let group = groups[0] else { return PartitionOffsetsResult() }
                if let error = rd_kafka_group_result_error(group) {
                    throw KafkaAdminError(
                        borrowing: error, operation: operation, brokers: brokers)
                }
                var answer = PartitionOffsetsResult()
                for entry in TopicPartitionList.entries(of: rd_kafka_group_result_partitions(group)) {
                    if entry.error != RD_KAFKA_RESP_ERR_NO_ERROR {
                        answer.failures[entry.partition] = KafkaAdminError(
                            code: .init(rawValue: entry.error.rawValue), message: String(cString: rd_kafka_err2str(entry.error)),
                            operation: "\(operation) partition \(entry.partition)", brokers: brokers)
                    } else if entry.offset >= 0 {
                        answer.offsets[entry.partition] = entry.offset
                    }
                }
                return answer
            }
        )
    }

    // MARK: - Partition offsets

    /// Earliest or latest offsets of many partitions in one ListOffsets call
    /// (librdkafka sends one request per partition leader).
    public func listOffsets(
        _ partitions: some Collection<TopicPartition>, spec: OffsetSpec, timeout: Duration? = nil
    ) async throws(KafkaAdminError) -> PartitionOffsetsResult {
        let unique = Set(partitions)
        guard !unique.isEmpty else { return PartitionOffsetsResult() }
        let brokers = handle.brokers
        let specValue: Int64 = switch spec {
        case .earliest: Int64(RD_KAFKA_OFFSET_SPEC_EARLIEST.rawValue)
        case .latest: Int64(RD_KAFKA_OFFSET_SPEC_LATEST.rawValue)
        }
        return try await handle.adminRequest(
            "ListOffsets", kind: RD_KAFKA_ADMIN_OP_LISTOFFSETS, timeout: bound(timeout),
            start: { client, options, queue in
                let list = TopicPartitionList(unique.sorted(), offset: specValue)
                // librdkafka copies the list.
                list.withListPointer { rd_kafka_ListOffsets(client, $0, options, queue) }
            },
            parse: { event throws(KafkaAdminError) in
                let result = rd_kafka_event_ListOffsets_result(event)
                var count = 0
                var answer = PartitionOffsetsResult()
                guard let infos = rd_kafka_ListOffsets_result_infos(result, &count) else { return answer }
                for index in 0..<count {
                    guard let info = infos[index], let element = rd_kafka_ListOffsetsResultInfo_topic_partition(info) else { continue }
                    let partition = TopicPartition(String(cString: element.pointee.topic), element.pointee.partition)
                    if element.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.pointee.offset >= 0 {
                        answer.offsets[partition] = element.pointee.offset
                    } else if element.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                        // No error and no offset (librdkafka's -1001, "invalid"): an
                        // answer that never came, never a log offset to export.
                        answer.failures[partition] = KafkaAdminError(
                            code: .timedOut, message: "no offset in the answer (\(element.pointee.offset))",
                            operation: "ListOffsets(\(partition))", brokers: brokers)
                    } else {
                        answer.failures[partition] = KafkaAdminError(
                            code: .init(rawValue: element.pointee.err.rawValue),
                            message: String(cString: rd_kafka_err2str(element.pointee.err)),
                            operation: "ListOffsets(\(partition))", brokers: brokers)
                    }
                }
                return answer
            }
        )
    }
}

// MARK: - C helpers

/// librdkafka's state name as a ``ConsumerGroupState``.
private func groupState(_ state: rd_kafka_consumer_group_state_t) -> ConsumerGroupState {
    ConsumerGroupState(name: optionalString(rd_kafka_consumer_group_state_name(state)) ?? "")
}

/// librdkafka's type name ("Classic", "Consumer", "Unknown") as a ``ConsumerGroupType``.
private func groupType(_ type: rd_kafka_consumer_group_type_t) -> ConsumerGroupType {
    ConsumerGroupType(name: optionalString(rd_kafka_consumer_group_type_name(type)) ?? "")
}

/// Copies a C string that librdkafka may return as NULL.
func optionalString(_ pointer: UnsafePointer<CChar>?) -> String? {
    pointer.map { String(cString: $0) }
}

/// Calls `body` with a `const char **` view of `strings`, valid only during the call.
func withCStringArray<T>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}
