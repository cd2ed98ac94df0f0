import LagCore
import Testing

@Suite struct CSVRenderingTests {
    static let header = "group,topic,partition,committed_offset,log_start_offset,log_end_offset,lag,consumer_id,host,client_id\n"

    @Test func twoGroupReportLeavesUnknownValuesEmpty() {
        let expected = """
            group,topic,partition,committed_offset,log_start_offset,log_end_offset,lag,consumer_id,host,client_id
            billing,payments,0,100,0,150,50,,,
            billing,payments,1,,10,20,,,,
            orders-app,orders,0,40,5,40,0,,,
            orders-app,orders,1,75,5,90,15,consumer-1-abc,/10.0.0.5,consumer-1

            """
        #expect(OutputFormat.csv.render(Fixtures.twoGroupReport()) == expected)
    }

    @Test func fieldsWithCommasQuotesOrLineBreaksAreQuoted() {
        let report = Fixtures.singleRowReport(
            group: "a,b", topic: "say \"hi\"", consumerId: "line1\nline2", host: "h\r\nx", clientId: "semi;colon space"
        )
        let expected = Self.header
            + "\"a,b\",\"say \"\"hi\"\"\",0,3,0,10,7,\"line1\nline2\",\"h\r\nx\",semi;colon space\n"
        #expect(OutputFormat.csv.render(report) == expected)
    }

    @Test func emptyReportIsTheHeaderOnly() {
        #expect(OutputFormat.csv.render(Fixtures.emptyReport(totalGroupCount: 3)) == Self.header)
    }
}
