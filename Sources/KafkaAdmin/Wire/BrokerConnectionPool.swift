import NIOCore

/// The connections of the batched reads (``BatchedGroupReader``,
/// ``BatchedOffsetReader``): one per broker address, kept open between polls
/// and closed with the pool (each ``BrokerConnection`` closes its socket when
/// it goes away).
/// Each new connection first asks ApiVersions; a request is only sent to a
/// broker that answers its version.
actor BrokerConnectionPool {
    private let clientId: String
    private var open: [String: BrokerConnection] = [:]
    /// Highest version per API key, from each broker's ApiVersions answer.
    private var maxVersions: [String: [Int16: Int16]] = [:]
    private var connecting: [String: Task<Result<(BrokerConnection, [Int16: Int16]), KafkaAdminError>, Never>] = [:]

    init(clientId: String) { self.clientId = clientId }

    /// An open connection to `broker` that answers every request of `needs` at
    /// (at least) its version.
    /// - Throws: a connectivity error, or `UNSUPPORTED_VERSION` for an older broker.
    func connection(
        to broker: BrokerInfo, needs: [KafkaWireFormat.ApiKey: Int16], timeout: Duration, operation: String
    ) async throws(KafkaAdminError) -> BrokerConnection {
        let address = "\(broker.host):\(broker.port)"
        let connection = try await openConnection(to: broker, address: address, timeout: timeout, operation: operation)
        guard KafkaWireFormat.supports(needs, maxVersions: maxVersions[address] ?? [:]) else {
            throw KafkaAdminError(
                code: .unsupportedVersion, kind: .broker,
                message: "the broker does not answer "
                    + needs.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key) v\($0.value)" }.joined(separator: ", "),
                operation: operation, brokers: address)
        }
        return connection
    }

    private func openConnection(
        to broker: BrokerInfo, address: String, timeout: Duration, operation: String
    ) async throws(KafkaAdminError) -> BrokerConnection {
        if let connection = open[address] {
            if connection.isActive { return connection }
            open[address] = nil
        }
        let task: Task<Result<(BrokerConnection, [Int16: Int16]), KafkaAdminError>, Never>
        if let inProgress = connecting[address] {
            task = inProgress
        } else {
            let clientId = clientId
            task = Task { await Self.openAsking(broker, clientId: clientId, timeout: timeout, operation: operation) }
            connecting[address] = task
        }
        let result = await task.value
        connecting[address] = nil
        switch result {
        case .success(let (connection, versions)):
            open[address] = connection
            maxVersions[address] = versions
            return connection
        case .failure(let error):
            throw error
        }
    }

    /// Connects and asks ApiVersions (v0: every broker answers it).
    private static func openAsking(
        _ broker: BrokerInfo, clientId: String, timeout: Duration, operation: String
    ) async -> Result<(BrokerConnection, [Int16: Int16]), KafkaAdminError> {
        let deadline = ContinuousClock.now + timeout
        let connection: BrokerConnection
        do {
            connection = try await BrokerConnection.connect(
                host: broker.host, port: Int(broker.port), clientId: clientId, timeout: timeout, operation: operation)
        } catch {
            return .failure(error)
        }
        do throws(KafkaAdminError) {
            var reader = try await connection.send(
                .apiVersions, version: 0, body: ByteBuffer(), timeout: max(.milliseconds(1), deadline - .now), operation: "ApiVersions")
            let answer = try connection.decode("ApiVersions") { () throws(KafkaWireFormat.MalformedResponse) in
                try KafkaWireFormat.decodeApiVersions(&reader)
            }
            guard answer.errorCode == 0 else {
                throw KafkaAdminError(brokerCode: answer.errorCode, operation: "ApiVersions", brokers: connection.address)
            }
            return .success((connection, answer.maxVersions))
        } catch {
            connection.close()
            return .failure(error)
        }
    }
}
