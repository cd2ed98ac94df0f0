import Foundation
import Hummingbird
import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// Answers `401 Unauthorized` with `WWW-Authenticate: Basic
/// realm="kafka-lag-exporter"` unless the request carries the credentials of
/// one of the web configuration's `basic_auth_users`.
///
/// ``HTTPEndpoints`` puts it in front of `/metrics`, `/` and unknown paths;
/// `/healthz` and `/readyz` stay open because Kubernetes probes cannot easily
/// send credentials and tell nothing about the clusters.
struct BasicAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    static var realm: String { "kafka-lag-exporter" }

    let verifier: BasicAuthVerifier

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard await verifier.isAuthorized(request.headers[.authorization]) else {
            return Response(
                status: .unauthorized,
                headers: [.wwwAuthenticate: "Basic realm=\"\(Self.realm)\"", .contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
        }
        return try await next(request, context)
    }
}

/// Checks `Authorization: Basic ...` headers against bcrypt hashes.
///
/// bcrypt is slow on purpose (tens to hundreds of milliseconds per check), so
/// checks run on NIO's blocking thread pool, never on the cooperative pool, and
/// their outcomes are remembered for the header values most recently seen
/// (at most ``cacheCapacity``; the memory is cleared when full), as
/// exporter-toolkit does: a scraper that sends the same credentials every
/// 15 s costs one bcrypt check. A user name that is not configured is checked
/// against a configured hash all the same, so that its answer takes as long.
/// Credentials and hashes are never logged.
final class BasicAuthVerifier: Sendable {
    /// Header values whose outcome is remembered.
    static let cacheCapacity = 256

    private let users: [String: String]
    private let decoyHash: String
    private let outcomes = Mutex<[String: Bool]>([:])

    /// - Parameter users: user name → bcrypt hash (``BcryptHash/normalized(_:)``); not empty.
    init(users: [String: String]) {
        precondition(!users.isEmpty, "basic auth needs at least one user")
        self.users = users
        decoyHash = users.values.min()!
    }

    /// Whether `header` (the `Authorization` value) holds a configured user's password.
    func isAuthorized(_ header: String?) async -> Bool {
        guard let header, let credentials = Self.credentials(header) else { return false }
        if let known = outcomes.withLock({ $0[header] }) { return known }
        let hash = users[credentials.user]
        let checked = hash ?? decoyHash
        let matches: Bool
        do {
            matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(credentials.password, hash: checked) }
        } catch {
            return false  // the pool is shutting down: refuse, but do not remember it
        }
        let authorized = hash != nil && matches
        outcomes.withLock { outcomes in
            if outcomes.count >= Self.cacheCapacity { outcomes.removeAll(keepingCapacity: true) }
            outcomes[header] = authorized
        }
        return authorized
    }

    /// User and password of a `Basic` authorization header value.
    static func credentials(_ header: String) -> (user: String, password: String)? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
