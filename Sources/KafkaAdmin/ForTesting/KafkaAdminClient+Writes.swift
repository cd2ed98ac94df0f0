import CRdKafka
import Foundation
import LagCore

// Writes that tests, the demo workload and benchmarks need to set a cluster up.
// The exporter itself never writes to a cluster, so these are `package`, not public.
extension KafkaAdminClient {
    /// Creates topics (replication factor 1); an existing topic is not an error.
    package func createTopics(_ topics: [String: Int32]) async throws(KafkaAdminError) {
        guard !topics.isEmpty else { return }
        let brokers = handle.brokers
        let sorted = topics.sorted { $0.key < $1.key }
        try await handle.adminRequest(
            "CreateTopics", kind: RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout: configuration.requestTimeout,
            start: { client, options, queue in
                var errorBuffer = [CChar](repeating: 0, count: 256)
                var newTopics: [OpaquePointer?] = sorted.map { name, partitions in
                    rd_kafka_NewTopic_new(name, partitions, 1, &errorBuffer, errorBuffer.count)
                }
                rd_kafka_CreateTopics(client, &newTopics, newTopics.count, options, queue)
                // The call copies the NewTopic objects.
                newTopics.forEach { rd_kafka_NewTopic_destroy($0) }
            },
            parse: { event throws(KafkaAdminError) in
                var count = 0
                guard let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count) else { return }
                for index in 0..<count {
                    guard let result = results[index] else { continue }
                    let error = rd_kafka_topic_result_error(result)
                    if error != RD_KAFKA_RESP_ERR_NO_ERROR && error != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                        throw KafkaAdminError(
                            code: .init(rawValue: error.rawValue),
                            message: optionalString(rd_kafka_topic_result_error_string(result)) ?? "",
                            operation: "CreateTopics(\(String(cString: rd_kafka_topic_result_name(result))))",
                            brokers: brokers)
                    }
                }
            }
        )
    }

    /// Commits offsets for a group without members (AlterConsumerGroupOffsets).
    package func alterCommittedOffsets(group groupId: String, offsets: [TopicPartition: Int64]) async throws(KafkaAdminError) {
        let brokers = handle.brokers
        let operation = "AlterConsumerGroupOffsets(\(groupId))"
        try await handle.adminRequest(
            operation, kind: RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout: configuration.requestTimeout,
            start: { client, options, queue in
                let list = TopicPartitionList(offsets)
                let request = list.withListPointer { rd_kafka_AlterConsumerGroupOffsets_new(groupId, $0) }
                var requests: [OpaquePointer?] = [request]
                rd_kafka_AlterConsumerGroupOffsets(client, &requests, 1, options, queue)
                // The call copies the request object (which copied the list).
                rd_kafka_AlterConsumerGroupOffsets_destroy(request)
            },
            parse: { event throws(KafkaAdminError) in
                var count = 0
                let result = rd_kafka_event_AlterConsumerGroupOffsets_result(event)
                guard let groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(result, &count), count > 0,
                      let group = groups[0] else { return }
                if let error = rd_kafka_group_result_error(group) {
                    throw KafkaAdminError(
                        borrowing: error, operation: operation, brokers: brokers)
                }
                for entry in TopicPartitionList.entries(of: rd_kafka_group_result_partitions(group))
                where entry.error != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaAdminError(
                        code: .init(rawValue: entry.error.rawValue), message: String(cString: rd_kafka_err2str(entry.error)),
                        operation: "\(operation) on \(entry.partition)", brokers: brokers)
                }
            }
        )
    }

    /// Deletes consumer groups (they must have no members).
    package func deleteGroups(_ groupIds: [String]) async throws(KafkaAdminError) {
        guard !groupIds.isEmpty else { return }
        let brokers = handle.brokers
        try await handle.adminRequest(
            "DeleteGroups", kind: RD_KAFKA_ADMIN_OP_DELETEGROUPS, timeout: configuration.requestTimeout,
            start: { client, options, queue in
                var requests: [OpaquePointer?] = groupIds.map { rd_kafka_DeleteGroup_new($0) }
                rd_kafka_DeleteGroups(client, &requests, requests.count, options, queue)
                requests.forEach { rd_kafka_DeleteGroup_destroy($0) }
            },
            parse: { event throws(KafkaAdminError) in
                var count = 0
                guard let groups = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event), &count) else { return }
                for index in 0..<count {
                    guard let group = groups[index], let error = rd_kafka_group_result_error(group) else { continue }
                    throw KafkaAdminError(
                        borrowing: error, operation: "DeleteGroups(\(String(cString: rd_kafka_group_result_name(group))))", brokers: brokers)
                }
            }
        )
    }
}
