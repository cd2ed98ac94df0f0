import CRdKafka

/// An error from the admin client: librdkafka's error code, name and message,
/// the operation that failed and the broker address(es) it talked to.
///
/// Client properties are never part of an error, so a SASL password or a key
/// cannot leak through one.
public struct KafkaAdminError: Error, Sendable, Hashable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t` value, without importing the C module.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let noError = Code(rawValue: 0)
        public static let badMessage = Code(rawValue: -199)
        public static let transport = Code(rawValue: -195)
        public static let resolve = Code(rawValue: -193)
        public static let allBrokersDown = Code(rawValue: -187)
        public static let invalidArgument = Code(rawValue: -186)
        public static let timedOut = Code(rawValue: -185)
        public static let unknownTopicOrPartition = Code(rawValue: 3)
        public static let coordinatorNotAvailable = Code(rawValue: 15)
        public static let unsupportedVersion = Code(rawValue: 35)
        public static let notCoordinator = Code(rawValue: 16)
        public static let groupAuthorizationFailed = Code(rawValue: 30)
        public static let groupIdNotFound = Code(rawValue: 69)

        /// librdkafka's symbolic name, e.g. `_TIMED_OUT` or `GROUP_AUTHORIZATION_FAILED`.
        public var name: String {
            String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rawValue)))
        }

        public var description: String { name }
    }

    /// What went wrong, coarsely: lets callers pick an exit code or a retry policy.
    public enum Kind: Sendable, Hashable {
        /// A client property or argument was rejected before anything was sent.
        case configuration
        /// The broker could not be reached (transport, resolve, timeout).
        case connectivity
        /// The broker answered with an error.
        case broker
    }

    public var code: Code
    public var kind: Kind
    /// librdkafka's human-readable message.
    public var message: String
    /// The admin operation, e.g. `ListConsumerGroups`.
    public var operation: String
    /// The broker address(es) the client was talking to.
    public var brokers: String
    /// The newest client-level error librdkafka reported, which usually names
    /// the exact broker and socket error (e.g. "Connection refused").
    public var detail: String?

    public init(
        code: Code,
        kind: Kind? = nil,
        message: String,
        operation: String,
        brokers: String,
        detail: String? = nil
    ) {
        self.code = code
        self.kind = kind ?? Self.kind(of: code)
        self.message = message
        self.operation = operation
        self.brokers = brokers
        self.detail = detail
    }

    public var description: String {
        var text = "\(operation) failed (broker \(brokers)): \(message) [\(code.name)]"
        if let detail, !detail.isEmpty, !message.contains(detail) {
            text += "; last broker error: \(detail)"
        }
        return text
    }

    /// Copies an `rd_kafka_error_t` that a result event owns (so it is not destroyed here).
    init(borrowing error: OpaquePointer, operation: String, brokers: String, detail: String? = nil) {
        self.init(
            code: Code(rawValue: rd_kafka_error_code(error).rawValue),
            message: String(cString: rd_kafka_error_string(error)),
            operation: operation, brokers: brokers, detail: detail)
    }

    /// A Kafka protocol error code from a broker's answer (Kafka's codes are
    /// librdkafka's positive ones), with librdkafka's message for it.
    init(brokerCode: Int16, operation: String, brokers: String) {
        let code = rd_kafka_resp_err_t(rawValue: Int32(brokerCode))
        self.init(
            code: Code(rawValue: code.rawValue), message: String(cString: rd_kafka_err2str(code)),
            operation: operation, brokers: brokers)
    }

    static func kind(of code: Code) -> Kind {
        switch code {
        case .transport, .resolve, .allBrokersDown, .timedOut: .connectivity
        case .invalidArgument: .configuration
        default: .broker
        }
    }
}
