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
        // Explicit, so that HEAD sends GET's headers: no Content-Length (the
        // generated HEAD would claim 0) and nothing rendered.
        router.head("/metrics") { request, _ in metricsHead(request) }
        router.get("/") { _, _ in index() }
        return router
    }

    /// The exposition, streamed: rendered a chunk at a time
    /// (``MetricsExposition/Renderer``), each chunk written, or gzipped by a
    /// streaming compressor, before the next one is rendered. A scrape thus
    /// holds one chunk of text and the compressor's window, never the page;
    /// the body goes out with chunked transfer encoding, without a length.
    ///
    /// The clusters are read from the store once, here, so the page is one
    /// consistent set of snapshots however long it takes to send. Rendering
    /// runs in the response's task on the cooperative pool (never on an event
    /// loop) and yields after every chunk, so a big page does not hold a
    /// thread for its whole render.
    func metrics(_ request: Request) -> Response {
        let clusters = store.clusters
        let process = processMetrics()
        let families = families
        let gzip = Self.acceptsGzip(request.headers[.acceptEncoding])
        let body = ResponseBody { writer in
            var renderer = MetricsExposition.Renderer(clusters: clusters, process: process, selection: families)
            if gzip {
                try await Self.writeGzipped(&renderer, to: &writer)
            } else {
                var chunk: [UInt8] = []
                while renderer.nextChunk(into: &chunk) {
                    try await writer.write(ByteBuffer(bytes: chunk))
                    await Task.yield()
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: Self.metricsHeaders(gzip: gzip), body: body)
    }

    /// HEAD `/metrics`: the headers of GET, without a body.
    func metricsHead(_ request: Request) -> Response {
        let headers = Self.metricsHeaders(gzip: Self.acceptsGzip(request.headers[.acceptEncoding]))
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in try await writer.finish(nil) })
    }

    static func metricsHeaders(gzip: Bool) -> HTTPFields {
        var headers: HTTPFields = [.contentType: MetricsExposition.contentType]
        if gzip { headers[.contentEncoding] = "gzip" }
        return headers
    }

    /// The output buffer of the gzip stream: what is written to the
    /// connection at a time (about 2 MB of exposition text at a ratio of 1:37).
    static let gzipWindowSize = 64 * 1024

    /// Renders and gzips chunk by chunk: each chunk is compressed into the
    /// window, which is written whenever it fills, and the last one finishes
    /// the stream. The same bytes as gzipping the whole page at once.
    static func writeGzipped(_ renderer: inout MetricsExposition.Renderer, to writer: inout any ResponseBodyWriter) async throws {
        let compressor = try ZlibCompressor(algorithm: .gzip)
        var window = ByteBufferAllocator().buffer(capacity: gzipWindowSize)
        // Reused: the compressor reads it before the next chunk is copied in.
        var input = ByteBufferAllocator().buffer(capacity: MetricsExposition.Renderer.defaultChunkSize + 4096)
        var chunk: [UInt8] = []
        var filled: [ByteBuffer] = []
        repeat {
            _ = renderer.nextChunk(into: &chunk)
            input.clear()
            input.writeBytes(chunk)
            let flush: CompressNIOFlush = renderer.isFinished ? .finish : .no
            try input.compressStream(with: compressor, window: &window, flush: flush) { filled.append($0) }
            try await writer.write(contentsOf: filled)
            filled.removeAll(keepingCapacity: true)
            await Task.yield()
        } while !renderer.isFinished
    }

    /// The exporter's own metrics, read at the start of a scrape.
    private func processMetrics() -> ProcessMetrics {
        ProcessMetrics(
            version: Version.exporter, librdkafkaVersion: KafkaAdminClient.librdkafkaVersion,
            residentMemoryBytes: ProcessStats.residentMemoryBytes(), cpuSeconds: ProcessStats.cpuSeconds(),
            startTimeSeconds: ProcessStats.startTime, shard: shard)
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
