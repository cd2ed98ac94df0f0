/// The bits of the Kafka protocol the test proxy reads and writes, on its own
/// codec (``FrameReader``, ``FrameWriter``): request headers, plus per message
/// (in `KafkaFrame+<Message>.swift`) what the proxy decodes or answers itself.
///
/// A frame here is one request or response without its 4-byte length prefix.
/// Field layouts follow the message definitions of the Kafka protocol
/// (apache/kafka `clients/src/main/resources/common/message/*.json`).
enum KafkaFrame {
    /// The API keys the proxy looks into.
    enum APIKey {
        static let offsetFetch: Int16 = 9
        static let describeGroups: Int16 = 15
        static let listGroups: Int16 = 16
        static let consumerGroupDescribe: Int16 = 69
    }

    /// Kafka error codes the proxy answers with.
    enum ErrorCode {
        static let groupIdNotFound: Int16 = 69
    }

    /// Request header v1 and v2: api key, api version, correlation id, client
    /// id (int16-length in both), then in v2 (flexible requests) tagged fields.
    struct RequestHeader: Equatable {
        var apiKey: Int16
        var apiVersion: Int16
        var correlationId: Int32
        var clientId: String?
    }

    /// Whether requests (header v2) and responses (header v1) of this API
    /// version are flexible: tagged fields and compact strings and arrays.
    /// Only for the APIs in ``APIKey``.
    static func isFlexible(apiKey: Int16, version: Int16) -> Bool {
        switch apiKey {
        case APIKey.offsetFetch: version >= 6
        case APIKey.describeGroups: version >= 5
        case APIKey.listGroups: version >= 3
        case APIKey.consumerGroupDescribe: true
        default: false
        }
    }

    /// The api key of a request frame, if it has one.
    static func apiKey(_ frame: [UInt8]) -> Int16? {
        frame.count >= 2 ? Int16(bitPattern: UInt16(frame[0]) << 8 | UInt16(frame[1])) : nil
    }

    /// The header of a request with api key `apiKey` and a reader at the start
    /// of its body; nil for other requests or a header that does not parse.
    static func request(_ frame: [UInt8], apiKey: Int16) -> (RequestHeader, FrameReader)? {
        guard self.apiKey(frame) == apiKey else { return nil }
        var reader = FrameReader(frame)
        do {
            let header = RequestHeader(
                apiKey: try reader.int16(), apiVersion: try reader.int16(), correlationId: try reader.int32(),
                clientId: try reader.nullableString())
            try reader.skipTaggedFields(flexible: isFlexible(apiKey: apiKey, version: header.apiVersion))
            return (header, reader)
        } catch {
            return nil
        }
    }

    /// A response frame: the correlation id, in a flexible response (header v1)
    /// empty tagged fields, then `body`.
    static func response(correlationId: Int32, flexible: Bool, body: [UInt8]) -> [UInt8] {
        var writer = FrameWriter()
        writer.int32(correlationId)
        writer.emptyTaggedFields(flexible: flexible)
        return writer.bytes + body
    }

    /// The correlation id of a response frame and a reader at the start of its
    /// body (after the header's tagged fields when `flexible`).
    static func responseBody(_ frame: [UInt8], flexible: Bool) throws(FrameReader.Malformed) -> (Int32, FrameReader) {
        var reader = FrameReader(frame)
        let correlationId = try reader.int32()
        try reader.skipTaggedFields(flexible: flexible)
        return (correlationId, reader)
    }

    static func int32(_ bytes: [UInt8], at index: Int) -> Int32 {
        Int32(bitPattern: UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3]))
    }

    static func bigEndian(_ value: Int32) -> [UInt8] {
        let bits = UInt32(bitPattern: value)
        return [UInt8(bits >> 24), UInt8(bits >> 16 & 0xff), UInt8(bits >> 8 & 0xff), UInt8(bits & 0xff)]
    }
}
