/// Reads Kafka's primitive types (the protocol guide's "Protocol Primitive
/// Types": big-endian integers, int16-length and compact strings, arrays,
/// tagged fields) from one frame; every read throws ``Malformed`` instead of
/// reading past the end.
///
/// The test proxy's own codec: the exporter no longer encodes or decodes Kafka
/// messages itself (librdkafka does), so the proxy keeps its own.
struct FrameReader {
    /// A frame that does not parse: truncated, or a length past its end.
    struct Malformed: Error, CustomStringConvertible {
        var reason: String
        var description: String { "malformed Kafka frame: \(reason)" }
    }

    private let bytes: [UInt8]
    private(set) var index: Int

    init(_ bytes: [UInt8], from index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    var isAtEnd: Bool { index >= bytes.count }
    var remaining: Int { bytes.count - index }

    private mutating func integer<Value: FixedWidthInteger>(_: Value.Type = Value.self) throws(Malformed) -> Value {
        let size = MemoryLayout<Value>.size
        guard remaining >= size else { throw Malformed(reason: "truncated \(Value.self)") }
        var value = Value.zero
        for byte in bytes[index..<index + size] { value = value << 8 | Value(truncatingIfNeeded: byte) }
        index += size
        return value
    }

    mutating func int8() throws(Malformed) -> Int8 { try integer() }
    mutating func int16() throws(Malformed) -> Int16 { try integer() }
    mutating func int32() throws(Malformed) -> Int32 { try integer() }
    mutating func int64() throws(Malformed) -> Int64 { try integer() }
    mutating func bool() throws(Malformed) -> Bool { try int8() != 0 }

    mutating func unsignedVarint() throws(Malformed) -> UInt32 {
        var value: UInt32 = 0
        for shift in stride(from: 0, through: 28, by: 7) {
            let byte: UInt8 = try integer()
            value |= UInt32(byte & 0x7f) << UInt32(shift)
            if byte & 0x80 == 0 { return value }
        }
        throw Malformed(reason: "varint longer than 5 bytes")
    }

    private mutating func raw(_ count: Int) throws(Malformed) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw Malformed(reason: "\(count) bytes past the end") }
        defer { index += count }
        return Array(bytes[index..<index + count])
    }

    /// An int16-length string; null (-1) reads as nil.
    mutating func nullableString() throws(Malformed) -> String? {
        let length = try int16()
        return length < 0 ? nil : String(decoding: try raw(Int(length)), as: UTF8.self)
    }

    mutating func string() throws(Malformed) -> String {
        guard let value = try nullableString() else { throw Malformed(reason: "null where a string is required") }
        return value
    }

    /// A compact string (unsigned-varint length + 1); null (0) reads as nil.
    mutating func compactNullableString() throws(Malformed) -> String? {
        let length = try unsignedVarint()
        return length == 0 ? nil : String(decoding: try raw(Int(length) - 1), as: UTF8.self)
    }

    mutating func compactString() throws(Malformed) -> String {
        guard let value = try compactNullableString() else { throw Malformed(reason: "null where a string is required") }
        return value
    }

    /// int32-length bytes; null (-1) reads as nil.
    mutating func nullableBytes() throws(Malformed) -> [UInt8]? {
        let length = try int32()
        return length < 0 ? nil : try raw(Int(length))
    }

    /// Compact bytes; null reads as nil.
    mutating func compactNullableBytes() throws(Malformed) -> [UInt8]? {
        let length = try unsignedVarint()
        return length == 0 ? nil : try raw(Int(length) - 1)
    }

    /// An int32 array length; null (-1) reads as 0.
    mutating func arrayCount() throws(Malformed) -> Int {
        let count = try int32()
        // Every element takes at least one byte: a larger count is a lie.
        guard count <= remaining else { throw Malformed(reason: "array of \(count) elements past the end") }
        return max(0, Int(count))
    }

    /// A compact array length; null reads as 0.
    mutating func compactArrayCount() throws(Malformed) -> Int {
        let encoded = try unsignedVarint()
        guard encoded > 0 else { return 0 }
        guard Int(encoded) - 1 <= remaining else { throw Malformed(reason: "array of \(encoded - 1) elements past the end") }
        return Int(encoded) - 1
    }

    // MARK: Version-dependent forms

    /// A string as a message of this flexibility writes it.
    mutating func string(flexible: Bool) throws(Malformed) -> String {
        flexible ? try compactString() : try string()
    }

    mutating func nullableString(flexible: Bool) throws(Malformed) -> String? {
        flexible ? try compactNullableString() : try nullableString()
    }

    mutating func nullableBytes(flexible: Bool) throws(Malformed) -> [UInt8]? {
        flexible ? try compactNullableBytes() : try nullableBytes()
    }

    mutating func arrayCount(flexible: Bool) throws(Malformed) -> Int {
        flexible ? try compactArrayCount() : try arrayCount()
    }

    /// Skips a tagged-field section; a non-flexible message has none.
    mutating func skipTaggedFields(flexible: Bool = true) throws(Malformed) {
        guard flexible else { return }
        let count = try unsignedVarint()
        for _ in 0..<count {
            _ = try unsignedVarint()
            _ = try raw(Int(try unsignedVarint()))
        }
    }
}
