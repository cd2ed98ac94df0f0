/// A strict parser of the Prometheus text exposition format 0.0.4, stricter
/// than Prometheus itself where the exporter has no reason to use a freedom:
///
/// - every line ends with a line feed; no empty lines, no free comments;
/// - a family is one contiguous block: at most one `# HELP` and one `# TYPE`,
///   both before its first sample, and the family never reappears later;
/// - every sample line is `name{label="value",...} value` or `name value`:
///   the name is the family's (gauge and counter have no suffixes), label
///   names are distinct, no trailing comma, no empty braces, one space, a
///   finite decimal value, no timestamp;
/// - label values escape exactly `\\`, `\"` and `\n`; any other escape, a raw
///   line feed or an unterminated value is an error (as in Prometheus'
///   `expfmt.TextParser`);
/// - `# HELP` text escapes exactly `\\` and `\n`;
/// - no two samples share name and label set.
///
/// Works on UTF-8 bytes (the three escaped characters are ASCII, and UTF-8
/// never uses ASCII bytes inside a multi-byte character).
enum StrictExpositionParser {
    struct Sample: Hashable, CustomStringConvertible {
        var name: String
        var labels: [Label]
        var value: Double

        func label(_ name: String) -> String? { labels.first { $0.name == name }?.value }

        var description: String {
            "\(name){\(labels.map { "\($0.name)=\($0.value.debugDescription)" }.joined(separator: ","))} \(value)"
        }
    }

    struct Label: Hashable {
        var name: String
        var value: String
    }

    struct Family: Hashable {
        var name: String
        var help: String?
        var type: String?
    }

    struct Failure: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var text: String
        var description: String { "line \(line): \(reason): \(text.debugDescription.prefix(300))" }
    }

    /// Parses a whole exposition; throws at the first violation.
    static func parse(_ text: String) throws(Failure) -> (families: [Family], samples: [Sample]) {
        let bytes = Array(text.utf8)
        guard bytes.isEmpty || bytes.last == UInt8(ascii: "\n") else {
            throw Failure(line: 0, reason: "does not end with a line feed", text: String(text.suffix(80)))
        }
        var families: [Family] = []
        var samples: [Sample] = []
        var closedFamilies = Set<String>()
        var current: Family?
        var samplesInCurrent = 0
        var series = Set<[[UInt8]]>()

        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for (index, line) in lines.enumerated() {
            let number = index + 1
            func fail(_ reason: String) -> Failure { Failure(line: number, reason: reason, text: String(decoding: line, as: UTF8.self)) }
            guard !line.isEmpty else { throw fail("empty line") }

            // Starts `name` as the current family, or continues it.
            func enter(_ name: String) throws(Failure) {
                if current?.name == name { return }
                if let current { families.append(current); closedFamilies.insert(current.name) }
                guard !closedFamilies.contains(name) else { throw fail("family \(name) appears twice") }
                current = Family(name: name)
                samplesInCurrent = 0
            }

            if line.first == UInt8(ascii: "#") {
                let text = String(decoding: line, as: UTF8.self)
                if text.hasPrefix("# HELP ") {
                    let rest = line.dropFirst(7)
                    guard let space = rest.firstIndex(of: UInt8(ascii: " ")) else { throw fail("HELP without text") }
                    let name = String(decoding: rest[..<space], as: UTF8.self)
                    guard isMetricName(name) else { throw fail("invalid metric name in HELP") }
                    try enter(name)
                    guard current?.help == nil else { throw fail("second HELP for \(name)") }
                    guard samplesInCurrent == 0 else { throw fail("HELP after samples of \(name)") }
                    guard let help = unescapeHelp(rest[(space + 1)...]) else { throw fail("invalid escape in HELP") }
                    current?.help = help
                } else if text.hasPrefix("# TYPE ") {
                    let parts = text.dropFirst(7).split(separator: " ", omittingEmptySubsequences: false)
                    guard parts.count == 2 else { throw fail("TYPE is not `name type`") }
                    let name = String(parts[0])
                    guard isMetricName(name) else { throw fail("invalid metric name in TYPE") }
                    try enter(name)
                    guard current?.type == nil else { throw fail("second TYPE for \(name)") }
                    guard samplesInCurrent == 0 else { throw fail("TYPE after samples of \(name)") }
                    guard ["gauge", "counter"].contains(parts[1]) else { throw fail("unexpected type \(parts[1])") }
                    current?.type = String(parts[1])
                } else {
                    throw fail("comment line")
                }
                continue
            }

            var position = line.startIndex
            while position < line.endIndex, isNameByte(line[position], first: position == line.startIndex) { position += 1 }
            let name = String(decoding: line[line.startIndex..<position], as: UTF8.self)
            guard !name.isEmpty else { throw fail("sample without metric name") }
            guard let family = current, family.name == name, family.type != nil, family.help != nil else {
                throw fail("sample of \(name) outside its family block (HELP and TYPE first)")
            }
            var labels: [Label] = []
            var labelNames = Set<String>()
            if position < line.endIndex, line[position] == UInt8(ascii: "{") {
                position += 1
                while true {
                    let nameStart = position
                    while position < line.endIndex, isLabelNameByte(line[position], first: position == nameStart) { position += 1 }
                    guard position > nameStart else { throw fail("expected a label name") }
                    let labelName = String(decoding: line[nameStart..<position], as: UTF8.self)
                    guard position + 1 < line.endIndex, line[position] == UInt8(ascii: "="), line[position + 1] == UInt8(ascii: "\"") else {
                        throw fail("expected =\" after label \(labelName)")
                    }
                    position += 2
                    let valueStart = position
                    var escaped = false
                    while position < line.endIndex {
                        let byte = line[position]
                        if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { break }
                        position += 1
                    }
                    guard position < line.endIndex else { throw fail("unterminated value of label \(labelName)") }
                    guard let value = unescapeLabelValue(line[valueStart..<position]) else {
                        throw fail("invalid escape in value of label \(labelName)")
                    }
                    guard labelNames.insert(labelName).inserted else { throw fail("label \(labelName) twice") }
                    labels.append(Label(name: labelName, value: value))
                    position += 1
                    guard position < line.endIndex else { throw fail("unterminated label set") }
                    if line[position] == UInt8(ascii: ",") {
                        position += 1
                        continue
                    }
                    guard line[position] == UInt8(ascii: "}") else { throw fail("expected , or } after label \(labelName)") }
                    position += 1
                    break
                }
            }
            guard position < line.endIndex, line[position] == UInt8(ascii: " ") else { throw fail("expected one space before the value") }
            let valueText = String(decoding: line[(position + 1)...], as: UTF8.self)
            guard isDecimal(valueText), let value = Double(valueText), value.isFinite else {
                throw fail("value \(valueText.debugDescription) is not a finite decimal (or has a timestamp)")
            }
            // Byte-wise identity: Swift's String equality is canonical equivalence, Prometheus' is bytes.
            let key = [Array(name.utf8)] + labels.flatMap { [Array($0.name.utf8), Array($0.value.utf8)] }
            guard series.insert(key).inserted else {
                throw fail("duplicate series")
            }
            samples.append(Sample(name: name, labels: labels, value: value))
            samplesInCurrent += 1
        }
        if let current { families.append(current) }
        return (families, samples)
    }

    /// The value of a label as Prometheus reads it: `\\`, `\"` and `\n` are
    /// the only escapes; nil for any other escape, a raw quote or a raw line feed.
    static func unescapeLabelValue(_ bytes: some Collection<UInt8>) -> String? {
        var output: [UInt8] = []
        var escaped = false
        for byte in bytes {
            if escaped {
                switch byte {
                case UInt8(ascii: "\\"), UInt8(ascii: "\""): output.append(byte)
                case UInt8(ascii: "n"): output.append(UInt8(ascii: "\n"))
                default: return nil
                }
                escaped = false
            } else {
                switch byte {
                case UInt8(ascii: "\\"): escaped = true
                case UInt8(ascii: "\""), UInt8(ascii: "\n"): return nil
                default: output.append(byte)
                }
            }
        }
        guard !escaped else { return nil }
        return String(validating: output, as: UTF8.self)
    }

    /// `# HELP` text as Prometheus reads it: `\\` and `\n` are the only escapes.
    static func unescapeHelp(_ bytes: some Collection<UInt8>) -> String? {
        var output: [UInt8] = []
        var escaped = false
        for byte in bytes {
            if escaped {
                switch byte {
                case UInt8(ascii: "\\"): output.append(byte)
                case UInt8(ascii: "n"): output.append(UInt8(ascii: "\n"))
                default: return nil
                }
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else {
                output.append(byte)
            }
        }
        guard !escaped else { return nil }
        return String(validating: output, as: UTF8.self)
    }

    static func isMetricName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return !bytes.isEmpty && bytes.indices.allSatisfy { isNameByte(bytes[$0], first: $0 == 0) }
    }

    private static func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
        isLabelNameByte(byte, first: first) || byte == UInt8(ascii: ":")
    }

    private static func isLabelNameByte(_ byte: UInt8, first: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"): true
        case UInt8(ascii: "0")...UInt8(ascii: "9"): !first
        default: false
        }
    }

    /// `-?digits(.digits)?(e[+-]?digits)?`
    private static func isDecimal(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "-" { rest = rest.dropFirst() }
        func digits() -> Bool {
            let count = rest.prefix { $0.isASCII && $0.isNumber }.count
            rest = rest.dropFirst(count)
            return count > 0
        }
        guard digits() else { return false }
        if rest.first == "." {
            rest = rest.dropFirst()
            guard digits() else { return false }
        }
        if rest.first == "e" || rest.first == "E" {
            rest = rest.dropFirst()
            if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
            guard digits() else { return false }
        }
        return rest.isEmpty
    }
}
