import Hummingbird
import HummingbirdCore
import Logging
import NIOSSL

extension ServeCommand {
    /// The HTTP endpoint of `serve` as configured: the web configuration file
    /// (TLS, basic auth) and the connection limits.
    struct WebEndpoint {
        var server: HTTPServerBuilder
        var basicAuth: BasicAuthVerifier?
        var limits: HTTPServerLimits
        /// ``HTTPServerLimits/maxConnections`` after the open-file limit.
        var maxConnections: Int
        var tls: Bool

        /// Hummingbird's configuration: the address, the connection limit and the listen backlog.
        func applicationConfiguration(host: String, port: Int, logger: Logger) -> ApplicationConfiguration {
            ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: "kafka-lag-exporter", backlog: HTTPServerLimits.listenBacklog,
                availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger))
        }
    }

    /// Reads the web configuration file (if any), loads its certificates and
    /// raises the open-file limit for the connections.
    /// - Throws: ``ConfigurationError`` naming the file and key at fault.
    func webEndpoint(_ configuration: ExporterConfiguration) throws(ConfigurationError) -> WebEndpoint {
        var web = WebConfiguration()
        let source = configuration.webConfigFile ?? "web configuration"
        if let path = configuration.webConfigFile { web = try WebConfiguration.load(file: path) }
        let tls: TLSConfiguration?
        do {
            tls = try web.makeTLSConfiguration()
        } catch {
            throw ConfigurationError(key: "\(source): \(error.key)", error.message)
        }
        var limits = HTTPServerLimits()
        if let value = webIdleTimeout.flatMap(DurationParser.parse) { limits.idleTimeout = value }
        if let webMaxConnections { limits.maxConnections = webMaxConnections }
        let server: HTTPServerBuilder
        do {
            server = try limits.serverBuilder(tls: tls)
        } catch {
            throw ConfigurationError(key: "\(source): tls_server_config", "\(error)")
        }
        return WebEndpoint(
            server: server,
            basicAuth: web.basicAuthUsers.isEmpty ? nil : BasicAuthVerifier(users: web.basicAuthUsers),
            limits: limits,
            maxConnections: limits.effectiveMaxConnections(openFileLimit: HTTPServerLimits.raiseOpenFileLimit()),
            tls: tls != nil)
    }
}
