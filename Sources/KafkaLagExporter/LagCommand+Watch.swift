import ArgumentParser
import Dispatch
import Foundation
import KafkaAdmin
import LagCore
import LagPoll

/// `lag --samples N` and `lag --watch`: several polls with a history, for lag
/// in seconds, statuses, rates and the drain estimate.
extension LagCommand {
    /// Polls `samples` times, `sampleInterval` apart, and returns the last
    /// snapshot with what the history made of it.
    func sampled(_ collector: LagCollector) async throws(KafkaAdminError) -> (LagCollector.Outcome, LagInsights) {
        var history = LagHistory(lookupTableSize: 60, windowSize: max(2, samples), pollInterval: sampleInterval)
        var index = 0
        while true {
            let outcome = try await collector.collect(timeout: timeoutDuration)
            let insights = history.record(outcome.snapshot, at: Date().timeIntervalSince1970)
            index += 1
            if index >= samples { return (outcome, insights) }
            try? await Task.sleep(for: .milliseconds(Int64(sampleInterval * 1000)))
        }
    }

    /// The live view: refreshes every `refresh` seconds until Ctrl-C (or
    /// `iterations` refreshes). On a terminal it draws in the alternate screen
    /// and restores the terminal on exit; in a pipe it prints one block per refresh.
    func watch(_ collector: LagCollector) async -> Int32 {
        let isTerminal = isatty(STDOUT_FILENO) == 1
        let refresh = self.refresh
        let iterations = self.iterations
        let timeout = timeoutDuration
        let loop = Task {
            var history = LagHistory(lookupTableSize: 60, windowSize: 10, pollInterval: refresh)
            var count = 0
            var failed = false
            while !Task.isCancelled {
                let started = ContinuousClock.now
                var screen: String
                do {
                    let outcome = try await collector.collect(timeout: timeout)
                    let insights = history.record(outcome.snapshot, at: Date().timeIntervalSince1970)
                    screen = WatchRenderer.render(
                        LagReport(snapshot: outcome.snapshot, insights: insights),
                        title: Self.title(cluster: collector.cluster, refresh: refresh))
                    failed = false
                } catch {
                    if Task.isCancelled { break }
                    screen = Self.title(cluster: collector.cluster, refresh: refresh) + "\n\nerror: \(error)\n"
                    failed = true
                }
                Self.write(isTerminal ? "\u{1B}[H\u{1B}[2J" + screen : screen + "\n")
                count += 1
                if let iterations, count >= iterations { break }
                try? await Task.sleep(until: started + .milliseconds(Int64(refresh * 1000)), clock: .continuous)
            }
            return failed
        }

        // Ctrl-C and SIGTERM end the loop; the terminal is restored below.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { loop.cancel() }
            source.resume()
            return source
        }
        if isTerminal { Self.write("\u{1B}[?1049h\u{1B}[?25l") }
        let failed = await loop.value
        if isTerminal { Self.write("\u{1B}[?25h\u{1B}[?1049l") }
        sources.forEach { $0.cancel() }
        return failed ? ExitStatus.unavailable.rawValue : 0
    }

    static func title(cluster: String, refresh: Double) -> String {
        let time = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false))
        return "kafka-lag-exporter lag --watch: cluster \(cluster), \(time), every \(TableRendererSeconds.format(refresh))s (Ctrl-C to quit)"
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// Seconds without a trailing ".0" for whole numbers.
enum TableRendererSeconds {
    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int64(seconds)) : String(seconds)
    }
}
