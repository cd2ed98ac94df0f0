import Yams

/// Describes a YAML syntax error by position and problem only.
///
/// Yams' own description quotes the offending line of the file, and that line
/// may hold a password written into the configuration: errors never show
/// secrets, so they never show file content.
enum YAMLSyntaxError {
    /// E.g. `line 5, column 37: mapping values are not allowed in this context`.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? YamlError else { return "cannot be parsed" }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let within = context.map { "\($0.text) at line \($0.mark.line), column \($0.mark.column): " } ?? ""
            return "line \(mark.line), column \(mark.column): \(within)\(problem)"
        case let .reader(problem, offset, _, _):
            return "\(problem)" + (offset.map { " at character \($0)" } ?? "")
        case let .duplicatedKeysInMapping(duplicates, context):
            // The context's text is the whole document.
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return "line \(context.mark.line), column \(context.mark.column): duplicate key(s) \(keys) in one mapping"
        default:
            return "cannot be parsed"  // the other cases' descriptions may quote the document
        }
    }
}
