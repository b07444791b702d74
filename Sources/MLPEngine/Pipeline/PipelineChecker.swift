import MLPCore

/// Type-checks a parsed pipeline against the step kinds that exist: every reference resolves,
/// every input has a type its step accepts, required inputs are there, and the steps form no cycle.
/// Reports every problem at once.
public struct PipelineChecker {
    public let registry: PluginRegistry

    public init(registry: PluginRegistry) { self.registry = registry }

    /// The descriptor of the kind a step uses: a built-in first, then a plugin.
    public func descriptor(uses: String) -> StepKindDescriptor? {
        BuiltinKind(uses: uses)?.descriptor ?? registry.stepKind(uses: uses)
    }

    /// Every step kind known, for messages and `mlp templates`.
    public var knownKinds: [String] {
        var kinds = BuiltinKind.allCases.map(\.rawValue)
        for key in registry.keys {
            switch key.kind {
            case .executor: kinds.append(key.name)
            case .connector: kinds.append("connector/\(key.name)")
            case .trainer: kinds.append("trainer/\(key.name)")
            case .deployer: kinds.append("deploy/\(key.name)")
            case .backend: break
            }
        }
        return kinds.sorted()
    }

    /// The outputs a step offers to others, with their types. A fan-out step offers lists.
    public func outputs(of step: StepSpec) -> [String: PortType] {
        var outputs: [String: PortType] = [:]
        if let descriptor = descriptor(uses: step.uses) {
            if descriptor.userDeclaresOutputs {
                for output in step.outputs { outputs[output.name] = output.type }
            } else {
                outputs = descriptor.outputs
            }
        }
        if step.foreach != nil { outputs = outputs.mapValues { _ in .json } }
        return outputs
    }

    /// Checks `spec`; `suppliedParams` are the names given with `--param` (nil: do not check that
    /// every param without a default is supplied).
    public func check(_ spec: PipelineSpec, suppliedParams: Set<String>? = nil) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let stepNames = spec.steps.map(\.name)

        for param in spec.params where param.defaultValue == nil {
            if let supplied = suppliedParams, !supplied.contains(param.name) {
                diagnostics.append(Diagnostic(param.location, "param '\(param.name)' has no default and no value was given",
                                              expected: "--param \(param.name)=<\(param.type)>"))
            }
        }

        for step in spec.steps {
            guard let descriptor = descriptor(uses: step.uses) else {
                if !step.uses.isEmpty {
                    let hint = didYouMean(step.uses, among: knownKinds)
                    diagnostics.append(Diagnostic(step.usesLocation, "unknown step kind '\(step.uses)'\(hint)", expected: oneOf(knownKinds)))
                }
                diagnostics += checkReferences(step, spec: spec, stepNames: stepNames)
                continue
            }
            if !descriptor.userDeclaresOutputs, let first = step.outputs.first {
                diagnostics.append(Diagnostic(first.location, "step kind '\(step.uses)' declares its own outputs; remove 'outputs:'",
                                              expected: oneOf(Array(descriptor.outputs.keys))))
            }
            diagnostics += checkReferences(step, spec: spec, stepNames: stepNames)
            for entry in step.with {
                let type = typeOf(entry.value, in: step, spec: spec)
                if let input = descriptor.input(named: entry.key) {
                    if let type, !input.types.contains(where: { $0.accepts(type) }) {
                        diagnostics.append(Diagnostic(entry.location, "input '\(entry.key)' of step '\(step.name)' is \(type)",
                                                      expected: input.types.map(\.rawValue).joined(separator: " or ")))
                    }
                } else if let why = descriptor.refusedInputs[entry.key] {
                    diagnostics.append(Diagnostic(entry.location, "input '\(entry.key)' of step '\(step.name)' is refused: \(why)",
                                                  expected: oneOf(descriptor.inputs.map(\.name))))
                } else if !descriptor.acceptsExtraInputs {
                    let names = descriptor.inputs.map(\.name)
                    let hint = didYouMean(entry.key, among: names)
                    diagnostics.append(Diagnostic(entry.location, "step kind '\(step.uses)' has no input '\(entry.key)'\(hint)", expected: oneOf(names)))
                }
            }
            for input in descriptor.inputs where input.required && step.input(input.name) == nil {
                diagnostics.append(Diagnostic(step.location, "step '\(step.name)' lacks the required input '\(input.name)'",
                                              expected: "with: {\(input.name): <\(input.types.map(\.rawValue).joined(separator: "|"))>}"))
            }
            if !descriptor.requiresOneOf.isEmpty, !descriptor.requiresOneOf.contains(where: { step.input($0) != nil }) {
                diagnostics.append(Diagnostic(step.location, "step '\(step.name)' needs one of the inputs \(descriptor.requiresOneOf.joined(separator: ", "))",
                                              expected: "with: {\(descriptor.requiresOneOf[0]): …}"))
            }
            diagnostics += checkScripts(step, descriptor: descriptor)
            if BuiltinKind(uses: step.uses) == .approval {
                diagnostics += checkApproval(step)
            }
            diagnostics += checkForeach(step, spec: spec)
        }
        diagnostics += findCycles(spec)
        return diagnostics.sorted { $0.location < $1.location }
    }

    func checkReferences(_ step: StepSpec, spec: PipelineSpec, stepNames: [String]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for reference in step.references {
            switch reference.target {
            case .stepOutput(let name, let output):
                guard let target = spec.step(name) else {
                    let hint = didYouMean(name, among: stepNames)
                    diagnostics.append(Diagnostic(reference.location, "unknown step '\(name)'\(hint)", expected: oneOf(stepNames)))
                    continue
                }
                if name == step.name {
                    diagnostics.append(Diagnostic(reference.location, "step '\(name)' refers to its own output"))
                    continue
                }
                let offered = outputs(of: target)
                if offered[output] == nil, descriptor(uses: target.uses) != nil {
                    let hint = didYouMean(output, among: Array(offered.keys))
                    diagnostics.append(Diagnostic(reference.location, "step '\(name)' has no output '\(output)'\(hint)", expected: oneOf(Array(offered.keys))))
                }
            case .param(let name):
                if spec.param(name) == nil {
                    let names = spec.params.map(\.name)
                    let hint = didYouMean(name, among: names)
                    diagnostics.append(Diagnostic(reference.location, "unknown param '\(name)'\(hint)", expected: oneOf(names)))
                }
            case .item, .index:
                if step.foreach == nil {
                    diagnostics.append(Diagnostic(reference.location, "'\(reference.text)' is only defined in a step with 'foreach:'"))
                } else if case .list(let items) = step.foreach, items.flatMap(\.references).contains(reference) {
                    diagnostics.append(Diagnostic(reference.location, "'\(reference.text)' cannot be used inside 'foreach:' itself"))
                }
            }
        }
        for need in step.needs {
            if spec.step(need.name) == nil {
                let hint = didYouMean(need.name, among: stepNames)
                diagnostics.append(Diagnostic(need.location, "'needs' names an unknown step '\(need.name)'\(hint)", expected: oneOf(stepNames)))
            } else if need.name == step.name {
                diagnostics.append(Diagnostic(need.location, "step '\(step.name)' needs itself"))
            }
        }
        return diagnostics
    }

    /// The program-text inputs of a step (a shell `run:`, Python `code:`) with references in them.
    func scripts(of step: StepSpec, descriptor: StepKindDescriptor) -> [(key: String, template: ScriptTemplate)] {
        step.with.compactMap { entry in
            guard let language = descriptor.input(named: entry.key)?.language, let template = ScriptTemplate(entry.value, language: language) else { return nil }
            return (entry.key, template)
        }
    }

    /// References in program text where their variable cannot expand (single quotes, a quoted
    /// here-document, a Python string, after a backslash): values are never spliced into code,
    /// so such a reference would silently stop working; each is an error that says what to write.
    func checkScripts(_ step: StepSpec, descriptor: StepKindDescriptor) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for (key, template) in scripts(of: step, descriptor: descriptor) {
            for slot in template.literalSlots {
                let input = Self.inputName(for: slot.reference)
                let variable = "MLP_INPUT_" + StepRunner.environmentName(input)
                switch template.language {
                case .shell:
                    diagnostics.append(Diagnostic(
                        slot.reference.location,
                        "'${{ \(slot.reference.text) }}' in '\(key)' is inside single quotes (or a quoted here-document, or after a backslash), "
                            + "where it cannot expand: values reach a shell command as environment variables, never as command text",
                        expected: "the value as an input, `\(input): \"${{ \(slot.reference.text) }}\"` under with:, and \"$\(variable)\" outside single quotes in the command"))
                case .python:
                    diagnostics.append(Diagnostic(
                        slot.reference.location,
                        "'${{ \(slot.reference.text) }}' in '\(key)' is inside a Python string: values reach Python code as environment variables, never as code text",
                        expected: "the value as an input, `\(input): \"${{ \(slot.reference.text) }}\"` under with:, read as os.environ['\(variable)']"))
                }
            }
        }
        return diagnostics
    }

    /// Warnings for `mlp validate`: how each reference inside program text now reaches the
    /// program (an environment variable, one word), and how to write it explicitly.
    public func migrationNotes(_ spec: PipelineSpec) -> [Diagnostic] {
        var notes: [Diagnostic] = []
        for step in spec.steps {
            guard let descriptor = descriptor(uses: step.uses) else { continue }
            for (key, template) in scripts(of: step, descriptor: descriptor) {
                for slot in template.slots where slot.context != .literal {
                    let input = Self.inputName(for: slot.reference)
                    let variable = "MLP_INPUT_" + StepRunner.environmentName(input)
                    let spelled = template.spelling(of: slot, type: typeOf(.reference(slot.reference), in: step, spec: spec))
                    let how = template.language == .shell
                        ? "to make it explicit, pass it as an input, `\(input): \"${{ \(slot.reference.text) }}\"` under with:, and write \"$\(variable)\" in the command"
                        : "to make it explicit, pass it as an input, `\(input): \"${{ \(slot.reference.text) }}\"` under with:, and read os.environ['\(variable)']"
                    notes.append(Diagnostic(
                        slot.reference.location,
                        "'${{ \(slot.reference.text) }}' in '\(key)' is no longer spliced into the \(template.language == .shell ? "command" : "code"); "
                            + "it runs as \(spelled), the value passed in $\(slot.variable) (as data, never as code)",
                        expected: how, severity: .warning))
                }
            }
        }
        return notes.sorted { $0.location < $1.location }
    }

    /// The input name to suggest for a reference: its last part (`params.lr` → `lr`).
    static func inputName(for reference: Reference) -> String {
        switch reference.target {
        case .param(let name): return name
        case .stepOutput(_, let output): return output
        case .item(let field): return field ?? "item"
        case .index: return "index"
        }
    }

    func checkApproval(_ step: StepSpec) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let located = step.with.first { $0.key == "auto_approve_if" }
        if let located, case .literal(.string(let text), _) = located.value {
            do {
                _ = try ApprovalRule(parsing: text)
            } catch let error as ApprovalRule.SyntaxError {
                var at = located.valueLocation
                at.column += error.offset
                diagnostics.append(Diagnostic(at, "auto_approve_if: \(error.message)", expected: "a rule such as \"auc >= 0.9 and log_loss < 0.4\""))
            } catch {}
        }
        if let entry = step.with.first(where: { $0.key == "on_timeout" }), case .literal(.string(let text), _) = entry.value,
           text != "approve", text != "reject" {
            diagnostics.append(Diagnostic(entry.location, "on_timeout must be approve or reject, not '\(text)'"))
        }
        if step.foreach != nil, let at = step.foreachLocation {
            diagnostics.append(Diagnostic(at, "an approval gate cannot fan out"))
        }
        diagnostics += checkThresholds(step)
        return diagnostics
    }

    func checkForeach(_ step: StepSpec, spec: PipelineSpec) -> [Diagnostic] {
        guard let foreach = step.foreach, let at = step.foreachLocation else { return [] }
        switch foreach {
        case .range(let count):
            if let type = typeOf(count, in: step, spec: spec), type != .int {
                return [Diagnostic(at, "foreach range must be an int, not \(type)")]
            }
        case .reference(let reference):
            if let type = typeOf(.reference(reference), in: step, spec: spec), type != .json {
                return [Diagnostic(reference.location, "foreach needs a list (json), but '\(reference.text)' is \(type)")]
            }
        case .list:
            break
        }
        return []
    }

    /// The type of a value in a step, or nil when a reference in it does not resolve.
    public func typeOf(_ value: ValueExpr, in step: StepSpec, spec: PipelineSpec) -> PortType? {
        switch value {
        case .literal(_, let type): return type
        case .template: return .string
        case .list, .map: return .json
        case .reference(let reference):
            switch reference.target {
            case .stepOutput(let name, let output): return spec.step(name).flatMap { outputs(of: $0)[output] }
            case .param(let name): return spec.param(name)?.type
            case .index: return .int
            case .item(let field):
                if field != nil { return .json }
                switch step.foreach {
                case .range: return .int
                case .list(let items):
                    let types = Set(items.map { typeOf($0, in: step, spec: spec) })
                    if types.count == 1, let only = types.first, let type = only { return type }
                    return .json
                default: return .json
                }
            }
        }
    }

    /// Every cycle among the steps, reported once at the edge that closes it.
    func findCycles(_ spec: PipelineSpec) -> [Diagnostic] {
        var state: [String: Int] = [:] // 1: on the stack, 2: done
        var stack: [String] = []
        var diagnostics: [Diagnostic] = []
        func edgeLocation(from step: StepSpec, to target: String) -> SourceLocation {
            if let reference = step.references.first(where: { if case .stepOutput(target, _) = $0.target { return true } else { return false } }) {
                return reference.location
            }
            return step.needs.first { $0.name == target }?.location ?? step.location
        }
        func visit(_ name: String) {
            guard let step = spec.step(name) else { return }
            state[name] = 1
            stack.append(name)
            for dependency in step.dependencies where dependency != name && spec.step(dependency) != nil {
                if state[dependency] == 1 {
                    let start = stack.lastIndex(of: dependency)!
                    let cycle = Array(stack[start...]) + [dependency]
                    diagnostics.append(Diagnostic(edgeLocation(from: step, to: dependency),
                                                  "steps form a cycle: \(cycle.reversed().joined(separator: " → "))",
                                                  expected: "a pipeline without cycles"))
                } else if state[dependency] == nil {
                    visit(dependency)
                }
            }
            stack.removeLast()
            state[name] = 2
        }
        for step in spec.steps where state[step.name] == nil { visit(step.name) }
        return diagnostics
    }
}
