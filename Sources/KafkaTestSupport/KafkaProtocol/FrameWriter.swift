/// Writes Kafka's primitive types into a frame (without its length prefix):
/// the counterpart of ``FrameReader``.
struct FrameWriter {
    private(set) var bytes: [UInt8] = []

    mutating func int8(_ value: Int8) { integer(value) }
    mutating func int16(_ value: Int16) { integer(value) }
    mutating func int32(_ value: Int32) { integer(value) }
    mutating func int64(_ value: Int64) { integer(value) }
    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    private mutating func integer<Value: FixedWidthInteger>(_ value: Value) {
        let size = MemoryLayout<Value>.size
        for shift in stride(from: (size - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
        }
    }

    mutating func unsignedVarint(_ value: UInt32) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A string: compact (varint length + 1) when `flexible`, else int16 length.
    mutating func string(_ value: String, flexible: Bool) {
        nullableString(value, flexible: flexible)
    }

    /// A nullable string: null is the varint 0 when `flexible`, else the int16 -1.
    mutating func nullableString(_ value: String?, flexible: Bool) {
        let utf8 = value.map { Array($0.utf8) }
        switch (utf8, flexible) {
        case (nil, true): unsignedVarint(0)
        case (nil, false): int16(-1)
        case (let utf8?, true):
            unsignedVarint(UInt32(utf8.count) + 1)
            bytes += utf8
        case (let utf8?, false):
            int16(Int16(utf8.count))
            bytes += utf8
        }
    }

    /// Nullable bytes: compact when `flexible`, else int32 length (-1 for null).
    mutating func nullableBytes(_ value: [UInt8]?, flexible: Bool) {
        switch (value, flexible) {
        case (nil, true): unsignedVarint(0)
        case (nil, false): int32(-1)
        case (let value?, true):
            unsignedVarint(UInt32(value.count) + 1)
            bytes += value
        case (let value?, false):
            int32(Int32(value.count))
            bytes += value
        }
    }

    /// An array length (`nil`: a null array): compact when `flexible`, else int32.
    mutating func arrayCount(_ count: Int?, flexible: Bool) {
        if flexible {
            unsignedVarint(count.map { UInt32($0) + 1 } ?? 0)
        } else {
            int32(count.map { Int32($0) } ?? -1)
        }
    }

    /// An empty tagged-field section (the only one the proxy writes); nothing when not `flexible`.
    mutating func emptyTaggedFields(flexible: Bool = true) {
        if flexible { unsignedVarint(0) }
    }
}
