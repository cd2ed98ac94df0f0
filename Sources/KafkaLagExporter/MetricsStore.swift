import Foundation
import LagCore
import Synchronization

/// The latest state of every configured cluster, shared by the pollers (which
/// publish) and the HTTP endpoints (which read).
///
/// A poll publishes its whole snapshot in one step under the lock, so a scrape
/// sees either the previous poll or the new one, never a mix.
final class MetricsStore: Sendable {
    private let states: Mutex<[ClusterMetricsState]>
    let pollInterval: Duration

    init(clusters: [ClusterConfiguration], pollInterval: Duration) {
        self.states = Mutex(clusters.map { cluster in
            ClusterMetricsState(cluster: cluster.name, labels: cluster.labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        })
        self.pollInterval = pollInterval
    }

    /// Every cluster's state, in configuration order.
    var clusters: [ClusterMetricsState] { states.withLock { $0 } }

    func recordSuccess(
        cluster: String, snapshot: ClusterSnapshot, insights: LagInsights?, skippedGroups: Int = 0,
        duration: Duration, at time: Double
    ) {
        update(cluster) { state in
            state.snapshot = snapshot
            state.insights = insights
            state.skippedGroups = skippedGroups
            state.lastPollDuration = duration
            state.lastSuccessTimestamp = time
            state.pollsTotal += 1
        }
    }

    func recordFailure(cluster: String) {
        update(cluster) { state in
            state.pollErrorsTotal += 1
            state.pollsTotal += 1
        }
    }

    /// Drops the cluster's snapshot: its lag series disappear until the next
    /// successful poll (self metrics stay).
    func withdraw(cluster: String) {
        update(cluster) { state in
            state.snapshot = nil
            state.insights = nil
        }
    }

    private func update(_ cluster: String, _ body: (inout ClusterMetricsState) -> Void) {
        states.withLock { states in
            guard let index = states.firstIndex(where: { $0.cluster == cluster }) else { return }
            body(&states[index])
        }
    }

    /// Ready when every cluster has completed a poll and none is older than
    /// three poll intervals; otherwise the reason names the clusters.
    func readiness(now: Double = Date().timeIntervalSince1970) -> (ready: Bool, reason: String) {
        let maximumAge = 3 * pollInterval.seconds
        var waiting: [String] = []
        var stale: [String] = []
        for state in clusters {
            guard let last = state.lastSuccessTimestamp else {
                waiting.append(state.cluster)
                continue
            }
            if now - last > maximumAge { stale.append(state.cluster) }
        }
        if waiting.isEmpty && stale.isEmpty { return (true, "ready") }
        var reasons: [String] = []
        if !waiting.isEmpty { reasons.append("no successful poll yet: \(waiting.joined(separator: ", "))") }
        if !stale.isEmpty { reasons.append("last successful poll older than 3 poll intervals: \(stale.joined(separator: ", "))") }
        return (false, reasons.joined(separator: "; "))
    }
}
