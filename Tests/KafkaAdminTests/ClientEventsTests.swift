import Logging
import Testing
@testable import KafkaAdmin

/// librdkafka's repeated log lines are suppressed within a window.
@Suite struct ClientEventsTests {
    @Test func identicalLinesAreLoggedOncePerWindowWithTheRepeatCount() {
        let events = ClientEvents(logger: Logger(label: "test"))
        let start = ContinuousClock.now
        #expect(events.admit("1/1 brokers are down", now: start) == 0)
        #expect(events.admit("1/1 brokers are down", now: start + .milliseconds(50)) == nil)
        #expect(events.admit("1/1 brokers are down", now: start + .seconds(29)) == nil)
        #expect(events.admit("Connect to ipv4#127.0.0.1:1 failed", now: start + .seconds(29)) == 0)
        // After the window: logged again, with the two repeats left out.
        #expect(events.admit("1/1 brokers are down", now: start + .seconds(31)) == 2)
        #expect(events.admit("1/1 brokers are down", now: start + .seconds(32)) == nil)
    }
}
