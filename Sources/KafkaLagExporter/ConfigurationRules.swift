import Foundation
import ArgumentParser
import LagCore

/// The one place a setting's value is checked, whichever layer sets it: the
/// configuration file, an environment variable or a flag. Each rule takes the
/// text or number as given and the name the user wrote (`port`,
/// `KAFKA_LAG_EXPORTER_PORT`, `--port`), and throws a ``ConfigurationError``
/// naming it, so the three layers accept exactly the same values with the
/// same message.
enum ConfigurationRules {
    /// The HTTP port: 0 (any free port) to 65535.
    static let ports = 0...65535

    static func port(_ value: Int, key: String) throws(ConfigurationError) -> Int {
        try integer(value, in: ports, key: key)
    }

    /// An integer setting within `range`.
    static func integer(_ value: Int, in range: ClosedRange<Int>, key: String) throws(ConfigurationError) -> Int {
        guard range.contains(value) else {
            throw ConfigurationError(key: key, "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    /// An integer setting given as text (environment variables, YAML scalars) within `range`.
    static func integer(_ text: String, in range: ClosedRange<Int>, key: String) throws(ConfigurationError) -> Int {
        guard let value = Int(text) else { throw ConfigurationError(key: key, "must be an integer, got '\(text)'") }
        return try integer(value, in: range, key: key)
    }

    static let lookupTableSize = 2...100_000
    static let statusWindow = 2...1000
    static let maxFailedPolls = 1...1_000_000
    static let groupReadConcurrency = 1...256

    /// A positive duration such as `30s`, `500ms`, `2m` (a bare number is seconds).
    static func duration(_ text: String, key: String) throws(ConfigurationError) -> Duration {
        guard let value = DurationParser.parse(text), value > .zero else {
            throw ConfigurationError(key: key, "must be a positive duration such as 30s, 500ms or 2m, got '\(text)'")
        }
        return value
    }

    static func logLevel(_ text: String, key: String) throws(ConfigurationError) -> String {
        let levels = ExporterConfiguration.logLevels
        guard levels.contains(text) else {
            throw ConfigurationError(key: key, "must be one of \(levels.joined(separator: ", ")), got '\(text)'")
        }
        return text
    }

    static func logFormat(_ text: String, key: String) throws(ConfigurationError) -> String {
        guard ["logfmt", "json"].contains(text) else { throw ConfigurationError(key: key, "must be logfmt or json, got '\(text)'") }
        return text
    }

    static func shard(_ text: String, key: String) throws(ConfigurationError) -> Shard.Setting {
        do {
            return try Shard.Setting(parsing: text)
        } catch {
            throw ConfigurationError(key: key, error.message)
        }
    }

    /// Bootstrap brokers: a comma-separated list of `host:port`, each port 1 to 65535.
    static func brokers(_ list: String, key: String) throws(ConfigurationError) -> String {
        for broker in list.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = broker.trimmingCharacters(in: .whitespaces)
            guard let colon = trimmed.lastIndex(of: ":"), colon != trimmed.startIndex,
                  let port = Int(trimmed[trimmed.index(after: colon)...]), (1...65535).contains(port) else {
                throw ConfigurationError(key: key, "'\(trimmed)' is not host:port")
            }
        }
        return list
    }

    /// A list of regexes (metric, group or topic names).
    static func regexes(_ patterns: [String], key: String) throws(ConfigurationError) -> [String] {
        do {
            _ = try NameFilter(allow: patterns)
        } catch {
            throw ConfigurationError(key: key, error.description)
        }
        return patterns
    }

    /// The same rule for a command-line flag, in the argument parser's terms:
    /// its `validate()` reports a ``ValidationError`` (exit 64) that reads
    /// like the other layers' errors (`--port: must be between 0 and 65535, got 70000`).
    @discardableResult
    static func flag<T>(_ rule: () throws(ConfigurationError) -> T) throws(ValidationError) -> T {
        do {
            return try rule()
        } catch {
            throw ValidationError(error.description)
        }
    }
}
