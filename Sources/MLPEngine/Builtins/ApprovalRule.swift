import MLPCore

/// An `auto_approve_if` rule: comparisons of shown metrics with numbers, joined by `and`, `or`, `not`.
///
/// `auc >= 0.9 and log_loss < 0.3`, `metrics.accuracy > 0.95 || approved_by_ci`.
public struct ApprovalRule: Sendable, CustomStringConvertible {
    indirect enum Node: Sendable {
        case number(Double)
        case name(String)
        case not(Node)
        case and(Node, Node)
        case or(Node, Node)
        case compare(Node, String, Node)
    }

    /// A rule that does not parse; ``offset`` is the 0-based position in the rule's text.
    public struct SyntaxError: Error, CustomStringConvertible, Sendable {
        public let offset: Int
        public let message: String
        public var description: String { "\(message) at character \(offset + 1)" }
    }

    /// A rule that cannot be evaluated against what the gate shows.
    public struct EvaluationError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    let root: Node
    public let text: String
    public var description: String { text }

    public init(parsing text: String) throws {
        self.text = text
        var parser = Parser(tokens: try Self.tokenize(text), end: text.count)
        root = try parser.expression()
        if let extra = parser.peek { throw SyntaxError(offset: extra.offset, message: "unexpected '\(extra.text)'") }
    }

    /// Evaluates the rule against what the gate shows (a metrics object, or a single number named `value`).
    public func evaluate(_ shown: JSONValue) throws -> Bool {
        try truth(root, shown)
    }

    /// Whether a rule held, and when it did not, the clauses that failed with the values they saw.
    public struct Verdict: Sendable, Equatable, CustomStringConvertible {
        public let holds: Bool
        /// Each failed clause as written, with the values of its metrics: `auc >= 0.9 (auc = 0.85)`.
        /// Empty when the rule held.
        public let failedClauses: [String]

        public var description: String {
            holds ? "held" : "did not hold: " + failedClauses.joined(separator: "; ")
        }
    }

    /// Evaluates the rule and, when it fails, says which clauses failed and why: every failing
    /// clause of an `and`, every alternative of an `or` that failed as a whole.
    public func check(_ shown: JSONValue) throws -> Verdict {
        let failed = try failures(root, shown)
        return Verdict(holds: failed.isEmpty, failedClauses: failed)
    }

    /// The clauses of `node` that made it false (empty when it is true).
    private func failures(_ node: Node, _ shown: JSONValue) throws -> [String] {
        switch node {
        case .and(let a, let b):
            return try failures(a, shown) + failures(b, shown)
        case .or(let a, let b):
            let left = try failures(a, shown)
            if left.isEmpty { return [] }
            let right = try failures(b, shown)
            return right.isEmpty ? [] : left + right
        default:
            guard try !truth(node, shown) else { return [] }
            let values = try names(in: node).map { "\($0) = \(Self.format(try number(.name($0), shown)))" }
            return [Self.render(node) + (values.isEmpty ? "" : " (\(values.joined(separator: ", ")))")]
        }
    }

    /// The metric names a clause reads, in order, each once.
    private func names(in node: Node) -> [String] {
        var seen: [String] = []
        func visit(_ node: Node) {
            switch node {
            case .number: break
            case .name(let name): if name != "true", name != "false", !seen.contains(name) { seen.append(name) }
            case .not(let inner): visit(inner)
            case .and(let a, let b), .or(let a, let b), .compare(let a, _, let b):
                visit(a)
                visit(b)
            }
        }
        visit(node)
        return seen
    }

    /// A clause written back as text.
    private static func render(_ node: Node) -> String {
        switch node {
        case .number(let value): return format(value)
        case .name(let name): return name
        case .not(let inner): return "not " + group(inner)
        case .and(let a, let b): return "\(group(a)) and \(group(b))"
        case .or(let a, let b): return "\(group(a)) or \(group(b))"
        case .compare(let a, let op, let b): return "\(render(a)) \(op) \(render(b))"
        }
    }

    private static func group(_ node: Node) -> String {
        switch node {
        case .and, .or: return "(\(render(node)))"
        default: return render(node)
        }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    private func truth(_ node: Node, _ shown: JSONValue) throws -> Bool {
        switch node {
        case .not(let inner): return try !truth(inner, shown)
        case .and(let a, let b): return try truth(a, shown) && truth(b, shown)
        case .or(let a, let b): return try truth(a, shown) || truth(b, shown)
        case .compare(let a, let op, let b):
            let left = try number(a, shown), right = try number(b, shown)
            switch op {
            case ">=": return left >= right
            case "<=": return left <= right
            case ">": return left > right
            case "<": return left < right
            case "==": return left == right
            default: return left != right
            }
        case .number, .name: return try number(node, shown) != 0
        }
    }

    private func number(_ node: Node, _ shown: JSONValue) throws -> Double {
        switch node {
        case .number(let value): return value
        case .name(let path):
            if path == "true" { return 1 }
            if path == "false" { return 0 }
            var current: JSONValue? = shown
            if case .object = shown {
                for piece in path.split(separator: ".") { current = current?[String(piece)] }
            } else if path != "value" {
                current = nil
            }
            guard let value = current?.doubleValue else {
                let known: [String]
                if case .object(let fields) = shown { known = fields.keys.sorted() } else { known = ["value"] }
                throw EvaluationError(message: "'\(path)' is not a number among what the gate shows (\(known.joined(separator: ", ")))")
            }
            return value
        default:
            return try truth(node, shown) ? 1 : 0
        }
    }

    struct Token {
        var text: String
        var offset: Int
    }

    static func tokenize(_ text: String) throws -> [Token] {
        var tokens: [Token] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            let start = i
            if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) || (c == "-" && i + 1 < chars.count && chars[i + 1].isNumber && (tokens.last.map { ["(", "and", "or", "not", ">=", "<=", ">", "<", "==", "!=", "&&", "||", "!"].contains($0.text) } ?? true)) {
                i += 1
                while i < chars.count, chars[i].isNumber || chars[i] == "." || chars[i] == "e" || chars[i] == "E" || ((chars[i] == "-" || chars[i] == "+") && (chars[i - 1] == "e" || chars[i - 1] == "E")) { i += 1 }
            } else if c.isLetter || c == "_" {
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "." || chars[i] == "-" && i + 1 < chars.count && chars[i + 1].isLetter { i += 1 }
            } else if i + 1 < chars.count, [">=", "<=", "==", "!=", "&&", "||"].contains(String(chars[i...i + 1])) {
                i += 2
            } else if "<>()!".contains(c) {
                i += 1
            } else {
                throw SyntaxError(offset: i, message: "unexpected character '\(c)'")
            }
            tokens.append(Token(text: String(chars[start..<i]), offset: start))
        }
        return tokens
    }

    struct Parser {
        var tokens: [Token]
        var position = 0
        let end: Int

        var peek: Token? { position < tokens.count ? tokens[position] : nil }

        mutating func take(_ options: [String]) -> Bool {
            if let token = peek, options.contains(token.text) { position += 1; return true }
            return false
        }

        mutating func expression() throws -> Node {
            var node = try conjunction()
            while take(["or", "||"]) { node = .or(node, try conjunction()) }
            return node
        }

        mutating func conjunction() throws -> Node {
            var node = try negation()
            while take(["and", "&&"]) { node = .and(node, try negation()) }
            return node
        }

        mutating func negation() throws -> Node {
            if take(["not", "!"]) { return .not(try negation()) }
            return try comparison()
        }

        mutating func comparison() throws -> Node {
            let left = try atom()
            if let token = peek, [">=", "<=", ">", "<", "==", "!="].contains(token.text) {
                position += 1
                return .compare(left, token.text, try atom())
            }
            return left
        }

        mutating func atom() throws -> Node {
            guard let token = peek else { throw SyntaxError(offset: end, message: "the rule ends too early") }
            position += 1
            if token.text == "(" {
                let inner = try expression()
                guard take([")"]) else { throw SyntaxError(offset: peek?.offset ?? end, message: "missing ')'") }
                return inner
            }
            if let value = Double(token.text) { return .number(value) }
            if let first = token.text.first, first.isLetter || first == "_", !["and", "or", "not"].contains(token.text) { return .name(token.text) }
            throw SyntaxError(offset: token.offset, message: "expected a metric name or a number, found '\(token.text)'")
        }
    }
}
