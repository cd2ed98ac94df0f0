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
    var metricFilter: NameFilter

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { request, _ in metrics(request) }
        router.get("/healthz") { _, _ in text("ok\n") }
        router.get("/readyz") { _, _ in readiness() }
        router.get("/") { _, _ in index() }
        return router
    }

    func metrics(_ request: Request) -> Response {
        let process = ProcessMetrics(
            version: Version.exporter, librdkafkaVersion: KafkaAdminClient.librdkafkaVersion,
            residentMemoryBytes: ProcessStats.residentMemoryBytes(), cpuSeconds: ProcessStats.cpuSeconds(),
            startTimeSeconds: ProcessStats.startTime)
        let body = MetricsExposition.renderUTF8(clusters: store.clusters, process: process, metricFilter: metricFilter)
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
