import Foundation
import MLPCore
import Yams

/// Reads `mlp.yaml` into a ``PipelineSpec``, keeping the line and column of everything, and
/// collecting every structural problem rather than stopping at the first.
public struct PipelineParser {
    let file: String
    var diagnostics: [Diagnostic] = []

    static let topLevelKeys = ["name", "description", "params", "steps"]
    static let stepKeys = ["uses", "with", "outputs", "needs", "foreach", "retries", "timeout", "cache", "env", "description", "format"]
    static let paramKeys = ["type", "default", "description"]
    static let retryKeys = ["max", "backoff", "factor", "max_backoff"]

    /// The largest mlp.yaml read, in bytes.
    public static let maxDocumentBytes = 4 << 20
    /// The most YAML nodes a document may expand to, counting each alias as a copy of what it
    /// names: nine levels of nine aliases would otherwise be 387 million nodes to walk.
    public static let maxExpandedNodes = 1_000_000
    /// The longest step, param or output name, in characters.
    public static let maxNameLength = 100

    /// Parses `text`; `file` names it in diagnostics. Throws ``PipelineError`` with every problem found.
    public static func parse(_ text: String, file: String) throws -> PipelineSpec {
        var parser = PipelineParser(file: file)
        let spec = parser.parseDocument(text)
        if !parser.diagnostics.isEmpty || spec == nil { throw PipelineError(parser.diagnostics) }
        return spec!
    }

    /// Parses without throwing, for callers that add their own diagnostics (the checker).
    public static func parseCollecting(_ text: String, file: String) -> (PipelineSpec?, [Diagnostic]) {
        var parser = PipelineParser(file: file)
        let spec = parser.parseDocument(text)
        return (spec, parser.diagnostics)
    }

    func location(_ node: Node?) -> SourceLocation {
        guard let mark = node?.mark else { return SourceLocation(file: file, line: 1, column: 1) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    /// Where a scalar's text starts (after its opening quote).
    func contentLocation(_ node: Node) -> SourceLocation {
        var at = location(node)
        if let style = node.scalar?.style, style == .singleQuoted || style == .doubleQuoted { at.column += 1 }
        return at
    }

    mutating func error(_ node: Node?, _ message: String, expected: String? = nil) {
        diagnostics.append(Diagnostic(location(node), message, expected: expected))
    }

    mutating func parseDocument(_ text: String) -> PipelineSpec? {
        guard text.utf8.count <= Self.maxDocumentBytes else {
            diagnostics.append(Diagnostic(SourceLocation(file: file, line: 1, column: 1),
                                          "the pipeline is \(text.utf8.count) bytes, more than the \(Self.maxDocumentBytes >> 20) MiB mlp reads",
                                          expected: "a smaller mlp.yaml"))
            return nil
        }
        // Before composing: Yams hashes mapping keys while it composes, so an alias bomb used as a
        // key would be expanded there, past any check of the composed tree.
        if let overflow = YAMLExpansionBudget.firstOverflow(in: text, limit: Self.maxExpandedNodes) {
            diagnostics.append(Diagnostic(SourceLocation(file: file, line: overflow.line, column: overflow.column),
                                          "the document expands to more than \(Self.maxExpandedNodes) YAML nodes (each alias counts as a copy of what it names)",
                                          expected: "fewer nested aliases"))
            return nil
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            diagnostics.append(Self.diagnostic(for: error, file: file))
            return nil
        } catch {
            diagnostics.append(Diagnostic(SourceLocation(file: file, line: 1, column: 1), "cannot read YAML: \(error)"))
            return nil
        }
        guard let root, let top = root.mapping else {
            error(root, "the pipeline must be a mapping", expected: "keys name, params, steps")
            return nil
        }
        checkKeys(top, allowed: Self.topLevelKeys, what: "top-level key")
        var name = "pipeline"
        if let nameNode = top["name"] {
            if let text = nameNode.scalar?.string, !text.isEmpty { name = text } else { error(nameNode, "name must be a non-empty string") }
        } else {
            error(root, "the pipeline has no name", expected: "a 'name:' key")
        }
        let params = parseParams(top["params"])
        var steps: [StepSpec] = []
        if let stepsNode = top["steps"] {
            if let mapping = stepsNode.mapping {
                if mapping.isEmpty { error(stepsNode, "the pipeline has no steps") }
                for (keyNode, valueNode) in mapping {
                    guard let stepName = keyNode.scalar?.string else {
                        error(keyNode, "a step's name must be a plain string, not a \(Self.kind(of: keyNode))", expected: "a name such as train")
                        continue
                    }
                    checkName(keyNode, stepName, what: "step")
                    if let step = parseStep(stepName, keyNode: keyNode, node: valueNode) { steps.append(step) }
                }
            } else {
                error(stepsNode, "steps must be a mapping of step name to step")
            }
        } else {
            error(root, "the pipeline has no steps", expected: "a 'steps:' mapping")
        }
        return PipelineSpec(name: name, summary: top["description"]?.scalar?.string, file: file, params: params, steps: steps)
    }

    static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let where_ = context.map { " \($0.text)" } ?? ""
            return Diagnostic(SourceLocation(file: file, line: mark.line, column: mark.column), "invalid YAML: \(problem)\(where_)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                              "a key appears twice in one mapping: \(duplicates.sorted().joined(separator: ", "))")
        default:
            return Diagnostic(SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(error)")
        }
    }

    /// "mapping", "list", … for messages.
    static func kind(of node: Node) -> String {
        switch node {
        case .scalar: return "string"
        case .sequence: return "list"
        case .mapping: return "mapping"
        case .alias: return "alias"
        }
    }

    /// Reports a step, param or output name that is not a name: names become folders, files and
    /// parts of references, so they are letters, digits, '_' and '-' only (no '/', '.', spaces or
    /// control characters), start with a letter and are at most ``maxNameLength`` long.
    mutating func checkName(_ node: Node, _ name: String, what: String) {
        let rule = "a name of letters, digits, '_' and '-', starting with a letter, at most \(Self.maxNameLength) characters"
        if name.isEmpty {
            error(node, "\(what) name is empty", expected: rule)
        } else if !Self.isIdentifier(name) || name.unicodeScalars.count > Self.maxNameLength {
            let shown = name.unicodeScalars.count > 40 ? String(name.unicodeScalars.prefix(40)) + "…" : name
            error(node, "\(what) name '\(shown.debugDescription.dropFirst().dropLast())' is not valid", expected: rule)
        }
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, CharacterSet.letters.contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" }
    }

    mutating func checkKeys(_ mapping: Node.Mapping, allowed: [String], what: String) {
        for (keyNode, _) in mapping {
            guard let key = keyNode.scalar?.string else {
                error(keyNode, "\(what) must be a string")
                continue
            }
            if !allowed.contains(key) {
                let hint = didYouMean(key, among: allowed)
                error(keyNode, "unknown \(what) '\(key)'\(hint)", expected: oneOf(allowed))
            }
        }
    }

    mutating func parseParams(_ node: Node?) -> [ParamSpec] {
        guard let node else { return [] }
        guard let mapping = node.mapping else {
            error(node, "params must be a mapping of name to {type, default}")
            return []
        }
        var params: [ParamSpec] = []
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.scalar?.string else {
                error(keyNode, "a param's name must be a plain string, not a \(Self.kind(of: keyNode))")
                continue
            }
            checkName(keyNode, name, what: "param")
            if let fields = valueNode.mapping {
                checkKeys(fields, allowed: Self.paramKeys, what: "param key")
                var type: PortType = .string
                if let typeNode = fields["type"] {
                    if let raw = typeNode.scalar?.string, let parsed = PortType(rawValue: raw), !parsed.isArtifact {
                        type = parsed
                    } else {
                        error(typeNode, "param '\(name)' has an unknown type '\(typeNode.scalar?.string ?? "?")'", expected: "one of: int, float, string, bool, json")
                        continue
                    }
                } else if let defaultNode = fields["default"] {
                    type = literalType(defaultNode)
                } else {
                    error(valueNode, "param '\(name)' needs a type or a default", expected: "{type: float, default: 0.1}")
                    continue
                }
                var value: PortValue?
                if let defaultNode = fields["default"] {
                    value = coerce(defaultNode, to: type, what: "the default of param '\(name)'")
                }
                params.append(ParamSpec(name: name, type: type, defaultValue: value, summary: fields["description"]?.scalar?.string,
                                        location: location(keyNode)))
            } else {
                // Shorthand: `lr: 0.1` declares a float param with that default.
                let type = literalType(valueNode)
                params.append(ParamSpec(name: name, type: type, defaultValue: coerce(valueNode, to: type, what: "param '\(name)'"),
                                        location: location(keyNode)))
            }
        }
        return params
    }

    /// The type a literal YAML node was written as.
    func literalType(_ node: Node) -> PortType {
        guard let scalar = node.scalar else { return .json }
        guard scalar.style == .plain else { return .string }
        if Int(scalar.string) != nil { return .int }
        if Double(scalar.string) != nil { return .float }
        if scalar.string == "true" || scalar.string == "false" { return .bool }
        return .string
    }

    /// The literal's value as JSON.
    func literalJSON(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if let int = Int(scalar.string) { return .number(Double(int)) }
                if let double = Double(scalar.string) { return .number(double) }
                if scalar.string == "true" { return .bool(true) }
                if scalar.string == "false" { return .bool(false) }
                if scalar.string == "null" || scalar.string == "~" || scalar.string.isEmpty { return .null }
            }
            return .string(scalar.string)
        case .sequence(let sequence): return .array(sequence.map(literalJSON))
        case .mapping(let mapping):
            var fields: [String: JSONValue] = [:]
            for (key, value) in mapping { fields[key.scalar?.string ?? ""] = literalJSON(value) }
            return .object(fields)
        case .alias: return .null
        }
    }

    mutating func coerce(_ node: Node, to type: PortType, what: String) -> PortValue? {
        let json = literalJSON(node)
        let written = literalType(node)
        if type.accepts(written) || type == .json, let value = PortValue(json: json, as: type) { return value }
        if type == .float, let number = json.doubleValue { return .float(number) }
        if type == .string, case .scalar(let scalar) = node { return .string(scalar.string) }
        error(node, "\(what) is \(written), not \(type)", expected: type.rawValue)
        return nil
    }

    mutating func parseStep(_ name: String, keyNode: Node, node: Node) -> StepSpec? {
        guard let fields = node.mapping else {
            error(node, "step '\(name)' must be a mapping", expected: "keys \(Self.stepKeys.prefix(3).joined(separator: ", "))…")
            return nil
        }
        checkKeys(fields, allowed: Self.stepKeys, what: "step key")
        var uses = ""
        var usesLocation = location(keyNode)
        if let usesNode = fields["uses"], let text = usesNode.scalar?.string {
            uses = text
            usesLocation = location(usesNode)
        } else {
            error(keyNode, "step '\(name)' has no 'uses:'", expected: "the kind of step, such as shell or python")
        }
        var with: [(key: String, value: ValueExpr, location: SourceLocation, valueLocation: SourceLocation)] = []
        if let withNode = fields["with"] {
            if let mapping = withNode.mapping {
                for (key, value) in mapping {
                    guard let keyText = key.scalar?.string else {
                        error(key, "an input's name must be a plain string, not a \(Self.kind(of: key))")
                        continue
                    }
                    with.append((keyText, parseValue(value), location(key), contentLocation(value)))
                }
            } else {
                error(withNode, "'with' must be a mapping of input name to value")
            }
        }
        var outputs: [OutputSpec] = []
        if let outputsNode = fields["outputs"] {
            if let mapping = outputsNode.mapping {
                for (key, value) in mapping {
                    guard let outputName = key.scalar?.string else {
                        error(key, "an output's name must be a plain string, not a \(Self.kind(of: key))")
                        continue
                    }
                    checkName(key, outputName, what: "output")
                    let typeNode = value.mapping?["type"] ?? value
                    if let raw = typeNode.scalar?.string, let type = PortType(rawValue: raw) {
                        outputs.append(OutputSpec(name: outputName, type: type, location: location(key)))
                    } else {
                        let raw = typeNode.scalar?.string ?? "?"
                        let hint = didYouMean(raw, among: PortType.allCases.map(\.rawValue))
                        error(typeNode, "output '\(outputName)' has an unknown type '\(raw)'\(hint)", expected: "one of: \(PortType.allNames)")
                        // Keep the output (as json) so references to it do not report a second, cascading error.
                        outputs.append(OutputSpec(name: outputName, type: .json, location: location(key)))
                    }
                }
            } else {
                error(outputsNode, "'outputs' must be a mapping of output name to type", expected: "{model: model, score: float}")
            }
        }
        var needs: [(name: String, location: SourceLocation)] = []
        if let needsNode = fields["needs"] {
            if let single = needsNode.scalar?.string {
                needs.append((single, location(needsNode)))
            } else if let sequence = needsNode.sequence {
                for item in sequence {
                    if let text = item.scalar?.string { needs.append((text, location(item))) } else { error(item, "each entry of 'needs' must be a step name") }
                }
            } else {
                error(needsNode, "'needs' must be a step name or a list of them")
            }
        }
        var foreach: ForeachSpec?
        if let foreachNode = fields["foreach"] { foreach = parseForeach(foreachNode) }
        var retry = RetryPolicy.none
        if let retriesNode = fields["retries"] { retry = parseRetries(retriesNode) }
        var timeout: TimeSpan?
        if let timeoutNode = fields["timeout"] {
            timeout = parseDuration(timeoutNode, what: "timeout")
            if let span = timeout, span.seconds <= 0 {
                error(timeoutNode, "timeout must be longer than 0", expected: "a duration such as 30s, 10m or 1h30m")
                timeout = nil
            }
        }
        var cache = true
        if let cacheNode = fields["cache"] {
            if let text = cacheNode.scalar?.string, text == "true" || text == "false" { cache = text == "true" } else {
                error(cacheNode, "'cache' must be true or false")
            }
        }
        var env: [(key: String, value: ValueExpr)] = []
        if let envNode = fields["env"] {
            if let mapping = envNode.mapping {
                for (key, value) in mapping {
                    guard let keyText = key.scalar?.string else {
                        error(key, "an environment variable's name must be a plain string, not a \(Self.kind(of: key))")
                        continue
                    }
                    if !Self.isEnvironmentName(keyText) {
                        error(key, "environment variable name '\(keyText.debugDescription.dropFirst().dropLast())' is not valid",
                              expected: "letters, digits and '_', not starting with a digit")
                    }
                    if value.scalar == nil { error(value, "env value of '\(keyText)' must be a string") }
                    env.append((keyText, parseValue(value)))
                }
            } else {
                error(envNode, "'env' must be a mapping of variable name to value")
            }
        }
        var step = StepSpec(name: name, location: location(keyNode), uses: uses, usesLocation: usesLocation, with: with,
                            outputs: outputs, needs: needs, foreach: foreach, foreachLocation: fields["foreach"].map(location),
                            retry: retry, timeout: timeout, cache: cache, env: env)
        if let formatNode = fields["format"] { step.formats = parseFormats(formatNode, step: step) }
        return step
    }

    /// A script step's `format:`: one format (`format: csv`) or one per dataset input (`format: {train: csv}`).
    mutating func parseFormats(_ node: Node, step: StepSpec) -> DatasetFormats {
        var formats = DatasetFormats()
        if !step.uses.isEmpty && !DatasetExchange.isScriptStep(step.uses) {
            error(node, "'format' applies to script steps (shell, python), which read dataset inputs as files; step '\(step.name)' uses \(step.uses)",
                  expected: "no 'format' here")
            return formats
        }
        func format(_ node: Node, what: String) -> DatasetExchangeFormat? {
            let raw = node.scalar?.string ?? "?"
            if let format = DatasetExchangeFormat(rawValue: raw) { return format }
            let hint = didYouMean(raw, among: DatasetExchangeFormat.allCases.map(\.rawValue))
            error(node, "\(what) '\(raw)' is not a dataset format\(hint)", expected: "one of: \(DatasetExchangeFormat.allNames)")
            return nil
        }
        if node.scalar != nil {
            formats.all = format(node, what: "format")
        } else if let mapping = node.mapping {
            for (key, value) in mapping {
                guard let input = key.scalar?.string else {
                    error(key, "an input's name in 'format' must be a plain string, not a \(Self.kind(of: key))")
                    continue
                }
                guard step.input(input) != nil else {
                    let hint = didYouMean(input, among: step.with.map(\.key))
                    error(key, "'format' names input '\(input)', which step '\(step.name)' does not have in 'with'\(hint)",
                          expected: "the name of a dataset input in 'with'")
                    continue
                }
                if let chosen = format(value, what: "format of input '\(input)'") { formats.perInput[input] = chosen }
            }
        } else {
            error(node, "'format' must be a dataset format or a mapping of input name to format", expected: "csv, or {train: csv}")
        }
        return formats
    }

    mutating func parseForeach(_ node: Node) -> ForeachSpec? {
        let most = ForeachSpec.maxItems
        if let sequence = node.sequence {
            if sequence.count > most { error(node, "foreach lists \(sequence.count) items, more than the \(most) a fan-out may have") }
            return .list(sequence.map { parseValue($0) })
        }
        if let mapping = node.mapping {
            checkKeys(mapping, allowed: ["range"], what: "foreach key")
            if let count = mapping["range"] {
                let value = parseValue(count)
                if case .literal(let json, _) = value {
                    if let number = json.doubleValue, number == number.rounded(), number >= 0 {
                        if number > Double(most) {
                            error(count, "foreach range \(count.scalar?.string ?? "") is more than the \(most) items a fan-out may have",
                                  expected: "a whole number from 0 to \(most)")
                        }
                    } else {
                        error(count, "foreach range must be a whole number ≥ 0", expected: "a whole number from 0 to \(most)")
                    }
                }
                return .range(value)
            }
            error(node, "foreach needs a list, a reference or {range: N}")
            return nil
        }
        if case .reference(let reference) = parseValue(node) { return .reference(reference) }
        error(node, "foreach must be a list, a reference to a list, or {range: N}", expected: "[a, b], \"${{ steps.x.outputs.items }}\" or {range: 100}")
        return nil
    }

    mutating func parseRetries(_ node: Node) -> RetryPolicy {
        var policy = RetryPolicy.none
        if let text = node.scalar?.string {
            if let count = Int(text), count >= 0, count <= RetryPolicy.maxRetries { policy.retries = count } else {
                error(node, "retries must be a whole number from 0 to \(RetryPolicy.maxRetries), or {max, backoff, factor}")
            }
            return policy
        }
        guard let fields = node.mapping else {
            error(node, "retries must be a number or {max, backoff, factor, max_backoff}")
            return policy
        }
        checkKeys(fields, allowed: Self.retryKeys, what: "retries key")
        if let maxNode = fields["max"] {
            if let count = maxNode.scalar.flatMap({ Int($0.string) }), count >= 0, count <= RetryPolicy.maxRetries { policy.retries = count } else {
                error(maxNode, "max must be a whole number from 0 to \(RetryPolicy.maxRetries)")
            }
        }
        if let backoffNode = fields["backoff"], let span = parseDuration(backoffNode, what: "backoff") { policy.backoff = span }
        if let factorNode = fields["factor"] {
            if let factor = factorNode.scalar.flatMap({ Double($0.string) }), factor >= 1, factor <= RetryPolicy.maxFactor { policy.factor = factor } else {
                error(factorNode, "factor must be a number from 1 to \(Int(RetryPolicy.maxFactor))")
            }
        }
        if let maxNode = fields["max_backoff"], let span = parseDuration(maxNode, what: "max_backoff") { policy.maxBackoff = span }
        return policy
    }

    /// A duration written at `node`, or nil after reporting why it is not one (or is too long).
    mutating func parseDuration(_ node: Node, what: String) -> TimeSpan? {
        guard let text = node.scalar?.string else {
            error(node, "\(what) must be a duration, not a \(Self.kind(of: node))", expected: "a duration such as 500ms, 30s or 1h30m")
            return nil
        }
        do {
            return try TimeSpan(validating: text)
        } catch let problem as TimeSpan.ParseError {
            if problem.tooLong {
                error(node, "\(what) '\(text)' is longer than the longest duration mlp accepts (100 years)", expected: "at most 36500d")
            } else {
                error(node, "\(what) '\(text)' is not a duration", expected: "a duration such as 500ms, 30s or 1h30m")
            }
        } catch {
            self.error(node, "\(what): \(error)")
        }
        return nil
    }

    /// Whether `text` is a portable environment variable name (POSIX: letters, digits, '_').
    static func isEnvironmentName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCII, first == "_" || CharacterSet.letters.contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || CharacterSet.alphanumerics.contains($0)) }
    }

    mutating func parseValue(_ node: Node) -> ValueExpr {
        switch node {
        case .scalar(let scalar):
            guard scalar.string.contains("${{") else { return .literal(literalJSON(node), literalType(node)) }
            return parseTemplate(scalar.string, node: node, scalar: scalar)
        case .sequence(let sequence):
            let items = sequence.map { parseValue($0) }
            if items.allSatisfy({ $0.references.isEmpty }) { return .literal(literalJSON(node), .json) }
            return .list(items)
        case .mapping(let mapping):
            var fields: [String: ValueExpr] = [:]
            for (key, value) in mapping { fields[key.scalar?.string ?? ""] = parseValue(value) }
            if fields.values.allSatisfy({ $0.references.isEmpty }) { return .literal(literalJSON(node), .json) }
            return .map(fields)
        case .alias:
            return .literal(.null, .json)
        }
    }

    /// The location of the character at `offset` (in Unicode scalars) of a scalar's text.
    func location(inScalar node: Node, scalar: Node.Scalar, offset: Int) -> SourceLocation {
        var base = location(node)
        let prefix = String(scalar.string.unicodeScalars.prefix(offset))
        let lineBreaks = prefix.filter { $0 == "\n" }.count
        switch scalar.style {
        case .literal, .folded:
            // Block scalars start on the line after the indicator; their indent is unknown here.
            base.line += 1 + lineBreaks
            base.column = prefix.split(separator: "\n", omittingEmptySubsequences: false).last.map { $0.unicodeScalars.count + 1 } ?? 1
        case .singleQuoted, .doubleQuoted:
            base.line += lineBreaks
            base.column += 1 + (lineBreaks == 0 ? offset : 0)
        default:
            base.line += lineBreaks
            base.column += lineBreaks == 0 ? offset : 0
        }
        return base
    }

    mutating func parseTemplate(_ text: String, node: Node, scalar: Node.Scalar) -> ValueExpr {
        var parts: [TemplatePart] = []
        let scalars = Array(text.unicodeScalars)
        var literal = ""
        var i = 0
        while i < scalars.count {
            if i + 2 < scalars.count, scalars[i] == "$", scalars[i + 1] == "{", scalars[i + 2] == "{" {
                let start = i
                var j = i + 3
                while j + 1 < scalars.count, !(scalars[j] == "}" && scalars[j + 1] == "}") { j += 1 }
                let at = location(inScalar: node, scalar: scalar, offset: start)
                guard j + 1 < scalars.count else {
                    diagnostics.append(Diagnostic(at, "'${{' is never closed", expected: "'}}'"))
                    return .literal(.string(text), .string)
                }
                let inner = String(String.UnicodeScalarView(scalars[(i + 3)..<j])).trimmingCharacters(in: .whitespaces)
                if !literal.isEmpty { parts.append(.text(literal)); literal = "" }
                if let target = parseReference(inner) {
                    parts.append(.reference(Reference(target: target, location: at, text: inner)))
                } else {
                    diagnostics.append(Diagnostic(at, "cannot read the reference '\(inner)'",
                                                  expected: "steps.<step>.outputs.<output>, params.<name>, item, item.<field> or index"))
                }
                i = j + 2
            } else {
                literal.unicodeScalars.append(scalars[i])
                i += 1
            }
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        if parts.count == 1, case .reference(let reference) = parts[0] { return .reference(reference) }
        return .template(parts)
    }

    func parseReference(_ text: String) -> ReferenceTarget? {
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard pieces.allSatisfy({ !$0.isEmpty && Self.isIdentifier($0) }) else { return nil }
        switch (pieces.first, pieces.count) {
        case ("steps", 4) where pieces[2] == "outputs": return .stepOutput(step: pieces[1], output: pieces[3])
        case ("params", 2): return .param(pieces[1])
        case ("item", 1): return .item(field: nil)
        case ("item", 2): return .item(field: pieces[1])
        case ("index", 1): return .index
        default: return nil
        }
    }
}
