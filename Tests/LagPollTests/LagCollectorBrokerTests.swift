import KafkaAdmin
import KafkaTestSupport
import LagCore
import LagPoll
import Testing

/// The poll as a library, driven without the binary against a real broker
/// (Tansu) on loopback: every value in the snapshot is what the broker holds.
@Suite(.timeLimit(.minutes(5)))
struct LagCollectorBrokerTests {
    /// The poll of the tests' ``TwoGroupCluster`` (billing on orders, audit on payments).
    static func collector(_ cluster: TwoGroupCluster, bootstrapServers: String) throws -> LagCollector {
        LagCollector(
            client: try KafkaAdminClient(configuration: .init(bootstrapServers: bootstrapServers)), cluster: "local",
            groupFilter: try NameFilter(allow: ["\(cluster.billing)|\(cluster.audit)"]))
    }

    @Test func aCollectionHoldsExactlyWhatTheBrokerHolds() async throws {
        let broker = try await TestBroker.start()
        defer { broker.stop() }
        let cluster = try await TwoGroupCluster(bootstrapServers: broker.bootstrapServers)
        var collector = try Self.collector(cluster, bootstrapServers: broker.bootstrapServers)
        collector.readsPartitionGauges = true

        let outcome = try await collector.collect(timeout: .seconds(30))
        #expect(outcome.groupFailures.isEmpty)
        #expect(outcome.describeFailures.isEmpty)
        let snapshot = outcome.snapshot
        #expect(snapshot.cluster == "local")
        #expect(snapshot.groups.map(\.id) == [cluster.audit, cluster.billing].sorted())
        let billing = try #require(snapshot.groups.first { $0.id == cluster.billing })
        #expect(billing.committedOffsets == PartitionMap([TopicPartition(cluster.orders, 0): 2, TopicPartition(cluster.orders, 1): 7]))
        #expect(billing.partitions == (0...2).map { TopicPartition(cluster.orders, $0) })
        // Tansu answers ConsumerGroupDescribe: a member-less group of the consumer protocol.
        #expect(billing.state == .empty)
        #expect(billing.type == .consumer)
        #expect(billing.members.isEmpty)
        #expect(!billing.isConsumed)
        let audit = try #require(snapshot.groups.first { $0.id == cluster.audit })
        #expect(audit.committedOffsets == PartitionMap([TopicPartition(cluster.payments, 0): 1]))

        #expect(snapshot.partitionOffsets[TopicPartition(cluster.orders, 0)] == PartitionOffsets(logStart: 0, logEnd: 5))
        #expect(snapshot.partitionOffsets[TopicPartition(cluster.orders, 1)] == PartitionOffsets(logStart: 0, logEnd: 7))
        #expect(snapshot.partitionOffsets[TopicPartition(cluster.orders, 2)] == PartitionOffsets(logStart: 0, logEnd: 0))
        #expect(snapshot.partitionOffsets[TopicPartition(cluster.payments, 0)] == PartitionOffsets(logStart: 0, logEnd: 4))
        let lags = billing.partitionLags(offsets: snapshot.partitionOffsets).map { ($0.partition, $0.lag) }
        #expect(lags.map(\.0) == [0, 1, 2])
        #expect(lags.map(\.1) == [3, 0, nil])
    }

    @Test func theClientSendsNoTelemetryUnlessTheUserAsksForIt() async throws {
        let quiet = try KafkaAdminClient(configuration: .init(bootstrapServers: "127.0.0.1:1"))
        #expect(quiet.effectiveProperty("enable.metrics.push") == "false")
        let chatty = try KafkaAdminClient(
            configuration: .init(bootstrapServers: "127.0.0.1:1", properties: ["enable.metrics.push": "true"]))
        #expect(chatty.effectiveProperty("enable.metrics.push") == "true")
    }

    /// A group whose committed offsets the broker refuses is left out of the
    /// snapshot, with its error; the other groups are read.
    @Test func aGroupWhoseOffsetsAreRefusedIsLeftOutWithItsError() async throws {
        let (broker, proxy) = try await TestBroker.startBehindProxy()
        defer {
            proxy.stop()
            broker.stop()
        }
        let cluster = try await TwoGroupCluster(bootstrapServers: broker.bootstrapServers)
        let collector = try Self.collector(cluster, bootstrapServers: broker.bootstrapServers)
        proxy.failOffsetFetch(group: cluster.billing, errorCode: 30)  // GROUP_AUTHORIZATION_FAILED

        let outcome = try await collector.collect(timeout: .seconds(30))
        #expect(outcome.snapshot.groups.map(\.id) == [cluster.audit])
        #expect(outcome.groupFailures.keys.sorted() == [cluster.billing])
        #expect(outcome.groupFailures[cluster.billing]?.code.rawValue == 30)
        #expect(outcome.snapshot.totalGroupCount >= 2)
    }

    /// An error for one partition of a group's committed offsets (here
    /// UNSTABLE_OFFSET_COMMIT, 88) is never taken for "no commit": the group
    /// is left out of the poll with that error, naming the partition.
    @Test func aPartitionErrorInCommittedOffsetsLeavesTheGroupOut() async throws {
        let (broker, proxy) = try await TestBroker.startBehindProxy()
        defer {
            proxy.stop()
            broker.stop()
        }
        let cluster = try await TwoGroupCluster(bootstrapServers: broker.bootstrapServers)
        let collector = try Self.collector(cluster, bootstrapServers: broker.bootstrapServers)
        proxy.failOffsetFetch(group: cluster.billing, topic: cluster.orders, partition: 1, errorCode: 88)

        let outcome = try await collector.collect(timeout: .seconds(30))
        #expect(proxy.injectedResponses(group: cluster.billing) == 1)
        #expect(outcome.snapshot.groups.map(\.id) == [cluster.audit])
        let failure = try #require(outcome.groupFailures[cluster.billing])
        #expect(failure.code.rawValue == 88)
        #expect(failure.kind == .broker)
        #expect(failure.operation == "ListConsumerGroupOffsets(\(cluster.billing)) partition \(cluster.orders)-1")

        // The broker answers the partition again: the group is back with both commits.
        proxy.clearOffsetFetchFault(group: cluster.billing)
        let next = try await collector.collect(timeout: .seconds(30))
        #expect(next.groupFailures.isEmpty)
        #expect(next.snapshot.groups.first { $0.id == cluster.billing }?.committedOffsets
            == PartitionMap([TopicPartition(cluster.orders, 0): 2, TopicPartition(cluster.orders, 1): 7]))
    }
}
