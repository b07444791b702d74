/// One broken schema rule, with the rows that break it.
public struct Violation: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The rule a violation is about.
    public enum Rule: String, Codable, Sendable {
        case missing, type, nullable, min, max, allowed, unique
        case rowsMin = "rows.min"
        case rowsMax = "rows.max"
    }

    /// How many example rows a violation lists.
    public static let exampleCount = 5

    /// The column, or `nil` for a dataset-level rule.
    public var column: String?
    public var rule: Rule
    /// What is wrong, in words.
    public var message: String
    /// How many rows break the rule (0 for rules about the column or the dataset as a whole).
    public var count: Int
    /// The first offending rows, 0-based, at most ``exampleCount``.
    public var rows: [Int]
    /// Their values, as text, in the same order.
    public var values: [String]

    public var description: String {
        var text = column.map { "column '\($0)': " } ?? "dataset: "
        text += "\(rule.rawValue): \(message)"
        if !rows.isEmpty {
            let shown = zip(rows, values).map { "row \($0) = \($1)" }.joined(separator: ", ")
            text += " — \(count) row\(count == 1 ? "" : "s"), e.g. \(shown)"
        }
        return text
    }
}

extension Array where Element == Violation {
    /// A readable report of every violation, one per line, or a line saying all rules hold.
    public var report: String {
        if isEmpty { return "all schema rules hold" }
        let header = "\(count) schema rule\(count == 1 ? " is" : "s are") violated:"
        return ([header] + map { "  - \($0)" }).joined(separator: "\n")
    }
}
