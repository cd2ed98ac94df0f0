import Foundation
import Glibc
import PropertyBased
import PropertyTestSupport
import Testing
@testable import LagCore

/// Hostile group, topic, cluster and member names (quotes, backslashes,
/// newlines, NUL, escape look-alikes, bidirectional overrides, combining marks,
/// East Asian wide characters, emoji sequences, very long runs) against the
/// three places names leave the exporter as text: label-value escaping, the
/// `/metrics` exposition and the `lag` table.
///
/// Every property runs on inputs drawn at a fixed seed (the same inputs on
/// every run, so `make test` is deterministic); `make fuzz` runs them on a
/// fresh seed, prints it, and on a failure shrinks the input and prints the
/// seed that replays it (`checkProperty`, PropertyCheck.swift). Every
/// expectation names the counterexample.
/// The committed corpus (Corpus/exposition/*.txt, one raw name per file) is
/// replayed through the same checks; KafkaLagExporterTests' promtool test
/// feeds it to `promtool check metrics` as well.
@Suite(.timeLimit(PropertySeed.timeLimit(minutes: 3)))
struct HostileInputPropertyTests {
    // MARK: (a) label-value escaping

    @Test func labelValueEscapingRoundTrips() async {
        await checkProperty(count: 150, HostileText.strings) { value in
            Self.expectRoundTrip(value)
        }
    }

    @Test func helpEscapingRoundTrips() async {
        await checkProperty(count: 100, HostileText.strings) { help in
            var bytes: [UInt8] = []
            ExpositionWriter.appendEscapedHelp(help, to: &bytes)
            #expect(!bytes.contains(UInt8(ascii: "\n")), "raw line feed in escaped HELP of \(help.debugDescription)")
            #expect(StrictExpositionParser.unescapeHelp(bytes) == help, "HELP \(help.debugDescription)")
        }
    }

    /// Escaping examples, written out: what Prometheus' parser must read back.
    @Test(arguments: [
        (#"a"b"#, #"a\"b"#),
        (#"a\b"#, #"a\\b"#),
        ("a\nb", #"a\nb"#),
        (#"a\nb"#, #"a\\nb"#), // a backslash and an n, not a line feed
        (#"\""#, #"\\\""#),
        ("tab\tcr\rnul\u{0}", "tab\tcr\rnul\u{0}"), // only \, " and line feed are escaped
        ("注文 👨‍👩‍👧 e\u{301}", "注文 👨‍👩‍👧 e\u{301}"),
    ])
    func escapedLabelValue(value: String, escaped: String) {
        #expect(Self.escaped(value) == escaped)
        Self.expectRoundTrip(value)
    }

    // MARK: (b) the exposition

    @Test func expositionOfHostileNamesParsesStrictly() async {
        let input = zip(HostileText.strings.array(of: 1...5), HostileText.strings.array(of: 1...3), HostileText.strings)
        await checkProperty(count: 40, input) { groups, topics, cluster in
            Self.expectStrictExposition(groups: groups, topics: topics, cluster: cluster)
        }
    }

    @Test func expositionOfKafkaTopicNamesParsesStrictly() async {
        let input = zip(HostileText.strings.array(of: 1...4), HostileText.topicNames.array(of: 1...4))
        await checkProperty(count: 30, input) { groups, topics in
            Self.expectStrictExposition(groups: groups, topics: topics, cluster: "prod")
        }
    }

    /// Canonically equivalent ids are different Kafka groups (Kafka compares
    /// bytes) although Swift's `==` calls them equal: two groups, two series each.
    @Test func canonicallyEquivalentGroupIdsStayTwoGroups() throws {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        let snapshot = HostileSnapshot.make(cluster: "prod", groups: [composed, decomposed], topics: ["t"])
        let text = MetricsExposition.render(
            clusters: [ClusterMetricsState(cluster: "prod", snapshot: snapshot)], process: HostileSnapshot.process)
        let samples = try StrictExpositionParser.parse(text).samples
        let lagGroups = samples.filter { $0.name == "kafka_consumergroup_group_lag" }.compactMap { $0.label("group") }
        #expect(lagGroups.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) } == [
            Array(composed.utf8), Array(decomposed.utf8),
        ].sorted { $0.lexicographicallyPrecedes($1) })

        let table = TableRenderer.render(LagReport(snapshot: snapshot))
        let summaries = table.split(separator: "\n").filter { $0.contains(": total lag") }
        #expect(summaries.count == 2, "\(table)")
        #expect(summaries.contains { $0.utf8.starts(with: composed.utf8) })
        #expect(summaries.contains { $0.utf8.starts(with: decomposed.utf8) })
    }

    // MARK: (c) the table

    @Test func tableOfHostileNamesStaysAligned() async {
        let input = zip(
            HostileText.terminalStrings.array(of: 1...4), HostileText.terminalStrings.array(of: 1...3),
            HostileText.terminalStrings)
        await checkProperty(count: 40, input) { groups, topics, member in
            let snapshot = HostileSnapshot.make(cluster: "prod", groups: groups, topics: topics, member: member)
            Self.expectAlignedTable(LagReport(snapshot: snapshot))
        }
    }

    /// The counterexample `tableOfHostileNamesStaysAligned` found and shrank:
    /// a topic made of U+0CC0 KANNADA VOWEL SIGN II (a spacing mark) after an
    /// empty group.
    @Test func spacingMarkTopicAfterEmptyGroupStaysAligned() {
        let snapshot = HostileSnapshot.make(cluster: "prod", groups: [""], topics: ["\u{0CC0}"], member: "m")
        Self.expectAlignedTable(LagReport(snapshot: snapshot))
    }

    /// Per scalar, ``TerminalText`` agrees with glibc's `wcwidth` (the oracle)
    /// on every printable scalar both know (Unicode 14).
    @Test func scalarWidthsAgreeWithWcwidth() {
        let disagreements = TerminalOracle.measure { oracle in
            var disagreements: [String] = []
            for value in UInt32(0)...0x10FFFF {
                // U+1171E AHOM CONSONANT SIGN MEDIAL RA became a spacing mark in Unicode 15.
                guard let scalar = Unicode.Scalar(value), !HostileText.isNewerThanOracle(scalar),
                      !HostileText.mustBeEscaped(scalar), value != 0x1171E else { continue }
                let expected = oracle(String(scalar))
                if TerminalText.width(scalar) != expected {
                    disagreements.append("U+\(String(value, radix: 16, uppercase: true)) \(TerminalText.width(scalar)) vs \(expected ?? -1)")
                }
            }
            return disagreements
        }
        #expect(disagreements.isEmpty, "\(disagreements.count): \(disagreements.prefix(40))")
    }

    @Test(arguments: [
        ("\u{202E}evil", #"\u{202E}evil"#), // right-to-left override
        ("a\u{2028}b\u{2029}c", #"a\u{2028}b\u{2029}c"#), // line and paragraph separators
        ("zero\u{200B}width", #"zero\u{200B}width"#),
        ("bom\u{FEFF}", #"bom\u{FEFF}"#),
        ("nul\u{0}", #"nul\0"#),
        ("c1\u{85}\u{9B}", #"c1\u{0085}\u{009B}"#),
        ("nonchar\u{FFFF}", #"nonchar\u{FFFF}"#),
        ("👨‍👩‍👧", "👨‍👩‍👧"), // the joiner stays
        ("🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"), // tag characters stay
    ])
    func printableEscapesInvisibleCharacters(text: String, printed: String) {
        #expect(TableRenderer.printable(text) == printed)
    }

    @Test(arguments: [
        ("👨‍👩‍👧", 2), ("🇩🇪", 2), ("🇩", 1), ("❤️", 2), ("❤", 1), ("👍🏽", 2), ("1️⃣", 2),
        ("\u{1100}\u{1161}\u{11A8}", 2), ("\u{301}", 0), ("a\u{20DD}", 1), ("\u{3000}", 2), ("䷀", 2),
    ])
    func clusterWidths(text: String, width: Int) {
        #expect(TableRenderer.displayWidth(text) == width)
        #expect(TerminalOracle.width(text) == width)
    }

    // MARK: The committed corpus

    @Test func corpusNamesSurviveEscapingExpositionAndTable() throws {
        let names = try HostileCorpus.names()
        #expect(names.count >= 20)
        for (file, name) in names {
            Self.expectRoundTrip(name, file)
            Self.expectStrictExposition(groups: [name, "plain"], topics: [name, "orders"], cluster: name, file)
        }
        let all = names.map(\.name)
        Self.expectStrictExposition(groups: all, topics: all, cluster: "prod")
        let terminal = all.map { String($0.unicodeScalars.map { HostileText.isNewerThanOracle($0) ? "?" : Character($0) }) }
        Self.expectAlignedTable(LagReport(snapshot: HostileSnapshot.make(
            cluster: "prod", groups: terminal, topics: Array(terminal.prefix(3)), member: terminal[0])))
        // Each name in every column: group (first on its line), and topic,
        // consumer id, host and client id after an empty group's padding, where
        // a leading mark would merge into the padding.
        for name in terminal {
            Self.expectAlignedTable(LagReport(snapshot: HostileSnapshot.make(
                cluster: "prod", groups: ["", name], topics: [name, "orders"], member: name)))
        }
    }

    /// Thousands of labels: 2,000 constant labels on every series of a
    /// cluster (3 groups), and 5,000 groups on another.
    @Test func thousandsOfLabelsAndGroupsStayStrict() throws {
        let labels = (0..<2000).map { ("label_\($0)", "value \"\($0)\"\n\\") }
        let wide = HostileSnapshot.make(cluster: "wide", groups: ["a\"", "b\\", "c\n"], topics: ["t"])
        let many = HostileSnapshot.make(cluster: "many", groups: (0..<5000).map { "group-\($0)-\"\\\n" }, topics: ["t"])
        let text = MetricsExposition.render(
            clusters: [
                ClusterMetricsState(cluster: "wide", labels: labels, snapshot: wide),
                ClusterMetricsState(cluster: "many", labels: [("env", "x")], snapshot: many),
            ],
            process: HostileSnapshot.process)
        let lag = try StrictExpositionParser.parse(text).samples.filter { $0.name == "kafka_consumergroup_group_lag" }
        #expect(lag.count == 5003)
        let wideLag = lag.filter { $0.label("cluster_name") == "wide" }
        #expect(wideLag.count == 3)
        #expect(wideLag.allSatisfy { $0.labels.count == 7 + 2000 && $0.label("label_1999") == "value \"1999\"\n\\" })
    }

    // MARK: Checks

    static func escaped(_ value: String) -> String {
        var bytes: [UInt8] = []
        ExpositionWriter.appendEscapedLabelValue(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func expectRoundTrip(_ value: String, _ context: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        var bytes: [UInt8] = []
        ExpositionWriter.appendEscapedLabelValue(value, to: &bytes)
        #expect(!bytes.contains(UInt8(ascii: "\n")), "raw line feed in \(value.debugDescription) \(context)", sourceLocation: sourceLocation)
        let unescaped = StrictExpositionParser.unescapeLabelValue(bytes)
        #expect(
            unescaped.map { Array($0.utf8) } == Array(value.utf8),
            "escaping does not round-trip: \(value.debugDescription) → \(String(decoding: bytes, as: UTF8.self).debugDescription) \(context)",
            sourceLocation: sourceLocation)
    }

    /// Renders a snapshot of `groups` × `topics` on `cluster` (also a constant
    /// label's value) and parses it strictly; every group's lag series carries
    /// exactly the group's, topic's and cluster's bytes and the expected lag.
    static func expectStrictExposition(
        groups: [String], topics: [String], cluster: String, _ context: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let snapshot = HostileSnapshot.make(cluster: cluster, groups: groups, topics: topics, member: cluster)
        let state = ClusterMetricsState(cluster: cluster, labels: [("env", cluster)], snapshot: snapshot)
        let text = MetricsExposition.render(clusters: [state], process: HostileSnapshot.process)
        let counterexample = "groups \(groups.map(\.debugDescription)), topics \(topics.map(\.debugDescription)), cluster \(cluster.debugDescription) \(context)"
        let parsed: (families: [StrictExpositionParser.Family], samples: [StrictExpositionParser.Sample])
        do {
            parsed = try StrictExpositionParser.parse(text)
        } catch {
            Issue.record("\(error) for \(counterexample)", sourceLocation: sourceLocation)
            return
        }
        let known = Set(MetricsExposition.families.map(\.name))
        #expect(parsed.families.allSatisfy { known.contains($0.name) }, "\(counterexample)", sourceLocation: sourceLocation)

        var expected: [[UInt8]: Int64] = [:]
        for group in snapshot.groups {
            for (partition, committed) in group.committedOffsets {
                let logEnd = snapshot.partitionOffsets[partition]?.logEnd ?? 0
                expected[Array(group.id.utf8) + [0] + Array(partition.topic.utf8)] = logEnd - committed
            }
        }
        var seen: [[UInt8]: Int64] = [:]
        for sample in parsed.samples where sample.name == "kafka_consumergroup_group_lag" {
            guard let group = sample.label("group"), let topic = sample.label("topic") else {
                Issue.record("lag sample without group or topic: \(sample)", sourceLocation: sourceLocation)
                continue
            }
            #expect(Array((sample.label("cluster_name") ?? "").utf8) == Array(cluster.utf8), "\(counterexample)", sourceLocation: sourceLocation)
            #expect(Array((sample.label("env") ?? "").utf8) == Array(cluster.utf8), "\(counterexample)", sourceLocation: sourceLocation)
            seen[Array(group.utf8) + [0] + Array(topic.utf8)] = Int64(sample.value)
        }
        #expect(seen == expected, "lag series differ for \(counterexample)", sourceLocation: sourceLocation)
    }

    /// The table's rows: every cell starts at its header's column (measured by
    /// the glibc oracle), at least two spaces apart, names escaped exactly as
    /// the spec says, no cell merged with its padding into one grapheme
    /// cluster, and no character left that a terminal would not print as
    /// itself.
    static func expectAlignedTable(_ report: LagReport, sourceLocation: SourceLocation = #_sourceLocation) {
        let output = TableRenderer.render(report)
        let counterexample = "groups \(report.summaries.map(\.group.debugDescription)), rows \(report.rows.map { ($0.topic.debugDescription, $0.consumerId?.debugDescription ?? "-") })"
        let lines = output.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        guard let header = lines.first else {
            Issue.record("empty table", sourceLocation: sourceLocation)
            return
        }
        for line in lines {
            if let bad = line.first(where: HostileText.mustBeEscaped) {
                Issue.record("raw U+\(String(bad.value, radix: 16)) in table for \(counterexample)", sourceLocation: sourceLocation)
                return
            }
            if TerminalOracle.width(String(String.UnicodeScalarView(line))) == nil {
                Issue.record("unprintable line \(String(String.UnicodeScalarView(line)).debugDescription)", sourceLocation: sourceLocation)
                return
            }
        }
        // Column starts from the (ASCII) header.
        var starts: [Int] = []
        for (offset, scalar) in header.enumerated() where scalar != " " && (offset == 0 || header[offset - 1] == " ") {
            starts.append(offset)
        }
        #expect(starts.count == TableRenderer.headers.count, sourceLocation: sourceLocation)

        func cell(_ value: String?) -> String {
            guard let value, !value.isEmpty else { return "-" }
            return HostileText.printable(value)
        }
        var lineIndex = 1
        for (index, row) in report.rows.enumerated() {
            let cells = [
                HostileText.printable(row.group), HostileText.printable(row.topic), String(row.partition),
                row.committedOffset.map(String.init) ?? "-", row.logEndOffset.map(String.init) ?? "-",
                row.lag.map(String.init) ?? "-", cell(row.consumerId), cell(row.host), cell(row.clientId),
            ]
            guard lineIndex < lines.count else {
                Issue.record("missing row \(index) for \(counterexample)", sourceLocation: sourceLocation)
                return
            }
            let line = lines[lineIndex]
            let boundaries = Self.characterBoundaries(line)
            let shown = { String(String.UnicodeScalarView(line)).debugDescription.prefix(600) }
            var position = 0
            var width = 0 // columns up to `position`, by the oracle
            for (column, text) in cells.enumerated() {
                let expected = Array(text.unicodeScalars)
                guard line[position...].starts(with: expected) else {
                    Issue.record(
                        "row \(index) column \(column): expected \(text.debugDescription) at \(position) in \(shown()) for \(counterexample)",
                        sourceLocation: sourceLocation)
                    return
                }
                // A cell is whole grapheme clusters: none spans it and its padding.
                guard boundaries.contains(position), boundaries.contains(position + expected.count) else {
                    Issue.record(
                        "row \(index) column \(column): \(text.debugDescription) merges with its neighbour into one grapheme cluster in \(shown()) for \(counterexample)",
                        sourceLocation: sourceLocation)
                    return
                }
                position += expected.count
                if column == cells.count - 1 {
                    #expect(position == line.count, "trailing text in row \(index)", sourceLocation: sourceLocation)
                    break
                }
                // The padding reaches exactly the next header column. Cells are
                // whole clusters, so the line's width is the sum of theirs.
                guard let cellWidth = TerminalOracle.width(text) else { return }
                width += cellWidth
                let padding = starts[column + 1] - width
                #expect(padding >= 2, "row \(index) column \(column) ends at \(width), next column at \(starts[column + 1]): \(shown())",
                        sourceLocation: sourceLocation)
                guard padding >= 2, line[position...].prefix(padding).allSatisfy({ $0 == " " }) else {
                    Issue.record("row \(index) column \(column + 1) does not start at \(starts[column + 1]): \(shown())", sourceLocation: sourceLocation)
                    return
                }
                position += padding
                width += padding
            }
            lineIndex += 1
            let isLastOfGroup = index == report.rows.count - 1 || !report.rows[index + 1].group.utf8.elementsEqual(row.group.utf8)
            if isLastOfGroup {
                let summary = String(String.UnicodeScalarView(lines[lineIndex]))
                let group = HostileText.printable(row.group)
                #expect(summary.utf8.starts(with: (group + ": total lag ").utf8),
                        "summary \(summary.debugDescription) for \(counterexample)", sourceLocation: sourceLocation)
                #expect(Self.characterBoundaries(lines[lineIndex]).contains(group.unicodeScalars.count),
                        "the group merges with the colon in \(summary.debugDescription)", sourceLocation: sourceLocation)
                lineIndex += index == report.rows.count - 1 ? 1 : 2
            }
        }
        #expect(lineIndex == lines.count - 1 && lines.last == [], "lines after the last row for \(counterexample)", sourceLocation: sourceLocation)
    }

    /// Scalar offsets in `line` at which a `Character` starts or ends.
    static func characterBoundaries(_ line: [Unicode.Scalar]) -> Set<Int> {
        var offsets: Set<Int> = [0]
        var offset = 0
        for character in String(String.UnicodeScalarView(line)) {
            offset += character.unicodeScalars.count
            offsets.insert(offset)
        }
        return offsets
    }
}

/// Hostile strings for property tests, built from random 64-bit draws (so
/// that the library's array shrinking removes whole pieces).
enum HostileText {
    static let tokens: [String] = [
        "\"", "\\", "\n", "\r", "\r\n", "\t", "\u{0}", "\u{1B}[31m", "\u{7F}", "\u{85}", "\u{9B}", "\u{2028}", "\u{2029}",
        "\u{202E}", "\u{2066}", "\u{200B}", "\u{FEFF}", "\u{AD}", "\u{600}",
        #"\n"#, #"\""#, #"\\"#, #"\u{41}"#, #"\x41"#, #"\"#, #"\\\"#, "\"\"", #"\""#,
        "{", "}", "=", ",", " ", "  ", "#", "# HELP x y", "%22", "%", "'", "`", "$(id)", "\",evil=\"1",
        "é", "e\u{301}", "\u{301}", "a\u{301}\u{302}\u{303}\u{304}", "\u{20DD}",
        "中", "文字", "한국어", "\u{1100}\u{1161}\u{11A8}", "ｱ", "Ａ", "\u{3000}",
        "🙂", "👍🏽", "👨‍👩‍👧", "🇩🇪", "❤️", "1️⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "\u{1F1E6}",
        "\u{E000}", "\u{10FFFD}", "\u{FFFD}", "\u{FFFF}", "\u{FFFE}", "\u{E0001}",
        "ǅ", "ß", "İ", "Ω", "Å",
    ]

    /// Any text, Unicode scalars of every age included.
    static let strings = Gen<UInt64>.value().array(of: 0...20).map { HostileText.string($0, forTerminal: false) }

    /// Text whose printable scalars glibc's `wcwidth` knows (the table's width
    /// oracle is Unicode 14); newer scalars become `?`.
    static let terminalStrings = Gen<UInt64>.value().array(of: 0...20).map { HostileText.string($0, forTerminal: true) }

    /// Legal Kafka topic names: 1 to 249 characters of `[a-zA-Z0-9._-]`, not `.` or `..`.
    static let topicNames = Gen<UInt64>.value().array(of: 1...249).map { draws in
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        let name = String(draws.map { alphabet[Int($0 % UInt64(alphabet.count))] })
        return name == "." || name == ".." ? "t" + name : name
    }

    static func string(_ draws: [UInt64], forTerminal: Bool) -> String {
        draws.map { piece($0, forTerminal: forTerminal) }.joined()
    }

    /// One piece: printable ASCII, a hostile token, any scalar (biased to the
    /// BMP and the emoji plane), or a long run of a token (128 to 2,000 characters).
    static func piece(_ draw: UInt64, forTerminal: Bool) -> String {
        let payload = draw >> 8
        switch draw & 0xFF {
        case 0..<90:
            return String(Unicode.Scalar(UInt8(0x20 + payload % 95)))
        case 90..<170:
            return tokens[Int(payload % UInt64(tokens.count))]
        case 170..<250:
            let ranges: [ClosedRange<UInt32>] = [0...0xFFFF, 0...0xFFFF, 0x10000...0x1FFFF, 0...0x10FFFF]
            let range = ranges[Int(payload % 4)]
            let value = range.lowerBound + UInt32((payload >> 2) % UInt64(range.count))
            guard let scalar = Unicode.Scalar(value) else { return "\u{FFFD}" }
            return forTerminal && isNewerThanOracle(scalar) ? "?" : String(scalar)
        default:
            return String(repeating: tokens[Int(payload % UInt64(tokens.count))] + "x", count: 64 + Int((payload >> 8) % 256))
        }
    }

    /// Assigned after Unicode 14, the version of the glibc width oracle.
    static func isNewerThanOracle(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major > 14
    }

    /// The spec of the table's escaping: control characters, line and
    /// paragraph separators, unassigned code points and format characters
    /// other than the emoji joiner and emoji tags.
    static func mustBeEscaped(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator, .unassigned, .surrogate: true
        case .format: scalar.value != 0x200D && !(0xE0020...0xE007F).contains(scalar.value)
        default: false
        }
    }

    /// The text the table must show for `text`: what ``mustBeEscaped(_:)``
    /// names escaped, and so are a first scalar that would join the character
    /// before the name (a mark, ZWJ, a variation selector: any scalar that forms
    /// one `Character` with a preceding letter) or that glibc draws in no
    /// column of its own (Hangul medial vowels and final consonants, U+1160 to
    /// U+11FF, U+D7B0 to U+D7FF), and a last scalar that would join the
    /// character after it (Prepend).
    static func printable(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var output = ""
        for (offset, scalar) in scalars.enumerated() {
            let isHangulVowelOrFinal = (0x1160...0x11FF).contains(scalar.value) || (0xD7B0...0xD7FF).contains(scalar.value)
            let joinsBefore = offset == 0 && (("x" + String(scalar)).count == 1 || isHangulVowelOrFinal)
            let joinsAfter = offset == scalars.count - 1 && (String(scalar) + "x").count == 1
            if mustBeEscaped(scalar) || joinsBefore || joinsAfter {
                output += scalar.escaped(asASCII: true)
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}

/// Terminal width as glibc's `wcwidth` sees it (C.UTF-8, per thread), per
/// grapheme cluster: the sum of its scalars' `wcwidth`, or two for an emoji
/// sequence (UTS #51: two regional indicators, or an emoji followed by U+FE0F,
/// a skin-tone modifier, U+200D and another emoji, or tag characters).
/// nil when a scalar is not printable.
///
/// The sum, not the widest scalar: a terminal that uses `wcwidth` advances the
/// cursor by each scalar's width, and glibc gives every spacing mark (Mc:
/// U+0CC0 KANNADA VOWEL SIGN II, U+093E DEVANAGARI VOWEL SIGN AA, U+0BBE TAMIL
/// VOWEL SIGN AA) one column, so KA + II takes two. The widest scalar (this
/// oracle until the U+0CC0 counterexample) dropped that column: it measured a
/// padding space fused with a leading U+0CC0 as one column, the table had
/// drawn two. Emoji sequences are the exception, drawn as one picture by the
/// terminals that show them (`wcwidth` alone knows no sequences).
enum TerminalOracle {
    static func width(_ text: String) -> Int? {
        measure { width in width(text) }
    }

    /// Runs `body` with a width function bound to glibc's `wcwidth` in C.UTF-8
    /// (the locale is set for this thread only, and restored).
    static func measure<T>(_ body: ((String) -> Int?) -> T) -> T {
        // glibc's wcwidth, which the Glibc module does not import (it needs _XOPEN_SOURCE).
        let symbol = dlsym(nil, "wcwidth")!
        let wcwidth = unsafeBitCast(symbol, to: (@convention(c) (wchar_t) -> Int32).self)
        let locale = newlocale(Int32(1) << LC_CTYPE, "C.UTF-8", nil)!
        let previous = uselocale(locale)
        defer {
            uselocale(previous)
            freelocale(locale)
        }
        return body { text in
            var total = 0
            for character in text {
                var sum = 0
                for scalar in character.unicodeScalars {
                    let width = Int(wcwidth(wchar_t(bitPattern: scalar.value)))
                    guard width >= 0 else { return nil }
                    sum += width
                }
                total += isEmojiSequence(character) ? 2 : sum
            }
            return total
        }
    }

    static func isEmojiSequence(_ character: Character) -> Bool {
        let scalars = Array(character.unicodeScalars)
        guard scalars.count >= 2 else { return false }
        let isRegionalIndicator = { (scalar: Unicode.Scalar) in (0x1F1E6...0x1F1FF).contains(scalar.value) }
        if isRegionalIndicator(scalars[0]) { return isRegionalIndicator(scalars[1]) }
        guard scalars[0].properties.isEmoji else { return false }
        let rest = scalars.dropFirst()
        return rest.contains("\u{FE0F}") || rest.contains { $0.properties.isEmojiModifier }
            || rest.contains { (0xE0020...0xE007F).contains($0.value) }
            || zip(rest, rest.dropFirst()).contains { $0.0 == "\u{200D}" }
    }
}

/// Snapshots made of given names.
enum HostileSnapshot {
    static let process = ProcessMetrics(version: "0.0.0", librdkafkaVersion: "2.8.0")

    /// Every group commits partition 0 of every topic: group number g (input
    /// order) at 10·g + t for topic number t, log end 1000 + t, so the lag is
    /// 1000 − 10·g. Repeated groups (same bytes) and topics equal under
    /// Swift's `==` are dropped (a Kafka cluster's topics are ASCII, so no two
    /// are canonically equivalent; groups are bytes, as in Kafka). With a
    /// member name, one member owns each group's first partition, with that
    /// name as consumer id, host and client id.
    static func make(cluster: String, groups: [String], topics: [String], member: String? = nil) -> ClusterSnapshot {
        var uniqueTopics: [String] = []
        for topic in topics where !uniqueTopics.contains(topic) { uniqueTopics.append(topic) }
        var uniqueGroups: [String] = []
        for group in groups where !uniqueGroups.contains(where: { $0.utf8.elementsEqual(group.utf8) }) {
            uniqueGroups.append(group)
        }
        var offsets: [TopicPartition: PartitionOffsets] = [:]
        for (index, topic) in uniqueTopics.enumerated() {
            offsets[TopicPartition(topic, 0)] = PartitionOffsets(logStart: 0, logEnd: 1000 + Int64(index))
        }
        let topicPartitions = Dictionary(uniqueKeysWithValues: uniqueTopics.map { ($0, [Int32(0)]) })
        let snapshots = uniqueGroups.enumerated().map { groupIndex, group in
            var committed: [TopicPartition: Int64] = [:]
            for (topicIndex, topic) in uniqueTopics.enumerated() {
                committed[TopicPartition(topic, 0)] = Int64(10 * groupIndex + topicIndex)
            }
            let members = member.map { name in
                [GroupMember(consumerId: name, clientId: name, host: name, assignment: [TopicPartition(uniqueTopics[0], 0)])]
            } ?? []
            return ConsumerGroupSnapshot(
                id: group, state: .stable, members: members, committedOffsets: committed, topicPartitions: topicPartitions)
        }
        return ClusterSnapshot(cluster: cluster, groups: snapshots, partitionOffsets: offsets)
    }
}

/// The committed corpus of hostile names: Corpus/exposition/*.txt, one raw
/// name per file (bytes as they are, no trailing newline; invalid UTF-8 is
/// read as the exporter reads it from librdkafka, with U+FFFD).
enum HostileCorpus {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Corpus/exposition")

    static func names() throws -> [(file: String, name: String)] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".txt") }.sorted()
        return try files.map { file in
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            return (file, String(decoding: data, as: UTF8.self))
        }
    }
}
