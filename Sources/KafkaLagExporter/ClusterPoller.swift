import Foundation
import KafkaAdmin
import LagCore
import Logging
import ServiceLifecycle

/// Polls one cluster on a fixed interval and publishes each snapshot.
///
/// Polls never overlap: the next one starts one interval after the previous
/// one started, or right after it ended if it took longer. A failed poll is
/// logged and counted; the last good snapshot stays published.
struct ClusterPoller: Service {
    var collector: LagCollector
    var store: MetricsStore
    var interval: Duration
    var timeout: Duration
    var logger: Logger
    /// Points per partition for lag in seconds, and polls per status window.
    var lookupTableSize: Int = 60
    var statusWindow: Int = 10

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await pollUntilCancelled()
        }
    }

    private func pollUntilCancelled() async {
        let clock = ContinuousClock()
        var history = makeHistory()
        while !Task.isCancelled {
            let started = clock.now
            await pollOnce(history: &history, clock: clock)
            let elapsed = clock.now - started
            if elapsed > interval {
                logger.warning("poll took longer than the poll interval", metadata: [
                    "cluster": "\(collector.cluster)", "duration_ms": "\(elapsed.milliseconds)",
                    "poll_interval_ms": "\(interval.milliseconds)",
                ])
            }
            do {
                try await Task.sleep(until: started + interval, clock: clock)
            } catch {
                return  // cancelled: shutting down
            }
        }
    }

    /// A fresh history (lookup tables and status windows) for this cluster.
    func makeHistory() -> LagHistory {
        LagHistory(lookupTableSize: lookupTableSize, windowSize: statusWindow, pollInterval: interval.seconds)
    }

    /// One poll: collect, update the history, publish; or count the failure
    /// (the history is kept across failed polls).
    func pollOnce(history: inout LagHistory, clock: ContinuousClock = ContinuousClock()) async {
        let started = clock.now
        do {
            let outcome = try await collector.collect(timeout: timeout)
            let duration = clock.now - started
            let now = Date().timeIntervalSince1970
            let insights = history.record(outcome.snapshot, at: now)
            store.recordSuccess(cluster: collector.cluster, snapshot: outcome.snapshot, insights: insights,
                                duration: duration, at: now)
            for (group, error) in outcome.groupFailures.sorted(by: { $0.key < $1.key }) {
                logger.warning("group skipped", metadata: ["cluster": "\(collector.cluster)", "group": "\(group)", "error": "\(error)"])
            }
            logger.debug("poll complete", metadata: [
                "cluster": "\(collector.cluster)", "groups": "\(outcome.snapshot.groups.count)",
                "partitions": "\(outcome.snapshot.partitionOffsets.count)", "duration_ms": "\(duration.milliseconds)",
            ])
        } catch {
            guard !Task.isCancelled else { return }
            store.recordFailure(cluster: collector.cluster)
            logger.error("poll failed", metadata: ["cluster": "\(collector.cluster)", "error": "\(error)"])
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Seconds as a floating-point number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
