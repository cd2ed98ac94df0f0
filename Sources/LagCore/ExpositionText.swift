extension MetricsExposition {
    /// The kind of a metric family, as written on its `# TYPE` line.
    public enum MetricType: String, Sendable {
        case gauge, counter
    }

    /// A metric family's fixed description: name, `# HELP` text and `# TYPE`.
    public struct Family: Sendable, Hashable {
        public let name: String
        public let help: String
        public let type: MetricType

        public init(name: String, help: String, type: MetricType) {
            self.name = name
            self.help = help
            self.type = type
        }
    }
}

/// Appends Prometheus text exposition format 0.0.4 to a UTF-8 byte buffer
/// (cheaper per append than `String`, and numbers are written as digits
/// without an intermediate string). The buffer holds one chunk of the page:
/// a renderer writes until ``isFull``, takes the bytes with
/// ``moveBytes(into:reservingCapacity:)`` and carries on; the family state
/// (a header not yet written) survives the move.
///
/// A family is started with ``startFamily(_:)``; its `# HELP` and `# TYPE`
/// lines are written only when its first series begins, so a family without
/// series leaves no trace. A series is written piecewise, without
/// intermediate arrays or interpolation:
///
///     writer.beginSeries()                      // name
///     writer.firstLabel("cluster_name", "prod") // {cluster_name="prod"
///     writer.label("group", group)              // ,group="..."
///     writer.endSeries(42)                      // } 42\n
///
/// or ``endUnlabeled(_:)`` for a series without labels.
struct ExpositionWriter {
    private var bytes: [UInt8]
    /// The size at which the current chunk is full.
    let chunkSize: Int
    private var pendingHeader: MetricsExposition.Family?
    private var name: String = ""

    /// - Parameters:
    ///   - chunkSize: ``isFull`` from this many bytes on; `Int.max` for a page in one piece.
    ///   - capacity: bytes reserved up front.
    init(chunkSize: Int = .max, reservingCapacity capacity: Int) {
        self.chunkSize = chunkSize
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The current chunk has reached ``chunkSize``.
    var isFull: Bool { bytes.count >= chunkSize }

    /// Nothing written since the last ``moveBytes(into:reservingCapacity:)``.
    var isEmpty: Bool { bytes.isEmpty }

    /// Hands the bytes written so far to `chunk` and goes on writing into
    /// `chunk`'s old storage, emptied and reserved to `capacity`: a caller
    /// that passes the same buffer each time makes two buffers take turns,
    /// without allocating more.
    mutating func moveBytes(into chunk: inout [UInt8], reservingCapacity capacity: Int) {
        chunk.removeAll(keepingCapacity: true)
        swap(&bytes, &chunk)
        if capacity > bytes.capacity { bytes.reserveCapacity(capacity) }
    }

    /// Makes `family` the current one; its header is written with its first series.
    mutating func startFamily(_ family: MetricsExposition.Family) {
        pendingHeader = family
        name = family.name
    }

    /// Writes the pending header if any, then the metric name.
    mutating func beginSeries() {
        if let family = pendingHeader {
            append("# HELP ")
            append(family.name)
            append(" ")
            Self.appendEscapedHelp(family.help, to: &bytes)
            append("\n# TYPE ")
            append(family.name)
            append(family.type == .gauge ? " gauge\n" : " counter\n")
            pendingHeader = nil
        }
        append(name)
    }

    /// `{name="value"`: the first label of a series.
    mutating func firstLabel(_ labelName: String, _ value: String) {
        bytes.append(UInt8(ascii: "{"))
        append(labelName)
        append("=\"")
        Self.appendEscapedLabelValue(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// `,name="value"`: a further label.
    mutating func label(_ labelName: String, _ value: String) {
        bytes.append(UInt8(ascii: ","))
        append(labelName)
        append("=\"")
        Self.appendEscapedLabelValue(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// `,name="value"` with a value printed as a decimal integer.
    mutating func label(_ labelName: String, _ value: Int32) {
        bytes.append(UInt8(ascii: ","))
        append(labelName)
        append("=\"")
        Self.appendDecimal(Int64(value), to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends already rendered text, e.g. a prepared label fragment.
    mutating func appendRaw(_ text: String) {
        append(text)
    }

    /// Appends already rendered UTF-8 bytes.
    mutating func appendRaw(_ fragment: [UInt8]) {
        bytes.append(contentsOf: fragment)
    }

    /// `} value\n`: closes the label set and writes an integer value.
    mutating func endSeries(_ value: Int64) {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: " "))
        Self.appendDecimal(value, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// `} value\n` with a finite double value.
    mutating func endSeries(_ value: Double) {
        append("} ")
        append(value.description)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// ` value\n` for a series without labels (after ``beginSeries()``).
    mutating func endUnlabeled(_ value: Int64) {
        bytes.append(UInt8(ascii: " "))
        Self.appendDecimal(value, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// ` value\n` for a series without labels, finite double value.
    mutating func endUnlabeled(_ value: Double) {
        bytes.append(UInt8(ascii: " "))
        append(value.description)
        bytes.append(UInt8(ascii: "\n"))
    }

    private mutating func append(_ text: String) {
        Self.append(text, to: &bytes)
    }

    // MARK: Byte-level helpers, also used to prepare fragments

    static func append(_ text: String, to bytes: inout [UInt8]) {
        let appended: Void? = text.utf8.withContiguousStorageIfAvailable { bytes.append(contentsOf: $0) }
        if appended == nil { bytes.append(contentsOf: text.utf8) }
    }

    /// A decimal integer: no exponent, no fraction, `-` for negatives.
    static func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
        var magnitude = value.magnitude
        if magnitude < 10, value >= 0 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude))
            return
        }
        // 19 digits and a sign at most, written back to front.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var start = buffer.endIndex
            repeat {
                let (quotient, digit) = magnitude.quotientAndRemainder(dividingBy: 10)
                start -= 1
                buffer[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: digit)
                magnitude = quotient
            } while magnitude > 0
            if value < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// Label value escaping of the exposition format: `\` → `\\`, `"` → `\"`,
    /// line feed → `\n`. Everything else, Unicode included, is copied verbatim.
    /// (The three are ASCII, and UTF-8 never uses ASCII bytes inside a
    /// multi-byte character, so working on bytes is exact.)
    static func appendEscapedLabelValue(_ value: String, to bytes: inout [UInt8]) {
        let escaped: Void? = value.utf8.withContiguousStorageIfAvailable { utf8 in
            appendEscaped(utf8, to: &bytes)
        }
        if escaped == nil {
            Array(value.utf8).withUnsafeBufferPointer { appendEscaped($0, to: &bytes) }
        }
    }

    private static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        var runStart = 0
        for index in utf8.indices {
            let escaped: UInt8
            switch utf8[index] {
            case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
            case UInt8(ascii: "\""): escaped = UInt8(ascii: "\"")
            case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
            default: continue
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(escaped)
            runStart = index + 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
    }

    /// `# HELP` text escaping: `\` → `\\`, line feed → `\n`.
    static func appendEscapedHelp(_ help: String, to bytes: inout [UInt8]) {
        for byte in help.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            default: bytes.append(byte)
            }
        }
    }
}
