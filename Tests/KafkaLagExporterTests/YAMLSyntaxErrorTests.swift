import Testing
@testable import KafkaLagExporter

/// A broken configuration file is reported by position, never by quoting the
/// line, which may hold a password.
@Suite struct YAMLSyntaxErrorTests {
    @Test(arguments: [
        ("""
         clusters:
           - name: x
             bootstrap-brokers: a:1
             client-properties:
               sasl.password: Literal-Secret-7f3a: x
         """,
         "exporter.yaml: not valid YAML: line 5, column 41: mapping values are not allowed in this context"),
        ("""
         clusters:
           - name: x
             client-properties:
               sasl.password: "Literal-Secret-7f3a
         """,
         "exporter.yaml: not valid YAML: line 4, column 42: while scanning a quoted scalar at line 4, column 22: "
            + "found unexpected end of stream"),
        ("""
         clusters:
           - name: x
             bootstrap-brokers: a:1
             client-properties:
               sasl.password: Literal-Secret-7f3a
             name: y
         """,
         "exporter.yaml: not valid YAML: line 2, column 5: duplicate key(s) 'name' in one mapping"),
    ])
    func syntaxErrorsGiveThePositionNotTheLine(yaml: String, message: String) {
        do {
            _ = try ExporterConfiguration.parse(yaml: yaml, source: "exporter.yaml")
            Issue.record("the broken YAML was accepted")
        } catch {
            #expect(error.description == message)
            #expect(!error.description.contains("Literal-Secret"))
        }
    }
}
