import NIOCore

/// The connections of a ``BatchedGroupReader``: one per broker address, kept
/// open between polls, each checked once with ApiVersions for the request
/// versions the batched reads send.
actor BrokerConnectionPool {
    private let clientId: String
    private var open: [String: BrokerConnection] = [:]
    private var connecting: [String: Task<Result<BrokerConnection, KafkaAdminError>, Never>] = [:]
    /// Brokers whose ApiVersions lacked a needed version: never asked again by
    /// this client (their groups go to librdkafka).
    private var tooOld: Set<String> = []

    init(clientId: String) { self.clientId = clientId }

    func connection(to broker: BrokerInfo, timeout: Duration, operation: String) async throws(KafkaAdminError) -> BrokerConnection {
        let address = "\(broker.host):\(broker.port)"
        if let connection = open[address] {
            if connection.isActive { return connection }
            open[address] = nil
        }
        guard !tooOld.contains(address) else { throw Self.unsupported(address: address, operation: operation) }
        let task: Task<Result<BrokerConnection, KafkaAdminError>, Never>
        if let inProgress = connecting[address] {
            task = inProgress
        } else {
            let clientId = clientId
            task = Task { await Self.openChecked(broker, clientId: clientId, timeout: timeout, operation: operation) }
            connecting[address] = task
        }
        let result = await task.value
        connecting[address] = nil
        switch result {
        case .success(let connection):
            open[address] = connection
            return connection
        case .failure(let error):
            if error.code == .unsupportedVersion { tooOld.insert(address) }
            throw error
        }
    }

    func closeAll() {
        for connection in open.values { connection.close() }
        open.removeAll()
    }

    nonisolated func closeAllLater() {
        Task { await self.closeAll() }
    }

    /// Connects and checks with ApiVersions v0 that the broker answers the batched requests' versions.
    private static func openChecked(
        _ broker: BrokerInfo, clientId: String, timeout: Duration, operation: String
    ) async -> Result<BrokerConnection, KafkaAdminError> {
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
            let answer: (errorCode: Int16, maxVersions: [Int16: Int16])
            do {
                answer = try GroupProtocol.decodeApiVersions(&reader)
            } catch {
                throw KafkaAdminError(code: .badMessage, kind: .broker, message: error.description, operation: "ApiVersions", brokers: connection.address)
            }
            guard answer.errorCode == 0, GroupProtocol.supportsBatchedReads(maxVersions: answer.maxVersions) else { throw unsupported(address: connection.address, operation: operation) }
            return .success(connection)
        } catch {
            connection.close()
            return .failure(error)
        }
    }

    private static func unsupported(address: String, operation: String) -> KafkaAdminError {
        KafkaAdminError(
            code: .unsupportedVersion, kind: .broker,
            message: "the broker does not answer FindCoordinator v4, DescribeGroups v5 and OffsetFetch v8",
            operation: operation, brokers: address)
    }
}
