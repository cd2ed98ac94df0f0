import CompressNIO
import Foundation
import Hummingbird
import KafkaAdmin
import LagCore

/// The exporter's HTTP endpoints: `/metrics`, `/healthz`, `/readyz` and `/`.
///
/// `/metrics` renders the exposition from the latest published snapshots on
/// every scrape: no Kafka request ever happens on a scrape, and series of
/// groups or partitions that the last poll did not see are simply absent.
struct HTTPEndpoints: Sendable {
    var store: MetricsStore
    /// The families the `metric-allowlist` includes, matched once at start.
    var families: MetricsExposition.FamilySelection
    /// This exporter's shard, reported as `kafka_lag_exporter_shard_info`.
    var shard: Shard = .whole
    /// Basic auth from the web configuration file, in front of `/metrics`, `/`
    /// and unknown paths; nil: no authentication. The probes `/healthz` and
    /// `/readyz` stay open (Kubernetes probes cannot easily send credentials).
    var basicAuth: BasicAuthVerifier? = nil

    /// The paths served; each answers GET and HEAD, other methods get 405.
    static let paths: Set<String> = ["/metrics", "/healthz", "/readyz", "/"]

    func router() -> Router<BasicRequestContext> {
        // HEAD answers as GET without the body.
        let router = Router(options: .autoGenerateHeadEndpoints)
        // Middleware applies to the routes added after it, and all of it to unknown paths.
        router.add(middleware: MethodNotAllowedMiddleware(paths: Self.paths))
        router.get("/healthz") { _, _ in text("ok\n") }
        router.get("/readyz") { _, _ in readiness() }
        if let basicAuth { router.add(middleware: BasicAuthMiddleware(verifier: basicAuth)) }
        router.get("/metrics") { request, _ in metrics(request) }
        router.get("/") { _, _ in index() }
        return router
    }

    func metrics(_ request: Request) -> Response {
        let process = ProcessMetrics(
            version: Version.exporter, librdkafkaVersion: KafkaAdminClient.librdkafkaVersion,
            residentMemoryBytes: ProcessStats.residentMemoryBytes(), cpuSeconds: ProcessStats.cpuSeconds(),
            startTimeSeconds: ProcessStats.startTime, shard: shard)
        let body = MetricsExposition.renderUTF8(clusters: store.clusters, process: process, selection: families)
        var buffer = ByteBuffer(bytes: body)
        var headers: HTTPFields = [.contentType: MetricsExposition.contentType]
        if Self.acceptsGzip(request.headers[.acceptEncoding]), let compressed = try? buffer.compress(with: .gzip()) {
            buffer = compressed
            headers[.contentEncoding] = "gzip"
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    func readiness() -> Response {
        let (ready, reason) = store.readiness()
        var response = text(reason + "\n")
        response.status = ready ? .ok : .serviceUnavailable
        return response
    }

    func index() -> Response {
        let html = """
            <!doctype html>
            <html><head><title>kafka-lag-exporter</title></head><body>
            <h1>kafka-lag-exporter \(Version.exporter)</h1>
            <ul><li><a href="metrics">/metrics</a></li><li><a href="healthz">/healthz</a></li><li><a href="readyz">/readyz</a></li></ul>
            </body></html>

            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    private func text(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// Whether an Accept-Encoding header allows gzip (and does not refuse it with q=0).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { entry in
            let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let coding = parts.first?.lowercased(), coding == "gzip" || coding == "*" else { return false }
            return !parts.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "").hasPrefix("q=0") && !$0.contains(".") }
                && !parts.dropFirst().contains("q=0.0") && !parts.dropFirst().contains("q=0.000")
        }
    }
}

/// `405 Method Not Allowed` with `Allow: GET, HEAD` for any other method on a
/// known path (the router alone would answer 404); unknown paths pass through
/// to the router's 404.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let paths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .get, request.method != .head, paths.contains(request.uri.path) else {
            return try await next(request, context)
        }
        return Response(
            status: .methodNotAllowed, headers: [.allow: "GET, HEAD", .contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: "method \(request.method) is not allowed on \(request.uri.path)\n")))
    }
}
