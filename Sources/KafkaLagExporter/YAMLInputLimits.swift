/// Bounds on YAML text checked before it reaches the YAML parser, so that no
/// file can make parsing hang or exhaust memory:
///
/// - at most 1 MiB (a configuration file is a few KiB);
/// - no aliases (`*name`). An alias repeats its anchor's node, so a handful of
///   lines expand to billions of nodes ("billion laughs"); the parser shares
///   the repeated nodes, but compares and hashes mapping keys in full, so an
///   alias used in a key takes exponential time. Writing a value twice is the
///   safe alternative.
///
/// Nesting is bounded by libyaml itself (1,000 levels), which reports it as
/// invalid YAML.
enum YAMLInputLimits {
    static let maximumSize = 1 << 20

    /// - Throws: ``ConfigurationError`` naming `source` (the file) and the line.
    static func check(_ text: String, source: String) throws(ConfigurationError) {
        guard text.utf8.count <= maximumSize else {
            throw ConfigurationError(key: source, "is larger than 1 MiB; a configuration file is a few KiB")
        }
        if let line = firstAliasLine(text) {
            throw ConfigurationError(
                key: source, "line \(line): YAML aliases (*name) are not supported; write the value out instead")
        }
    }

    /// The 1-based line of the first alias, found with a small YAML lexer:
    /// an alias is a `*` where a node starts (at the start of a line's
    /// content, after `- `, `? `, `: `, `--- `, an anchor or tag, or after
    /// `[`, `{` or `,` in a flow collection), outside quoted scalars, comments
    /// and block scalars (`|`, `>`). A plain scalar cannot start with `*`, so
    /// regexes such as `.*` or `a[*]` are never taken for aliases. (A plain
    /// scalar continued on a line that starts with `*` is reported too.)
    static func firstAliasLine(_ text: String) -> Int? {
        var quote: UInt8?  // inside '…' or "…", possibly over several lines
        var escaped = false
        var closedSingleQuote = false  // `''` inside '…' is an escaped quote
        var flowDepth = 0
        var blockParentIndent: Int?  // inside a block scalar of a line with this indentation
        var lineNumber = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var content = line[...]
            let indent = content.prefix { $0 == UInt8(ascii: " ") }.count
            if quote == nil, let parent = blockParentIndent {
                if content.allSatisfy(isSpace) || indent > parent { continue }
                blockParentIndent = nil
            }
            if quote == nil, content.starts(with: "---".utf8), content.dropFirst(3).first.map(isSpace) ?? true {
                content = content.dropFirst(3)
            }
            closedSingleQuote = false
            var expectNode = quote == nil  // a node may start at the next non-space byte
            var pendingIndicator = false  // `-`, `?` or `:` that starts a node if a space follows
            var inProperty = false  // inside `&anchor` or `!tag` before a node
            var afterSpace = true
            var blockIndicator = false  // `|` or `>` at a node start, and only its modifiers since
            for byte in content {
                if closedSingleQuote {
                    closedSingleQuote = false
                    if byte == UInt8(ascii: "'") {
                        quote = byte
                        continue
                    }
                }
                if let open = quote {
                    if escaped {
                        escaped = false
                    } else if open == UInt8(ascii: "\"") && byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == open {
                        quote = nil
                        closedSingleQuote = open == UInt8(ascii: "'")
                    }
                    afterSpace = false
                    continue
                }
                if isSpace(byte) {
                    if pendingIndicator || inProperty { expectNode = true }
                    pendingIndicator = false
                    inProperty = false
                    afterSpace = true
                    continue
                }
                if byte == UInt8(ascii: "#") && afterSpace { break }  // a comment ends the line
                afterSpace = false
                if blockIndicator, !(byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)) {
                    blockIndicator = false
                }
                let startsNode = expectNode && !pendingIndicator
                pendingIndicator = false
                expectNode = false
                switch byte {
                case UInt8(ascii: "*") where startsNode:
                    return lineNumber
                case UInt8(ascii: "\"") where startsNode, UInt8(ascii: "'") where startsNode:
                    quote = byte
                case UInt8(ascii: "[") where startsNode, UInt8(ascii: "{") where startsNode:
                    flowDepth += 1
                    expectNode = true
                case UInt8(ascii: "]") where flowDepth > 0, UInt8(ascii: "}") where flowDepth > 0:
                    flowDepth -= 1
                case UInt8(ascii: ",") where flowDepth > 0:
                    expectNode = true
                case UInt8(ascii: "-") where startsNode, UInt8(ascii: "?") where startsNode:
                    pendingIndicator = true
                case UInt8(ascii: ":"):
                    pendingIndicator = true
                    if flowDepth > 0 { expectNode = true }  // `{a:*b}` is not YAML 1.1, but be safe
                case UInt8(ascii: "&") where startsNode, UInt8(ascii: "!") where startsNode:
                    inProperty = true
                case UInt8(ascii: "|") where startsNode, UInt8(ascii: ">") where startsNode:
                    blockIndicator = true
                default:
                    break
                }
            }
            if blockIndicator && quote == nil && flowDepth == 0 { blockParentIndent = indent }
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }
}
