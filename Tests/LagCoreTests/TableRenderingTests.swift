@testable import LagCore
import Testing

@Suite struct TableRenderingTests {
    @Test func twoGroupReport() {
        let expected = """
            GROUP       TOPIC     PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  CONSUMER-ID     HOST       CLIENT-ID
            billing     payments  0          100             150             50   -               -          -
            billing     payments  1          -               20              -    -               -          -
            billing: total lag 50, max lag 50 (payments 0), 2 partition(s), 1 without commit, state Empty

            orders-app  orders    0          40              40              0    -               -          -
            orders-app  orders    1          75              90              15   consumer-1-abc  /10.0.0.5  consumer-1
            orders-app: total lag 15, max lag 15 (orders 1), 2 partition(s), state Stable

            """
        #expect(OutputFormat.table.render(Fixtures.twoGroupReport()) == expected)
    }

    @Test func wideCharactersTakeTwoColumnsWhenAligning() {
        let snapshot = ClusterSnapshot(
            cluster: "prod",
            groups: [
                ConsumerGroupSnapshot(
                    id: "注文サービス", state: .stable, members: [],
                    committedOffsets: [TopicPartition("t", 0): 5], topicPartitions: [:]
                ),
                ConsumerGroupSnapshot(
                    id: "billing", state: .stable, members: [],
                    committedOffsets: [TopicPartition("t", 0): 1], topicPartitions: [:]
                ),
            ],
            partitionOffsets: [TopicPartition("t", 0): PartitionOffsets(logStart: 0, logEnd: 7)]
        )
        // Both groups read t-0 (log end 7): billing committed 1 (lag 6), the other 5 (lag 2).
        let expected = """
            GROUP         TOPIC  PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  CONSUMER-ID  HOST  CLIENT-ID
            billing       t      0          1               7               6    -            -     -
            billing: total lag 6, max lag 6 (t 0), 1 partition(s), state Stable

            注文サービス  t      0          5               7               2    -            -     -
            注文サービス: total lag 2, max lag 2 (t 0), 1 partition(s), state Stable

            """
        #expect(OutputFormat.table.render(LagReport(snapshot: snapshot)) == expected)
    }

    @Test func controlCharactersInNamesPrintEscaped() {
        let report = Fixtures.singleRowReport(group: "bad\ngroup", topic: "t\tx", clientId: "\u{1b}[31mred")
        let expected = #"""
            GROUP       TOPIC  PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  CONSUMER-ID  HOST  CLIENT-ID
            bad\ngroup  t\tx   0          3               10              7    c            h     \u{1B}[31mred
            bad\ngroup: total lag 7, max lag 7 (t\tx 0), 1 partition(s), state Stable

            """#
        #expect(OutputFormat.table.render(report) == expected)
    }

    @Test func emptyMemberFieldsPrintAsDash() {
        let report = Fixtures.singleRowReport(group: "g", consumerId: "", host: "", clientId: "")
        let expected = """
            GROUP  TOPIC  PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  CONSUMER-ID  HOST  CLIENT-ID
            g      t      0          3               10              7    -            -     -
            g: total lag 7, max lag 7 (t 0), 1 partition(s), state Stable

            """
        #expect(OutputFormat.table.render(report) == expected)
    }

    @Test(arguments: [0, 1, 7])
    func emptyReportSaysNoGroupMatches(totalGroupCount: Int) {
        #expect(
            OutputFormat.table.render(Fixtures.emptyReport(totalGroupCount: totalGroupCount))
                == "No consumer group matches (\(totalGroupCount) group(s) on cluster prod).\n"
        )
    }

    @Test func groupsWithoutPartitionsPrintNoRows() {
        let snapshot = ClusterSnapshot(
            cluster: "staging",
            groups: [ConsumerGroupSnapshot(id: "idle", state: .empty, members: [], committedOffsets: [:], topicPartitions: [:])],
            partitionOffsets: [:],
            totalGroupCount: 4
        )
        #expect(
            OutputFormat.table.render(LagReport(snapshot: snapshot))
                == "No consumer group matches (4 group(s) on cluster staging).\n"
        )
    }

    /// A group without rows (no commits, or every topic filtered out) sorts
    /// before "billing"; the summary under billing's rows must be billing's.
    @Test func summaryBelongsToTheGroupAboveIt() {
        let snapshot = ClusterSnapshot(
            cluster: "prod",
            groups: [
                ConsumerGroupSnapshot(id: "aaa-idle", state: .empty, members: [], committedOffsets: [:], topicPartitions: [:]),
                ConsumerGroupSnapshot(
                    id: "billing", state: .stable, members: [],
                    committedOffsets: [TopicPartition("t", 0): 4], topicPartitions: [:]
                ),
            ],
            partitionOffsets: [TopicPartition("t", 0): PartitionOffsets(logStart: 0, logEnd: 10)]
        )
        let expected = """
            GROUP    TOPIC  PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  CONSUMER-ID  HOST  CLIENT-ID
            billing  t      0          4               10              6    -            -     -
            billing: total lag 6, max lag 6 (t 0), 1 partition(s), state Stable

            """
        #expect(OutputFormat.table.render(LagReport(snapshot: snapshot)) == expected)
    }

    @Test func summaryOmitsThePartitionWhenMaxLagIsZero() {
        let summary = GroupLagSummary(
            group: "g", state: .stable, partitionCount: 3, measuredPartitionCount: 3, uncommittedPartitionCount: 0,
            totalLag: 0, maxLag: 0, maxLagPartition: TopicPartition("t", 0)
        )
        #expect(TableRenderer.summaryLine(summary) == "g: total lag 0, max lag 0, 3 partition(s), state Stable")
    }

    @Test func summaryCountsPartitionsWithoutCommit() {
        let summary = GroupLagSummary(
            group: "g", state: .empty, partitionCount: 3, measuredPartitionCount: 0, uncommittedPartitionCount: 3,
            totalLag: 0, maxLag: 0, maxLagPartition: nil
        )
        #expect(TableRenderer.summaryLine(summary) == "g: total lag 0, max lag 0, 3 partition(s), 3 without commit, state Empty")
    }

    @Test(arguments: [
        ("", 0),
        ("abc", 3),
        ("注文", 4),
        ("注文-app", 8),
        ("한국", 4),
        ("サービス", 8),
        ("ＡＢ", 4), // fullwidth Latin
        ("ｱ", 1), // halfwidth katakana
        ("🙂", 2),
        ("e\u{301}", 1), // combining acute accent takes no column
        (#"bad\ngroup"#, 10),
    ])
    func displayWidth(text: String, width: Int) {
        #expect(TableRenderer.displayWidth(text) == width)
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("注文", "注文"),
        ("a\nb", #"a\nb"#),
        ("a\tb", #"a\tb"#),
        ("a\rb", #"a\rb"#),
        ("\u{1b}[0m", #"\u{1B}[0m"#),
        ("\u{7f}", #"\u{7F}"#),
    ])
    func printableEscapesControlCharacters(text: String, printed: String) {
        #expect(TableRenderer.printable(text) == printed)
    }
}
