/// Allow and deny lists of regular expressions for group or topic names.
///
/// A name is included when it fully matches at least one allow pattern (or the
/// allow list is empty) and fully matches no deny pattern. Full matches, as in
/// kafka-lag-exporter (Java's `String.matches`): `orders` does not match
/// `orders-dlq`; write `orders.*` for a prefix.
public struct NameFilter: Sendable {
    public let allowPatterns: [String]
    public let denyPatterns: [String]
    private let allow: [CompiledPattern]
    private let deny: [CompiledPattern]

    /// Includes every name.
    public static let all = NameFilter(uncheckedAllow: [], deny: [])

    /// - Throws: ``InvalidPatternError`` naming the first pattern that does not compile.
    public init(allow: [String] = [], deny: [String] = []) throws(InvalidPatternError) {
        self.allowPatterns = allow
        self.denyPatterns = deny
        self.allow = try allow.map { pattern throws(InvalidPatternError) in try CompiledPattern(pattern, role: .allow) }
        self.deny = try deny.map { pattern throws(InvalidPatternError) in try CompiledPattern(pattern, role: .deny) }
    }

    private init(uncheckedAllow: [String], deny: [String]) {
        self.allowPatterns = []
        self.denyPatterns = []
        self.allow = []
        self.deny = []
    }

    public func includes(_ name: String) -> Bool {
        if !allow.isEmpty, !allow.contains(where: { $0.matches(name) }) { return false }
        return !deny.contains { $0.matches(name) }
    }
}

/// A pattern that is not a valid regular expression.
public struct InvalidPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Role: String, Sendable { case allow, deny }
    public var pattern: String
    public var role: Role
    public var reason: String

    public var description: String { "invalid regular expression '\(pattern)': \(reason)" }
}

private struct CompiledPattern: Sendable {
    // Regex<AnyRegexOutput> is not declared Sendable, but a compiled regex is an
    // immutable value: matching never mutates it. Only `matches` reads it.
    private nonisolated(unsafe) let regex: Regex<AnyRegexOutput>

    init(_ pattern: String, role: InvalidPatternError.Role) throws(InvalidPatternError) {
        do {
            regex = try Regex(pattern)
        } catch {
            throw InvalidPatternError(pattern: pattern, role: role, reason: "\(error)")
        }
    }

    func matches(_ name: String) -> Bool {
        (try? regex.wholeMatch(in: name)) != nil
    }
}
