import Foundation
import NIOSSL
import Yams

/// The optional web configuration file of `serve` (`--web-config-file FILE`
/// or `KAFKA_LAG_EXPORTER_WEB_CONFIG_FILE`): TLS and basic auth for the HTTP
/// endpoint, in the format of the Prometheus exporters' `web-config.yml`
/// (exporter-toolkit), so that one file serves both.
///
/// ```yaml
/// tls_server_config:
///   cert_file: server.crt          # relative paths: relative to this file
///   key_file: server.key
///   client_ca_file: ca.crt         # optional: client certificates (mTLS)
///   client_auth_type: RequireAndVerifyClientCert
///   min_version: TLS12             # TLS10 | TLS11 | TLS12 (default) | TLS13
///   max_version: TLS13
/// basic_auth_users:
///   prometheus: $2b$12$...         # bcrypt hashes only
/// ```
///
/// Unknown keys are errors naming the key; keys of exporter-toolkit that this
/// exporter does not implement are errors that say so. Hashes are validated as
/// bcrypt, never logged and never echoed in an error.
struct WebConfiguration: Sendable, Equatable {
    /// `tls_server_config`: serve HTTPS only (nil: plain HTTP).
    var tls: TLSServer?
    /// `basic_auth_users`: user name → bcrypt hash (empty: no authentication).
    var basicAuthUsers: [String: String] = [:]

    /// `tls_server_config`, with file paths already resolved against the web
    /// configuration file's directory.
    struct TLSServer: Sendable, Equatable {
        var certFile: String
        var keyFile: String
        var clientCAFile: String?
        var clientAuth: ClientAuth = .noClientCert
        var minVersion: Version = .tls12
        var maxVersion: Version = .tls13
    }

    /// `client_auth_type`, named as in Go's `crypto/tls` (exporter-toolkit).
    /// `RequestClientCert` and `RequireAnyClientCert` ask for a certificate
    /// without verifying it, which NIOSSL cannot do: they are rejected.
    enum ClientAuth: String, Sendable, Equatable, CaseIterable {
        case noClientCert = "NoClientCert"
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"
    }

    /// `min_version` / `max_version`.
    enum Version: String, Sendable, Equatable, CaseIterable, Comparable {
        case tls10 = "TLS10", tls11 = "TLS11", tls12 = "TLS12", tls13 = "TLS13"

        var nio: TLSVersion {
            switch self {
            case .tls10: .tlsv1
            case .tls11: .tlsv11
            case .tls12: .tlsv12
            case .tls13: .tlsv13
            }
        }

        private var rank: Int { Self.allCases.firstIndex(of: self)! }
        static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
    }

    /// exporter-toolkit keys this exporter recognises but does not implement.
    static let unsupportedTopLevelKeys = ["http_server_config", "rate_limit"]
    static let unsupportedTLSKeys = [
        "cert", "key", "client_ca", "cipher_suites", "curve_preferences", "prefer_server_cipher_suites", "client_allowed_sans",
    ]

    /// Reads and validates a web configuration file.
    /// - Throws: ``ConfigurationError`` whose key names the file and the key at fault.
    static func load(file path: String) throws(ConfigurationError) -> WebConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw ConfigurationError(key: path, "web configuration file \(reason)")
        }
        return try parse(yaml: text, directory: URL(fileURLWithPath: path).deletingLastPathComponent().path, source: path)
    }

    /// Parses the YAML text of a web configuration file.
    /// - Parameters:
    ///   - directory: what relative file paths are relative to.
    ///   - source: the file, named in every error.
    /// - Throws: ``ConfigurationError`` naming the source and the key at fault (never a hash).
    static func parse(yaml text: String, directory: String, source: String = "web configuration") throws(ConfigurationError) -> WebConfiguration {
        // Bounded, and never Yams' own error text: it quotes the file, which may hold a secret.
        let root = try ConfigurationYAML.compose(text, source: source)
        guard let root, root.null == nil else { return WebConfiguration() }
        do {
            return try parse(root, directory: directory)
        } catch {
            throw ConfigurationError(key: "\(source): \(error.key)", error.message)
        }
    }

    private static func parse(_ root: Node, directory: String) throws(ConfigurationError) -> WebConfiguration {
        var configuration = WebConfiguration()
        let reader = try MappingReader(root, path: "")
        for key in unsupportedTopLevelKeys where reader.node(key) != nil {
            throw ConfigurationError(key: key, "is not supported by kafka-lag-exporter")
        }
        if let node = reader.node("tls_server_config"), node.null == nil {
            configuration.tls = try parseTLS(node, directory: directory)
        }
        if let users = try reader.stringMap("basic_auth_users") {
            for (user, hash) in users {
                let key = "basic_auth_users.\(user)"
                guard !user.isEmpty, !user.contains(":") else {
                    throw ConfigurationError(key: key, "user names must be non-empty and must not contain ':'")
                }
                guard let normalized = BcryptHash.normalized(hash) else {
                    throw ConfigurationError(
                        key: key, "is not a bcrypt hash ($2a$, $2b$ or $2y$, a cost from 04 to 31, then 53 characters)")
                }
                configuration.basicAuthUsers[user] = normalized
            }
        }
        try reader.rejectUnknownKeys()
        return configuration
    }

    private static func parseTLS(_ node: Node, directory: String) throws(ConfigurationError) -> TLSServer {
        let path = "tls_server_config"
        let reader = try MappingReader(node, path: path)
        for key in unsupportedTLSKeys where reader.node(key) != nil {
            throw ConfigurationError(key: "\(path).\(key)", "is not supported by kafka-lag-exporter")
        }
        func file(_ key: String) throws(ConfigurationError) -> String? {
            guard let value = try reader.string(key), !value.isEmpty else { return nil }
            return value.hasPrefix("/") ? value : URL(fileURLWithPath: directory).appendingPathComponent(value).path
        }
        func version(_ key: String) throws(ConfigurationError) -> Version? {
            guard let value = try reader.string(key) else { return nil }
            guard let version = Version(rawValue: value) else {
                throw ConfigurationError(
                    key: "\(path).\(key)", "must be one of \(Version.allCases.map(\.rawValue).joined(separator: ", ")), got '\(value)'")
            }
            return version
        }
        guard let certFile = try file("cert_file") else { throw ConfigurationError(key: "\(path).cert_file", "is required") }
        guard let keyFile = try file("key_file") else { throw ConfigurationError(key: "\(path).key_file", "is required") }
        var tls = TLSServer(certFile: certFile, keyFile: keyFile, clientCAFile: try file("client_ca_file"))
        if let minVersion = try version("min_version") { tls.minVersion = minVersion }
        if let maxVersion = try version("max_version") { tls.maxVersion = maxVersion }
        guard tls.minVersion <= tls.maxVersion else {
            throw ConfigurationError(key: "\(path).min_version", "\(tls.minVersion.rawValue) is above max_version \(tls.maxVersion.rawValue)")
        }
        // As exporter-toolkit: a client CA without a client_auth_type means RequireAndVerifyClientCert.
        let authKey = "\(path).client_auth_type"
        switch try reader.string("client_auth_type") {
        case nil, "":
            tls.clientAuth = tls.clientCAFile == nil ? .noClientCert : .requireAndVerifyClientCert
        case "RequestClientCert", "RequireAnyClientCert":
            throw ConfigurationError(
                key: authKey, "certificates that are not verified are not supported: use VerifyClientCertIfGiven or RequireAndVerifyClientCert")
        case let value?:
            guard let mode = ClientAuth(rawValue: value) else {
                throw ConfigurationError(
                    key: authKey, "must be one of \(ClientAuth.allCases.map(\.rawValue).joined(separator: ", ")), got '\(value)'")
            }
            tls.clientAuth = mode
        }
        if tls.clientAuth != .noClientCert, tls.clientCAFile == nil {
            throw ConfigurationError(key: "\(path).client_ca_file", "is required with client_auth_type \(tls.clientAuth.rawValue)")
        }
        try reader.rejectUnknownKeys()
        return tls
    }

    /// The server's TLS configuration: loads the certificate chain, key and
    /// client CAs and builds an SSL context once, so that a missing file, a
    /// bad PEM or a key that does not match the certificate stops the program
    /// before it serves.
    /// - Returns: nil without `tls_server_config`.
    /// - Throws: ``ConfigurationError`` naming the key and the file.
    func makeTLSConfiguration() throws(ConfigurationError) -> TLSConfiguration? {
        guard let tls else { return nil }
        let path = "tls_server_config"
        func readable(_ key: String, _ file: String) throws(ConfigurationError) {
            guard FileManager.default.isReadableFile(atPath: file) else {
                let reason = FileManager.default.fileExists(atPath: file) ? "cannot be read" : "does not exist"
                throw ConfigurationError(key: "\(path).\(key)", "\(file) \(reason)")
            }
        }
        func certificates(_ key: String, _ file: String) throws(ConfigurationError) -> [NIOSSLCertificate] {
            try readable(key, file)
            let loaded: [NIOSSLCertificate]
            do {
                loaded = try NIOSSLCertificate.fromPEMFile(file)
            } catch {
                throw ConfigurationError(key: "\(path).\(key)", "\(file) is not a PEM certificate file: \(error)")
            }
            guard !loaded.isEmpty else { throw ConfigurationError(key: "\(path).\(key)", "\(file) holds no PEM certificate") }
            return loaded
        }
        let chain = try certificates("cert_file", tls.certFile)
        try readable("key_file", tls.keyFile)
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: tls.keyFile, format: .pem)
        } catch {
            throw ConfigurationError(key: "\(path).key_file", "\(tls.keyFile) is not an unencrypted PEM private key: \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = tls.minVersion.nio
        configuration.maximumTLSVersion = tls.maxVersion.nio
        if let caFile = tls.clientCAFile {
            configuration.trustRoots = .certificates(try certificates("client_ca_file", caFile))
            switch tls.clientAuth {
            case .noClientCert: configuration.certificateVerification = .none
            case .verifyClientCertIfGiven: configuration.certificateVerification = .optionalVerification
            case .requireAndVerifyClientCert: configuration.certificateVerification = .noHostnameVerification
            }
        }
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationError(
                key: path, "cannot use \(tls.certFile) with \(tls.keyFile) (does the key match the certificate?): \(error)")
        }
        return configuration
    }
}

/// The shapes of bcrypt hash that ``BasicAuthVerifier`` can check.
enum BcryptHash {
    /// `hash` with the `$2y$` prefix (htpasswd's) rewritten to the equivalent
    /// `$2b$`, or nil when `hash` is not a bcrypt hash.
    static func normalized(_ hash: String) -> String? {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
              [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]), bytes[3] == UInt8(ascii: "$"),
              bytes[6] == UInt8(ascii: "$"),
              let cost = Int(String(decoding: bytes[4...5], as: UTF8.self)), (4...31).contains(cost),
              bytes[7...].allSatisfy(isBcryptBase64)
        else { return nil }
        return bytes[2] == UInt8(ascii: "y") ? "$2b" + hash.dropFirst(3) : hash
    }

    private static func isBcryptBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "/"):
            true
        default:
            false
        }
    }
}
