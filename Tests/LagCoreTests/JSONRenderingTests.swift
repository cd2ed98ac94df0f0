import LagCore
import Testing

@Suite struct JSONRenderingTests {
    @Test func twoGroupReportHasOneObjectPerLineInFixedKeyOrder() {
        let expected = """
            [
              {"group": "billing", "topic": "payments", "partition": 0, "committed_offset": 100, "log_start_offset": 0, "log_end_offset": 150, "lag": 50, "consumer_id": null, "host": null, "client_id": null},
              {"group": "billing", "topic": "payments", "partition": 1, "committed_offset": null, "log_start_offset": 10, "log_end_offset": 20, "lag": null, "consumer_id": null, "host": null, "client_id": null},
              {"group": "orders-app", "topic": "orders", "partition": 0, "committed_offset": 40, "log_start_offset": 5, "log_end_offset": 40, "lag": 0, "consumer_id": null, "host": null, "client_id": null},
              {"group": "orders-app", "topic": "orders", "partition": 1, "committed_offset": 75, "log_start_offset": 5, "log_end_offset": 90, "lag": 15, "consumer_id": "consumer-1-abc", "host": "/10.0.0.5", "client_id": "consumer-1"}
            ]

            """
        #expect(OutputFormat.json.render(Fixtures.twoGroupReport()) == expected)
    }

    @Test func stringsAreEscaped() {
        let report = Fixtures.singleRowReport(
            group: "say \"hi\"\\now\n\u{01}\t\r", topic: "a/b", consumerId: "c\u{1f}", host: "\u{7f}", clientId: "注文"
        )
        let expected = #"""
            [
              {"group": "say \"hi\"\\now\n\u0001\t\r", "topic": "a/b", "partition": 0, "committed_offset": 3, "log_start_offset": 0, "log_end_offset": 10, "lag": 7, "consumer_id": "c\u001f", "host": "\#u{7f}", "client_id": "注文"}
            ]

            """#
        #expect(OutputFormat.json.render(report) == expected)
    }

    @Test func emptyReportIsAnEmptyArray() {
        #expect(OutputFormat.json.render(Fixtures.emptyReport(totalGroupCount: 3)) == "[]\n")
    }
}
