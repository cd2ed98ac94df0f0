import NIOCore

/// Kafka's primitive wire types (the "Protocol Primitive Types" of the Kafka
/// protocol guide): big-endian integers, int16-length and compact
/// (unsigned-varint length + 1) strings, compact arrays and tagged fields.
///
/// Only what the batched group reads need; everything else goes through librdkafka.
package enum KafkaWireFormat {
    /// A response that does not parse: truncated, a negative length where none
    /// may be, or a length past the end of the frame.
    package struct MalformedResponse: Error, Sendable, CustomStringConvertible {
        package var reason: String
        package var description: String { "malformed response: \(reason)" }
    }

    /// The requests this client sends itself.
    package enum ApiKey: Int16, Sendable, CustomStringConvertible {
        case listOffsets = 2
        case offsetFetch = 9
        case findCoordinator = 10
        case describeGroups = 15
        case apiVersions = 18

        package var description: String {
            switch self {
            case .listOffsets: "ListOffsets"
            case .offsetFetch: "OffsetFetch"
            case .findCoordinator: "FindCoordinator"
            case .describeGroups: "DescribeGroups"
            case .apiVersions: "ApiVersions"
            }
        }

        /// Whether requests (header v2) and responses (header v1) of this version carry tagged fields.
        package func isFlexible(version: Int16) -> Bool {
            switch self {
            case .listOffsets: version >= 6
            case .offsetFetch: version >= 6
            case .findCoordinator: version >= 3
            case .describeGroups: version >= 5
            // ApiVersions answers with header v0 whatever the version (KIP-511).
            case .apiVersions: false
            }
        }
    }

    /// Whether a broker's ApiVersions answer (highest version per API key) covers `needs`.
    package static func supports(_ needs: [ApiKey: Int16], maxVersions: [Int16: Int16]) -> Bool {
        needs.allSatisfy { key, version in (maxVersions[key.rawValue] ?? -1) >= version }
    }

    /// ApiVersions v0: the highest version per API key the broker supports.
    package static func decodeApiVersions(
        _ reader: inout WireReader
    ) throws(MalformedResponse) -> (errorCode: Int16, maxVersions: [Int16: Int16]) {
        let errorCode = try reader.int16()
        var maxVersions: [Int16: Int16] = [:]
        for _ in 0..<(try reader.arrayCount()) {
            let key = try reader.int16()
            _ = try reader.int16()
            maxVersions[key] = try reader.int16()
        }
        return (errorCode, maxVersions)
    }
}

extension ByteBuffer {
    /// An int16-length string; longer values are cut at 32,767 bytes (the
    /// only such string sent is the client id, which no broker expects longer).
    package mutating func writeKafkaString(_ value: String) {
        let bytes = value.utf8.prefix(Int(Int16.max))
        writeInteger(Int16(bytes.count))
        writeBytes(bytes)
    }

    package mutating func writeUnsignedVarint(_ value: UInt32) {
        var rest = value
        while rest >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        writeInteger(UInt8(rest))
    }

    package mutating func writeCompactString(_ value: String) {
        writeUnsignedVarint(UInt32(value.utf8.count) + 1)
        writeString(value)
    }

    package mutating func writeCompactNullableString(_ value: String?) {
        guard let value else { return writeUnsignedVarint(0) }
        writeCompactString(value)
    }

    /// The length of a compact array (`nil`: a null array).
    package mutating func writeCompactArrayCount(_ count: Int?) {
        writeUnsignedVarint(count.map { UInt32($0) + 1 } ?? 0)
    }

    package mutating func writeCompactBytes(_ bytes: [UInt8]) {
        writeUnsignedVarint(UInt32(bytes.count) + 1)
        writeBytes(bytes)
    }

    /// No tagged fields: the only ones this client writes.
    package mutating func writeEmptyTaggedFields() { writeUnsignedVarint(0) }

    package mutating func writeKafkaBool(_ value: Bool) { writeInteger(UInt8(value ? 1 : 0)) }
}

/// Reads Kafka's primitive types from a response frame; every read throws
/// ``KafkaWireFormat/MalformedResponse`` instead of reading past the end.
package struct WireReader {
    package private(set) var buffer: ByteBuffer

    package init(_ buffer: ByteBuffer) { self.buffer = buffer }

    package var isAtEnd: Bool { buffer.readableBytes == 0 }

    private static func malformed(_ reason: String) -> KafkaWireFormat.MalformedResponse { .init(reason: reason) }

    private mutating func integer<Value: FixedWidthInteger>() throws(KafkaWireFormat.MalformedResponse) -> Value {
        guard let value = buffer.readInteger(as: Value.self) else { throw Self.malformed("truncated \(Value.self)") }
        return value
    }

    package mutating func int8() throws(KafkaWireFormat.MalformedResponse) -> Int8 { try integer() }
    package mutating func int16() throws(KafkaWireFormat.MalformedResponse) -> Int16 { try integer() }
    package mutating func int32() throws(KafkaWireFormat.MalformedResponse) -> Int32 { try integer() }
    package mutating func int64() throws(KafkaWireFormat.MalformedResponse) -> Int64 { try integer() }

    package mutating func bool() throws(KafkaWireFormat.MalformedResponse) -> Bool { try int8() != 0 }

    package mutating func unsignedVarint() throws(KafkaWireFormat.MalformedResponse) -> UInt32 {
        var value: UInt32 = 0
        for shift in stride(from: 0, through: 28, by: 7) {
            guard let byte = buffer.readInteger(as: UInt8.self) else { throw Self.malformed("truncated varint") }
            value |= UInt32(byte & 0x7f) << UInt32(shift)
            if byte & 0x80 == 0 { return value }
        }
        throw Self.malformed("varint longer than 5 bytes")
    }

    private mutating func string(length: Int) throws(KafkaWireFormat.MalformedResponse) -> String {
        guard length >= 0, let value = buffer.readString(length: length) else {
            throw Self.malformed("string of \(length) bytes past the end")
        }
        return value
    }

    /// An int16-length string; a null string (-1) reads as nil.
    package mutating func nullableString() throws(KafkaWireFormat.MalformedResponse) -> String? {
        let length = try int16()
        return length < 0 ? nil : try string(length: Int(length))
    }

    package mutating func string() throws(KafkaWireFormat.MalformedResponse) -> String {
        guard let value = try nullableString() else { throw Self.malformed("null where a string is required") }
        return value
    }

    package mutating func compactNullableString() throws(KafkaWireFormat.MalformedResponse) -> String? {
        let length = try unsignedVarint()
        return length == 0 ? nil : try string(length: Int(length) - 1)
    }

    package mutating func compactString() throws(KafkaWireFormat.MalformedResponse) -> String {
        guard let value = try compactNullableString() else { throw Self.malformed("null where a string is required") }
        return value
    }

    /// Compact bytes as a buffer slice (no copy); a null value reads as empty.
    package mutating func compactBytes() throws(KafkaWireFormat.MalformedResponse) -> ByteBuffer {
        let length = try unsignedVarint()
        guard length > 0 else { return ByteBuffer() }
        guard let slice = buffer.readSlice(length: Int(length) - 1) else { throw Self.malformed("bytes past the end") }
        return slice
    }

    /// int32-length bytes; a null value (-1) reads as empty.
    package mutating func bytes() throws(KafkaWireFormat.MalformedResponse) -> ByteBuffer {
        let length = try int32()
        guard length > 0 else { return ByteBuffer() }
        guard let slice = buffer.readSlice(length: Int(length)) else { throw Self.malformed("bytes past the end") }
        return slice
    }

    /// An int32 array length; null (-1) reads as 0.
    package mutating func arrayCount() throws(KafkaWireFormat.MalformedResponse) -> Int {
        let count = try int32()
        guard count <= buffer.readableBytes else { throw Self.malformed("array of \(count) elements past the end") }
        return max(0, Int(count))
    }

    /// A compact array length; null reads as 0.
    package mutating func compactArrayCount() throws(KafkaWireFormat.MalformedResponse) -> Int {
        let encoded = try unsignedVarint()
        guard encoded > 0 else { return 0 }
        // Every element takes at least one byte: a larger count is a lie.
        guard Int(encoded) - 1 <= buffer.readableBytes else {
            throw Self.malformed("array of \(encoded - 1) elements past the end")
        }
        return Int(encoded) - 1
    }

    package mutating func skipTaggedFields() throws(KafkaWireFormat.MalformedResponse) {
        let count = try unsignedVarint()
        for _ in 0..<count {
            _ = try unsignedVarint()
            let size = try unsignedVarint()
            guard buffer.readableBytes >= Int(size) else { throw Self.malformed("tagged field past the end") }
            buffer.moveReaderIndex(forwardBy: Int(size))
        }
    }
}
