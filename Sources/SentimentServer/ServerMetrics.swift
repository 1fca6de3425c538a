import Foundation
import Prometheus
import SentimentKit

/// The server's Prometheus metrics, in a registry of its own (no process-wide metrics bootstrap).
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let predictionsStored: Counter
    private let predictionsUnstored: Counter
    private let batchRows: ValueHistogram
    private let batchCallers: ValueHistogram
    private let batchSeconds: DurationHistogram

    init() {
        predictionsStored = registry.makeCounter(name: "sentiment_predictions_stored_total",
                                                 help: "Predictions stored through the API.")
        predictionsUnstored = registry.makeCounter(name: "sentiment_predictions_unstored_total",
                                                   help: "Predictions answered without storing (store: false).")
        batchRows = registry.makeValueHistogram(name: "sentiment_store_batch_rows",
                                                buckets: [1, 10, 100, 1_000, 10_000, 100_000],
                                                help: "Rows per group-commit transaction.")
        batchCallers = registry.makeValueHistogram(name: "sentiment_store_batch_requests",
                                                   buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
                                                   help: "Requests answered per group-commit transaction.")
        batchSeconds = registry.makeDurationHistogram(name: "sentiment_store_batch_seconds",
                                                      buckets: Self.latencyBuckets,
                                                      help: "Time to commit one group-commit transaction.")
    }

    static let latencyBuckets: [Duration] = [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                                             .milliseconds(5), .milliseconds(10), .milliseconds(20), .milliseconds(50),
                                             .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                             .seconds(5)]

    func request(route: String, method: String, status: Int, seconds: Double) {
        registry.makeCounter(name: "sentiment_http_requests_total",
                             labels: [("route", route), ("method", method), ("status", String(status))],
                             help: "HTTP requests answered.").increment()
        registry.makeDurationHistogram(name: "sentiment_http_request_seconds", labels: [("route", route)],
                                       buckets: Self.latencyBuckets, help: "Time to answer an HTTP request.")
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    func predicted(stored: Bool, count: Int) {
        (stored ? predictionsStored : predictionsUnstored).increment(by: Int64(count))
    }

    func committed(_ batch: GroupCommitter.BatchReport) {
        batchRows.record(Double(batch.rows))
        batchCallers.record(Double(batch.callers))
        batchSeconds.recordNanoseconds(Int64(batch.seconds * 1e9))
    }

    func text() -> [UInt8] { registry.emitToBuffer() }
}
