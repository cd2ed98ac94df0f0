import Foundation
import KafkaAdmin
import LagCore
import LagPoll
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
    /// Consecutive failed polls after which the cluster's series are withdrawn
    /// (so that alerts on absence fire); until then the last good snapshot stays.
    var maxFailedPolls: Int = 5

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await pollUntilCancelled()
        }
    }

    private func pollUntilCancelled() async {
        let clock = ContinuousClock()
        var history = makeHistory()
        var failures = 0
        while !Task.isCancelled {
            let started = clock.now
            let succeeded = await pollOnce(history: &history, clock: clock)
            failures = succeeded ? 0 : failures + 1
            if failures == maxFailedPolls {
                store.withdraw(cluster: collector.cluster)
                logger.error("cluster series withdrawn after consecutive failed polls", metadata: [
                    "cluster": "\(collector.cluster)", "failed_polls": "\(failures)",
                ])
            }
            let elapsed = clock.now - started
            if elapsed > interval {
                logger.warning("poll took longer than the poll interval", metadata: [
                    "cluster": "\(collector.cluster)", "duration_ms": "\(elapsed.milliseconds)",
                    "poll_interval_ms": "\(interval.milliseconds)",
                ])
            }
            do {
                try await Task.sleep(until: started + Self.delay(afterFailures: failures, interval: interval), clock: clock)
            } catch {
                return  // cancelled: shutting down
            }
        }
    }

    /// Time between poll starts: the interval, doubled per consecutive failure
    /// up to 8 intervals or 5 minutes, whichever is shorter (never below the interval).
    static func delay(afterFailures failures: Int, interval: Duration) -> Duration {
        guard failures > 0 else { return interval }
        let factor = 1 << min(failures - 1, 3)
        return max(interval, min(interval * factor, .seconds(300)))
    }

    /// A fresh history (lookup tables and status windows) for this cluster.
    func makeHistory() -> LagHistory {
        LagHistory(lookupTableSize: lookupTableSize, windowSize: statusWindow, pollInterval: interval.seconds)
    }

    /// One poll: collect, update the history, publish; or count the failure
    /// (the history is kept across failed polls).
    @discardableResult
    func pollOnce(history: inout LagHistory, clock: ContinuousClock = ContinuousClock()) async -> Bool {
        let started = clock.now
        do {
            let outcome = try await collector.collect(timeout: timeout)
            let duration = clock.now - started
            let now = Date().timeIntervalSince1970
            let insights = history.record(outcome.snapshot, at: now, unreadGroups: Set(outcome.groupFailures.keys))
            store.recordSuccess(cluster: collector.cluster, snapshot: outcome.snapshot, insights: insights,
                                skippedGroups: outcome.groupFailures.count,
                                duration: duration, at: now)
            for (group, error) in outcome.groupFailures.sorted(by: { $0.key < $1.key }) {
                logger.warning("group skipped", metadata: ["cluster": "\(collector.cluster)", "group": "\(group)", "error": "\(error)"])
            }
            for (group, error) in outcome.describeFailures.sorted(by: { $0.key < $1.key }) {
                logger.warning("group reported without members: describe failed", metadata: [
                    "cluster": "\(collector.cluster)", "group": "\(group)", "error": "\(error)",
                ])
            }
            logger.debug("poll complete", metadata: [
                "cluster": "\(collector.cluster)", "groups": "\(outcome.snapshot.groups.count)",
                "partitions": "\(outcome.snapshot.partitionOffsets.count)", "duration_ms": "\(duration.milliseconds)",
            ])
            return true
        } catch {
            guard !Task.isCancelled else { return false }
            store.recordFailure(cluster: collector.cluster)
            logger.error("poll failed", metadata: ["cluster": "\(collector.cluster)", "error": "\(error)"])
            return false
        }
    }
}
