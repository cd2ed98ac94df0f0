/// What the admin client needs to reach a cluster: the bootstrap servers and
/// librdkafka client properties (`security.protocol`, `sasl.*`, `ssl.*`, ...).
public struct KafkaClientConfiguration: Sendable, Hashable {
    /// `host:port[,host:port]`.
    public var bootstrapServers: String
    /// Extra librdkafka properties, passed through verbatim.
    public var properties: [String: String]
    /// Upper bound for one admin request (librdkafka's request timeout).
    public var requestTimeout: Duration

    public init(bootstrapServers: String, properties: [String: String] = [:], requestTimeout: Duration = .seconds(10)) {
        self.bootstrapServers = bootstrapServers
        self.properties = properties
        self.requestTimeout = requestTimeout
    }

    /// True for property names whose values are secrets (passwords, keys,
    /// tokens): their values are never printed.
    public static func isSecret(property name: String) -> Bool {
        let lower = name.lowercased()
        return ["password", "secret", "key.pem", "keystore", "jaas", "token", "sasl.oauthbearer.config",
                "ssl.key", "credentials"]
            .contains { lower.contains($0) }
    }

    /// The properties with secret values replaced by `***`, for logs and dumps.
    public var redactedProperties: [String: String] {
        properties.reduce(into: [:]) { result, entry in
            result[entry.key] = Self.isSecret(property: entry.key) ? "***" : entry.value
        }
    }
}
