import Foundation

/// Throw-away TLS material for one test, made with the `openssl` command in a
/// fresh temporary directory: a CA, a server certificate it signed for
/// `127.0.0.1` and `localhost`, a client certificate it signed (for mutual
/// TLS), and a second, unrelated CA (for "wrong CA" tests).
///
/// Keys are unencrypted EC P-256 keys; certificates are valid for two days.
/// ``remove()`` deletes the directory.
public struct TestCertificates: Sendable {
    /// The directory holding every file below.
    public let directory: URL

    /// The CA certificate (PEM) that signed the server and client certificates.
    public var caCertificate: String { path("ca.pem") }
    /// The server certificate (PEM), subjectAltName `IP:127.0.0.1, DNS:localhost`.
    public var serverCertificate: String { path("server.pem") }
    /// The server certificate's private key (PEM).
    public var serverKey: String { path("server.key") }
    /// A client certificate (PEM) signed by the CA, for mutual TLS.
    public var clientCertificate: String { path("client.pem") }
    /// The client certificate's private key (PEM).
    public var clientKey: String { path("client.key") }
    /// A CA certificate (PEM) unrelated to everything above: verifying the
    /// server with it must fail.
    public var otherCACertificate: String { path("other-ca.pem") }

    private func path(_ file: String) -> String { directory.appendingPathComponent(file).path }

    /// Generates all files; throws with openssl's output when a step fails.
    public static func generate() async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kle-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        do {
            try await certificates.makeCA(name: "ca", subject: "/CN=kafka-lag-exporter test CA")
            try await certificates.makeCA(name: "other-ca", subject: "/CN=unrelated test CA")
            try await certificates.makeSigned(
                name: "server", subject: "/CN=localhost",
                extensions: ["subjectAltName=IP:127.0.0.1,DNS:localhost", "extendedKeyUsage=serverAuth"])
            try await certificates.makeSigned(
                name: "client", subject: "/CN=kafka-lag-exporter", extensions: ["extendedKeyUsage=clientAuth"])
        } catch {
            certificates.remove()
            throw error
        }
        return certificates
    }

    /// Deletes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A self-signed CA: `<name>.pem` and `<name>.key`.
    private func makeCA(name: String, subject: String) async throws {
        try await openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path("\(name).key"), "-out", path("\(name).pem"), "-days", "2", "-subj", subject,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    }

    /// A key and a certificate signed by `ca`: `<name>.pem` and `<name>.key`.
    private func makeSigned(name: String, subject: String, extensions: [String]) async throws {
        let request = path("\(name).csr")
        let extensionFile = path("\(name).ext")
        try await openssl(
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", path("\(name).key"), "-out", request, "-subj", subject)
        let lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment"] + extensions
        try (lines.joined(separator: "\n") + "\n").write(toFile: extensionFile, atomically: true, encoding: .utf8)
        // A random serial, so that no serial file is written next to the CA.
        let serial = "0x" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16)
        try await openssl(
            "x509", "-req", "-in", request, "-CA", caCertificate, "-CAkey", path("ca.key"), "-set_serial", serial,
            "-days", "2", "-extfile", extensionFile, "-out", path("\(name).pem"))
    }

    private func openssl(_ arguments: String...) async throws {
        let binary = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let binary else { throw TestBrokerError("openssl is not installed (looked in /usr/bin and /usr/local/bin)") }
        let result = try await runCommand(binary, arguments)
        guard result.status == 0 else {
            let step = arguments.prefix(2).joined(separator: " ")
            throw TestBrokerError("openssl \(step) failed (\(result.status)): \(result.standardError)")
        }
    }
}
