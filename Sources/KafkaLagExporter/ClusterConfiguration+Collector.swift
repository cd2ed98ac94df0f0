import KafkaAdmin
import LagCore
import LagPoll
import Logging

extension ClusterConfiguration {
    /// The cluster's poll, built the one way `serve` and `lag` share: one
    /// librdkafka admin client with the cluster's client properties and the
    /// group and topic filters, plus, for exact time lag, a consumer that reads
    /// record timestamps (`readsRecordTimestamps`; `lag` only wants it when it
    /// has a history to show them in).
    /// - Throws: ``ConfigurationError`` for a bad filter regex, ``KafkaAdminError``
    ///   (kind `.configuration`) for a client property librdkafka rejects.
    func makeCollector(
        requestTimeout: Duration, clientGroupId: String, readsRecordTimestamps: Bool, logger: Logger
    ) throws -> LagCollector {
        let client = try KafkaAdminClient(
            configuration: KafkaClientConfiguration(
                bootstrapServers: bootstrapBrokers, properties: clientProperties, requestTimeout: requestTimeout),
            logger: logger)
        var collector = LagCollector(client: client, cluster: name, groupFilter: try groupFilter(), topicFilter: try topicFilter())
        if timeLag == .exact, readsRecordTimestamps {
            collector.timestampReader = try RecordTimestampReader(
                configuration: client.configuration, groupId: clientGroupId, logger: logger)
        }
        return collector
    }
}
