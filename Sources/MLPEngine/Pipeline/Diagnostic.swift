/// A place in a pipeline file.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var file: String
    /// 1-based.
    public var line: Int
    /// 1-based, counted in Unicode scalars.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// One problem found in a pipeline, located and explained.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    /// An error stops the pipeline from running; a warning says how to migrate or what changed.
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var location: SourceLocation
    public var message: String
    /// What would have been accepted, when that is known.
    public var expected: String?
    public var severity: Severity

    public init(_ location: SourceLocation, _ message: String, expected: String? = nil, severity: Severity = .error) {
        self.location = location
        self.message = message
        self.expected = expected
        self.severity = severity
    }

    public var description: String {
        "\(location): \(severity.rawValue): \(message)" + (expected.map { " (\(severity == .error ? "expected " : "")\($0))" } ?? "")
    }
}

/// A pipeline that does not type-check; carries every problem found, in file order.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics.sorted { $0.location < $1.location } }
    public var description: String {
        let count = diagnostics.count
        return diagnostics.map(\.description).joined(separator: "\n") + "\n\(count) error\(count == 1 ? "" : "s")"
    }
}

/// The closest candidate to a misspelt name, if one is close enough to suggest.
///
/// Distance is optimal string alignment: an insertion, deletion, substitution or swap of two
/// neighbouring letters each cost one, so `modle` suggests `model`.
func suggestion(for name: String, among candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
    let limit = max(1, min(3, name.count / 3))
    let scored = candidates.map { ($0, distance(Array(name.lowercased()), Array($0.lowercased()))) }.filter { $0.1 <= limit }
    return scored.min { $0.1 < $1.1 }?.0
}

/// "; did you mean 'x'?" when a candidate is close, else "".
func didYouMean(_ name: String, among candidates: [String]) -> String {
    suggestion(for: name, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
}

/// "one of: a, b, c" or "nothing".
func oneOf(_ names: [String]) -> String {
    names.isEmpty ? "nothing here" : "one of: " + names.sorted().joined(separator: ", ")
}
