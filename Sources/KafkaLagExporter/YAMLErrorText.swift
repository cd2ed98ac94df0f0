import Yams

/// A YAML syntax error as position and problem only. Yams' own description
/// appends the offending lines of the file (for a duplicate key, the whole
/// file), which may hold a password; configuration errors never show values.
enum YAMLErrorText {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? YamlError else { return "cannot be parsed" }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): \(context.map { $0.text + ", " } ?? "")\(problem)"
        case .reader(let problem, let offset, _, _):
            return "\(problem)" + (offset.map { " at byte \($0)" } ?? "")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "line \(context.mark.line): duplicate key(s) \(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", "))"
        default:
            return "cannot be parsed"
        }
    }
}
