import Yams

/// How the exporter reads any of its YAML files (the configuration, the web
/// configuration): bounded first (``YAMLInputLimits``), and with syntax
/// errors that give a position, never the file's content (``YAMLSyntaxError``).
enum ConfigurationYAML {
    /// The document's root node, nil for an empty document.
    /// - Throws: ``ConfigurationError`` keyed by `source`.
    static func compose(_ text: String, source: String) throws(ConfigurationError) -> Node? {
        try YAMLInputLimits.check(text, source: source)
        do {
            return try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(key: source, "not valid YAML: \(YAMLSyntaxError.describe(error))")
        }
    }
}
