import Foundation
import PropertyBased
import PropertyTestSupport
import Testing
import Yams
@testable import KafkaLagExporter

/// Hostile configuration files: whatever the text, `ExporterConfiguration`
/// answers with a configuration or a ``ConfigurationError`` that names a key
/// (or the file), without crashing, hanging or echoing a secret. (A parse that
/// blew up, e.g. on an alias bomb, would end in the suite's time limit; how
/// fast a parse is is not checked here: docs/benchmarks.md.)
///
/// The committed corpus (Corpus/config/*.yaml: alias bombs, deep nesting,
/// huge numbers, wrong types, duplicate and Unicode keys, invalid regexes,
/// secret references to devices) is replayed file by file through
/// `ExporterConfiguration.load(file:)` with its exact expected outcome;
/// generated YAML (token soup and a valid skeleton with hostile values) runs
/// through `parse(yaml:)` as a property (at a fixed seed; `make fuzz` draws
/// from fresh seeds: `checkProperty`, PropertyCheck.swift).
@Suite(.timeLimit(PropertySeed.timeLimit(minutes: 5)))
struct HostileConfigurationTests {
    enum Outcome: Equatable, CustomStringConvertible {
        case valid
        /// The error's key, and a piece of its message.
        case error(key: String, message: String)

        var description: String {
            switch self {
            case .valid: "valid"
            case .error(let key, let message): "error(\(key.debugDescription), \(message.debugDescription))"
            }
        }
    }

    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus/config")

    /// The outcome of every corpus file; `FILE` stands for the file's path.
    static let expected: [String: Outcome] = [
        "anchor-shared-properties.yaml": .error(key: "FILE", message: "aliases"),
        "bidi-key.yaml": .error(key: #""\u{202E}port""#, message: "unknown key"),
        "billion-laughs-alias-key.yaml": .error(key: "FILE", message: "aliases"),
        "billion-laughs-keys.yaml": .error(key: "FILE", message: "aliases"),
        "billion-laughs-values.yaml": .error(key: "FILE", message: "aliases"),
        "binary-tag.yaml": .error(key: "port", message: "must be an integer"),
        "bom-crlf.yaml": .valid,
        "control-characters.yaml": .error(key: "FILE", message: "not valid YAML"),
        "deep-nesting-900.yaml": .error(key: "clusters[0]", message: "must be a mapping"),
        "deep-nesting-block-sequence.yaml": .error(key: "FILE", message: "not valid YAML"),
        "deep-nesting-flow-mapping.yaml": .error(key: "FILE", message: "not valid YAML"),
        "deep-nesting-flow-sequence.yaml": .error(key: "FILE", message: "not valid YAML"),
        "duplicate-cluster-names.yaml": .error(key: "clusters", message: "duplicate cluster name 'a'"),
        "duplicate-keys.yaml": .error(key: "FILE", message: "not valid YAML"),
        "empty-name.yaml": .error(key: "clusters[0].name", message: "is required"),
        "empty.yaml": .valid,
        "explicit-end.yaml": .valid,
        "hex-port.yaml": .error(key: "port", message: "must be an integer, got '0x1F90'"),
        "hostile-label-values.yaml": .valid,
        "huge-float-duration.yaml": .error(key: "poll-interval", message: "must be a positive duration"),
        "huge-numbers.yaml": .error(key: "port", message: "must be an integer"),
        "invalid-metric-regex.yaml": .error(key: "metric-allowlist", message: "kafka_("),
        "invalid-regex-denylist.yaml": .error(key: "clusters[a].topic-denylist", message: "(unclosed"),
        "invalid-regexes.yaml": .error(key: "clusters[a].group-allowlist", message: "("),
        "invalid-utf8.yaml": .error(key: "FILE", message: "cannot be read"),
        "label-dunder.yaml": .error(key: "clusters[0].labels.__name__", message: "not a valid Prometheus label name"),
        "label-names.yaml": .error(key: "clusters[0].labels.bad-name", message: "not a valid Prometheus label name"),
        "label-reserved.yaml": .error(key: "clusters[0].labels.cluster_name", message: "a label the exporter sets itself"),
        "long-implicit-key.yaml": .error(key: "FILE", message: "not valid YAML"),
        "long-value.yaml": .valid,
        "many-clusters.yaml": .valid,
        "many-labels.yaml": .valid,
        "merge-key.yaml": .error(key: "FILE", message: "aliases"),
        "multi-document.yaml": .error(key: "FILE", message: "not valid YAML"),
        "nan-port.yaml": .error(key: "port", message: "must be an integer"),
        "negative-size.yaml": .error(key: "lookup-table-size", message: "must be between 2 and 100000"),
        "nul-in-key.yaml": .error(key: #""a\0b""#, message: "unknown key"),
        "null-document.yaml": .valid,
        "only-comments.yaml": .valid,
        "plus-port.yaml": .valid,
        "python-tag.yaml": .error(key: "log-level", message: "must be a single value"),
        "raw-nul.yaml": .error(key: "FILE", message: "not valid YAML"),
        "secret-env-unset.yaml": .error(key: "clusters[0].client-properties.sasl.password", message: "KLE_FUZZ_UNSET_VARIABLE is not set"),
        "secret-file-dev-zero.yaml": .error(key: "clusters[0].client-properties.sasl.password", message: "not a regular file"),
        "secret-file-directory.yaml": .error(key: "clusters[0].client-properties.ssl.key.pem", message: "not a regular file"),
        "secret-unknown-reference.yaml": .error(key: "clusters[0].client-properties.sasl.password", message: "unknown reference"),
        "tab-indentation.yaml": .error(key: "FILE", message: "not valid YAML"),
        "empty-key.yaml": .error(key: "configuration", message: "keys must be non-empty strings"),
        "tags.yaml": .valid,
        "reads-invalid.yaml": .error(key: "clusters[0].reads", message: "is no longer a setting: every read goes through librdkafka"),
        "time-lag-invalid.yaml": .error(key: "clusters[0].time-lag", message: "must be interpolated or exact"),
        "tiny-duration.yaml": .error(key: "poll-interval", message: "must be a positive duration"),
        "unbalanced-brackets.yaml": .error(key: "FILE", message: "not valid YAML"),
        "undefined-alias.yaml": .error(key: "FILE", message: "aliases"),
        "unicode-keys.yaml": .error(key: "pört", message: "unknown key"),
        "unterminated-quote.yaml": .error(key: "FILE", message: "not valid YAML"),
        "wrong-type-allowlist-mapping.yaml": .error(key: "clusters[0].group-allowlist", message: "must be a list of strings"),
        "wrong-type-clusters-mapping.yaml": .error(key: "clusters", message: "must be a list of clusters"),
        "wrong-type-key-list.yaml": .error(key: "configuration", message: "keys must be non-empty strings"),
        "wrong-type-labels-list.yaml": .error(key: "clusters[0].labels", message: "must be a mapping of names to values"),
        "wrong-type-nested-value.yaml": .error(key: "clusters[0].name", message: "must be a single value"),
        "wrong-type-port-list.yaml": .error(key: "port", message: "must be a single value"),
        "wrong-type-root-list.yaml": .error(key: "configuration", message: "must be a mapping"),
        "wrong-type-root-scalar.yaml": .error(key: "configuration", message: "must be a mapping"),
        "yaml-directive.yaml": .error(key: "FILE", message: "not valid YAML"),
    ]

    @Test func everyCorpusFileHasItsExactOutcome() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(Set(files) == Set(Self.expected.keys), "corpus files and expectations differ")
        for file in files {
            let path = Self.corpus.appendingPathComponent(file).path
            let outcome: Outcome
            do {
                _ = try ExporterConfiguration.load(file: path, environment: [:])
                outcome = .valid
            } catch {
                outcome = .error(key: error.key == path ? "FILE" : error.key, message: error.message)
            }
            switch (Self.expected[file], outcome) {
            case (.valid?, .valid):
                break
            case (.error(let key, let message)?, .error(let actualKey, let actualMessage)):
                #expect(actualKey == key && actualMessage.contains(message), "\(file): got \(outcome)")
            default:
                Issue.record("\(file): expected \(Self.expected[file].map(\.description) ?? "an entry"), got \(outcome)")
            }
        }
    }

    /// The values of the valid corpus files arrive as written.
    @Test func validHostileFilesKeepTheirValues() throws {
        let hostile = try ExporterConfiguration.load(file: Self.corpus.appendingPathComponent("hostile-label-values.yaml").path, environment: [:])
        #expect(hostile.clusters.first?.name == "we\"ird\\ \n name 注文 👨‍👩‍👧")
        #expect(hostile.clusters.first?.labels == ["env": "a\"b\\c\nd", "team": "\u{202E}\u{0}x"])
        let crlf = try ExporterConfiguration.load(file: Self.corpus.appendingPathComponent("bom-crlf.yaml").path, environment: [:])
        #expect(crlf.port == 8001 && crlf.logLevel == "debug")
        let many = try ExporterConfiguration.load(file: Self.corpus.appendingPathComponent("many-labels.yaml").path, environment: [:])
        #expect(many.clusters.first?.labels.count == 2000)
        #expect(try ExporterConfiguration.load(file: Self.corpus.appendingPathComponent("many-clusters.yaml").path, environment: [:]).clusters.count == 2000)
    }

    /// The alias check rejects aliases wherever a node starts, and nothing
    /// else: regexes with `*`, quoted stars, comments and block scalars pass.
    @Test(arguments: [
        ("a: *x", 1), ("- *x", 1), ("a: [b, *x]", 1), ("a: {b: *x}", 1), ("? *x\n: 1", 1), ("*x : 1", 1),
        ("a: &y *x", 1), ("--- *x", 1), ("a: b\nc:\n  - *x", 3), ("a: |\n  * bullet\nb: *x", 3),
    ])
    func aliasesAreFound(yaml: String, line: Int) {
        #expect(YAMLInputLimits.firstAliasLine(yaml) == line)
    }

    @Test(arguments: [
        "group-allowlist: [\".*\", a*b, '*x', \"*\"]", "group-allowlist:\n  - .*\n  - 'it''s *'", "a: b # *not an alias",
        "a: |\n  * bullet\n  *another\n", "a: >-\n  *folded\n", "a: \"multi\n  *line\"", "a: x*y", "a: {b: c*}", "- -*x",
    ])
    func noAliasIsFoundWhereThereIsNone(yaml: String) {
        #expect(YAMLInputLimits.firstAliasLine(yaml) == nil)
    }

    @Test func oversizedInputIsRejectedBeforeParsing() {
        let yaml = "clusters:\n" + String(repeating: "  - {name: n, bootstrap-brokers: b:9092}\n", count: 40_000)
        #expect(yaml.utf8.count > YAMLInputLimits.maximumSize)
        #expect(throws: ConfigurationError(key: "big.yaml", "is larger than 1 MiB; a configuration file is a few KiB")) {
            try ExporterConfiguration.parse(yaml: yaml, source: "big.yaml", environment: [:])
        }
    }

    @Test func generatedYAMLGivesAConfigurationOrANamedError() async {
        await checkProperty(count: 100, HostileYAML.tokenSoup) { yaml in
            Self.expectConfigurationOrNamedError(yaml)
        }
    }

    @Test func hostileValuesInAValidSkeletonGiveAConfigurationOrANamedError() async {
        await checkProperty(count: 100, HostileYAML.skeleton) { yaml in
            Self.expectConfigurationOrNamedError(yaml)
        }
    }

    static func expectConfigurationOrNamedError(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let result = Result { () throws(ConfigurationError) in
            try ExporterConfiguration.parse(yaml: yaml, source: "fuzz.yaml", environment: ["KLE_SECRET": "hunter2-env"])
        }
        guard case .failure(let error) = result else { return }
        #expect(!error.message.isEmpty, "\(yaml.debugDescription)", sourceLocation: sourceLocation)
        // The key is the file, the whole document, or a path that starts with
        // a top-level key of the document (quoted when it is not a plain name).
        let topLevelKeys = (try? ConfigurationYAML.compose(yaml, source: "fuzz.yaml"))?.mapping?.keys.compactMap(\.string) ?? []
        let namesAKey = topLevelKeys.map(ConfigurationError.pathComponent).contains { component in
            error.key == component || error.key.hasPrefix(component + ".") || error.key.hasPrefix(component + "[")
        }
        #expect(
            error.key == "fuzz.yaml" || error.key == "configuration" || namesAKey,
            "error \(error.description.debugDescription) names no key of \(yaml.debugDescription)", sourceLocation: sourceLocation)
        #expect(!error.description.contains("hunter2-"), "secret in \(error.description.debugDescription)", sourceLocation: sourceLocation)
    }
}

/// Generated YAML for the configuration parser.
enum HostileYAML {
    static let keys = [
        "port", "poll-interval", "kafka-client-timeout", "client-group-id", "lookup-table-size", "max-failed-polls",
        "status-window", "group-read-concurrency", "metric-allowlist", "metric-whitelist", "log-level", "log-format", "clusters", "name",
        "bootstrap-brokers", "bootstrap-servers", "group-allowlist", "group-denylist", "topic-allowlist", "topic-denylist",
        "client-properties", "consumer-properties", "admin-client-properties", "labels", "time-lag", "shard",
        "sasl.password", "env", "cluster_name", "__name__", "unknown-key", "pört",
    ]

    static let values = [
        "8000", "0", "-1", "65536", "99999999999999999999999", "1e309", "-1e309", ".nan", ".inf", "0x10", "0o17", "+5",
        "30s", "500ms", "2m", "1h", "0s", "10 seconds", "1e400s", "~", "null", "true", "false", "yes", "''", "\"\"",
        "info", "json", "exact", "interpolated", ".*", "(", "[", "a{99999999999}", "(a+)+$", "\\", "\"\\\"\"",
        "${env:KLE_SECRET}", "${env:UNSET}", "${file:/dev/zero}", "${file:/}", "${vault:hunter2}", "hunter2",
        "\"a\\nb\"", "\"\\0\"", "\"\\u202E\"", "注文", "👨‍👩‍👧", "&a x", "*a", "*b", "!!str 1", "!!binary aGk=", "!custom x",
        "[]", "{}", "[1, 2]", "{a: b}", "|\n  block", ">\n  folded",
    ]

    static let syntax = [
        ": ", ":", "\n", "\n  ", "\n    ", "\n      ", "- ", "  - ", "[", "]", "{", "}", ", ", "? ", "&a ", "&b ", "*a", "*b",
        "<<: ", "#", "'", "\"", "|", ">", "---\n", "...\n", "%YAML 1.1\n", "\t", "\r\n", "\u{0}", "\u{FEFF}", "\\",
        "!!map ", "!!seq ", "@", "`", "%",
    ]

    /// Keys, values and YAML syntax in random order.
    static let tokenSoup = Gen<UInt64>.value().array(of: 0...60).map { draws in
        draws.map { draw -> String in
            let payload = Int(truncatingIfNeeded: (draw >> 8) & 0xFFFF_FFFF)
            switch draw & 0xFF {
            case 0..<80: return keys[payload % keys.count]
            case 80..<150: return values[payload % values.count]
            case 150..<250: return syntax[payload % syntax.count]
            default: return String(Unicode.Scalar(UInt32(payload % 0xD800)) ?? "x")
            }
        }.joined()
    }

    /// A valid file with hostile values (raw or double-quoted) in its slots,
    /// and sometimes an extra key.
    static let skeleton = Gen<UInt64>.value().array(of: 12).map { draws in
        func slot(_ index: Int) -> String {
            let draw = draws[index]
            let value = values[Int(truncatingIfNeeded: (draw >> 8) % UInt64(values.count))]
            switch draw & 3 {
            case 0: return value
            case 1: return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n") + "\""
            case 2: return "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
            default: return "[" + value + "]"
            }
        }
        let extra = keys[Int(truncatingIfNeeded: draws[11] % UInt64(keys.count))]
        return """
            port: \(slot(0))
            poll-interval: \(slot(1))
            metric-allowlist: \(slot(2))
            log-level: \(slot(3))
            clusters:
              - name: \(slot(4))
                bootstrap-brokers: \(slot(5))
                group-allowlist: \(slot(6))
                time-lag: \(slot(7))
                labels:
                  env: \(slot(8))
                client-properties:
                  sasl.password: \(slot(9))
                  ssl.key.password: hunter2-literal
                \(draws[10] & 1 == 0 ? "" : extra + ": " + slot(10))

            """
    }
}
