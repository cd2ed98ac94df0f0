@testable import LagCore
import Testing

/// ``TerminalText`` with exact expectations: the width of each kind of grapheme
/// cluster, the names that would merge into the cell next to them, and whole
/// tables. Every width is also checked against glibc's `wcwidth` oracle
/// (`TerminalOracle` in HostileInputPropertyTests).
@Suite struct TerminalTextTests {
    @Test(arguments: [
        // Spacing marks (Mc) take a column of their own, in a cluster or alone.
        ("\u{0CC0}", 1), // KANNADA VOWEL SIGN II
        ("\u{0C95}\u{0CC0}", 2), // KA + II: one cluster
        ("\u{0915}\u{093E}", 2), // DEVANAGARI KA + AA
        ("\u{0B95}\u{0BBE}", 2), // TAMIL KA + AA (Grapheme_Extend, still Mc)
        ("\u{0915}\u{094D}\u{0937}", 2), // क्ष: KA + VIRAMA + SSA, one cluster
        ("\u{0E01}\u{0E33}", 2), // THAI KO KAI + SARA AM (a spacing letter)
        // Combining marks take none.
        ("e\u{301}", 1),
        ("a\u{301}\u{302}\u{303}", 1),
        ("\u{301}", 0),
        ("a\u{20DD}", 1), // enclosing circle
        // East Asian wide and fullwidth take two, halfwidth one.
        ("中", 2), ("文字", 4), ("한국어", 6), ("\u{1100}\u{1161}\u{11A8}", 2), ("Ａ", 2), ("\u{3000}", 2), ("ｱ", 1),
        // Emoji sequences are one two-column picture.
        ("🙂", 2),
        ("👨‍👩‍👧", 2), // ZWJ sequence
        ("🏳️‍🌈", 2), // VS16 + ZWJ, a narrow base
        ("👍🏽", 2), // skin-tone modifier
        ("❤️", 2), ("❤", 1), // emoji + VS16, text default
        ("1️⃣", 2), // keycap
        ("❤︎", 1), ("⌚︎", 2), ("⌚", 2), // text + VS15: the base's width
        ("🇩🇪", 2), ("🇩🇪🇫🇷", 4), ("🇩", 1), // flags, a lone regional indicator
        ("🏴󠁧󠁢󠁳󠁣󠁴󠁿", 2), // tag sequence
        // Escaped text is ASCII.
        (#"\u{0CC0}"#, 8),
    ])
    func clusterWidth(text: String, width: Int) {
        #expect(TerminalText.width(text) == width)
        #expect(TerminalOracle.width(text) == width)
    }

    @Test(arguments: [
        // The first scalar would join the preceding padding or colon.
        ("\u{0CC0}", #"\u{0CC0}"#),
        ("\u{0CC0}x", #"\u{0CC0}x"#),
        ("\u{093E}", #"\u{093E}"#),
        ("\u{0BBE}", #"\u{0BBE}"#),
        ("\u{0E33}", #"\u{0E33}"#), // Thai SARA AM: SpacingMark, a letter
        ("\u{301}x", #"\u{0301}x"#),
        ("\u{301}\u{302}x", "\\u{0301}\u{302}x"), // the second mark sits on the `}`
        ("\u{20DD}", #"\u{20DD}"#),
        ("\u{200D}👍", #"\u{200D}👍"#),
        ("\u{FE0F}x", #"\u{FE0F}x"#),
        ("\u{FE0E}x", #"\u{FE0E}x"#),
        ("\u{1F3FD}", #"\u{0001F3FD}"#), // a skin-tone modifier on its own
        ("\u{E0067}x", #"\u{000E0067}x"#), // a tag character
        ("\u{1161}", #"\u{1161}"#), // a Hangul medial vowel: no column of its own
        // The last scalar would join what follows (Prepend).
        ("x\u{0D4E}", #"x\u{0D4E}"#),
        ("\u{0D4E}", #"\u{0D4E}"#),
        // The same scalars inside a name stay.
        ("\u{0C95}\u{0CC0}", "\u{0C95}\u{0CC0}"),
        ("e\u{301}", "e\u{301}"),
        ("\u{0D4E}\u{0D15}", "\u{0D4E}\u{0D15}"),
        ("👍🏽", "👍🏽"),
        ("\u{1100}\u{1161}", "\u{1100}\u{1161}"),
        ("x\u{200D}", "x\u{200D}"), // a trailing joiner joins nothing that follows
    ])
    func nameIsShownWhole(name: String, printed: String) {
        #expect(TerminalText.printable(name) == printed)
        #expect(HostileText.printable(name) == printed)
    }

    /// The counterexample the property test found and shrank: group "", topic
    /// U+0CC0. The topic used to be drawn on the group column's padding.
    @Test func spacingMarkTopicAfterEmptyGroup() {
        let snapshot = HostileSnapshot.make(cluster: "prod", groups: [""], topics: ["\u{0CC0}"], member: "m")
        let expected = #"""
            GROUP  TOPIC     PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG   CONSUMER-ID  HOST  CLIENT-ID
                   \u{0CC0}  0          0               1000            1000  m            m     m
            : total lag 1000, max lag 1000 (\u{0CC0} 0), 1 partition(s), state Stable

            """#
        #expect(TableRenderer.render(LagReport(snapshot: snapshot)) == expected)
    }

    /// A mark at the start of the group, topic, consumer id, host and client id:
    /// each cell starts with the escaped mark, in its column.
    @Test func markAtTheStartOfEveryName() {
        let topic = "\u{0CC0}orders"
        let member = GroupMember(
            consumerId: "\u{200D}consumer", clientId: "\u{FE0F}client", host: "\u{0BBE}host",
            assignment: [TopicPartition(topic, 0)])
        let group = ConsumerGroupSnapshot(
            id: "\u{301}group", state: .stable, members: [member],
            committedOffsets: [TopicPartition(topic, 0): 5], topicPartitions: [topic: [0]])
        let snapshot = ClusterSnapshot(
            cluster: "prod", groups: [group], partitionOffsets: [TopicPartition(topic, 0): PartitionOffsets(logStart: 0, logEnd: 7)])
        let report = LagReport(snapshot: snapshot)
        let expected = #"""
            GROUP          TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  CONSUMER-ID       HOST          CLIENT-ID
            \u{0301}group  \u{0CC0}orders  0          5               7               2    \u{200D}consumer  \u{0BBE}host  \u{FE0F}client
            \u{0301}group: total lag 2, max lag 2 (\u{0CC0}orders 0), 1 partition(s), state Stable

            """#
        #expect(TableRenderer.render(report) == expected)
        HostileInputPropertyTests.expectAlignedTable(report)
        // `lag --watch` shows the group the same way.
        #expect(WatchRenderer.render(report, title: "prod").contains("\n\\u{0301}group  "))
    }

    /// Clusters that take more or fewer columns than scalars: each topic's
    /// padding makes up for its width, so the next cell starts at column 14.
    @Test func clustersOfEveryKindStayAligned() {
        let topics = ["\u{0C95}\u{0CC0}", "e\u{301}", "中文", "👨‍👩‍👧", "❤️", "❤︎", "🇩🇪", "क्ष", "x\u{0D4E}"]
        let report = LagReport(snapshot: HostileSnapshot.make(cluster: "prod", groups: [""], topics: topics))
        // Columns: e + U+0301 and ❤︎ take one, 中文 four, the others two (KA + II too).
        let expected = #"""
            GROUP  TOPIC      PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG   CONSUMER-ID  HOST  CLIENT-ID
                   x\u{0D4E}  0          8               1008            1000  -            -     -
                   é          0          1               1001            1000  -            -     -
                   क्ष         0          7               1007            1000  -            -     -
                   ಕೀ         0          0               1000            1000  -            -     -
                   ❤︎          0          5               1005            1000  -            -     -
                   ❤️         0          4               1004            1000  -            -     -
                   中文       0          2               1002            1000  -            -     -
                   🇩🇪         0          6               1006            1000  -            -     -
                   👨‍👩‍👧         0          3               1003            1000  -            -     -
            : total lag 9000, max lag 1000 (x\u{0D4E} 0), 9 partition(s), state Stable

            """#
        #expect(TableRenderer.render(report) == expected)
        HostileInputPropertyTests.expectAlignedTable(report)
    }
}
