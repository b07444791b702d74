import MLPCore

/// Step kinds the engine runs itself, in-process.
public enum BuiltinKind: String, CaseIterable, Sendable {
    /// Does nothing; useful to group steps, and to measure the engine's own overhead.
    case noop
    /// Pauses the run until a person (or a rule, or a timeout) decides.
    case approval
    /// Records a model artifact as a new version in the model registry.
    case register
    /// Starts a canary of a registered model version behind a deployment (`mlp serve` follows it).
    case deployCanary = "deploy/canary"
    /// Starts a shadow of a registered model version behind a deployment.
    case deployShadow = "deploy/shadow"

    public var descriptor: StepKindDescriptor {
        switch self {
        case .noop:
            return StepKindDescriptor(uses: "noop", version: "1", summary: "does nothing; its inputs only join the cache key",
                                      acceptsExtraInputs: true)
        case .approval:
            return StepKindDescriptor(
                uses: "approval", version: "1", summary: "pauses the run until a person approves or rejects it",
                inputs: [
                    .init("show", PortType.allCases.filter { !$0.isArtifact }, summary: "what the approver sees (metrics, typically)"),
                    .init("auto_approve_if", [.string], summary: "a rule over the shown metrics, such as \"auc >= 0.9\""),
                    .init("on_timeout", [.string], summary: "approve or reject (default) when the step's timeout passes"),
                    .init("message", [.string], summary: "a line for the approver"),
                    .init("thresholds", [.json], summary: "metric gates: {auc: {min: 0.9, min_relative_change: 0.01, against: \"@champion\"}}"),
                    .init("on_threshold_failure", [.string], summary: "reject (default: the gate fails at once) or wait for a person when a threshold fails"),
                ],
                outputs: ["approved": .bool, "by": .string, "comment": .string, "thresholds": .json])
        case .register:
            return StepKindDescriptor(
                uses: "register", version: "1", summary: "records a model as a new version in the registry, with its lineage and card",
                inputs: [
                    .init("model", [.model, .file, .directory], required: true, summary: "the model artifact"),
                    .init("name", [.string], required: true, summary: "the registered model's name"),
                    .init("metrics", [.metrics, .json], summary: "metrics to keep in the model card"),
                    .init("alias", [.string, .json], summary: "aliases to point at the new version (challenger, champion…)"),
                    .init("card", [.json], summary: "more model-card fields (feature schema, preprocessing, notes)"),
                ],
                outputs: ["version": .int, "reference": .string])
        case .deployCanary, .deployShadow:
            let canary = self == .deployCanary
            var inputs: [StepKindDescriptor.Input] = [
                .init("model", [.string], required: true, summary: "the registered model version: NAME:VERSION (a register step's `reference`), NAME@ALIAS or NAME"),
                .init("name", [.string], required: true, summary: "the deployment's name (what clients address); its first version goes live directly"),
                .init("max_error_rate", [.float], summary: "roll the candidate back when its error fraction exceeds this (0-1)"),
                .init("max_p99_ms", [.float], summary: "roll the candidate back when its p99 latency exceeds this many milliseconds"),
                .init("min_requests", [.int], summary: "candidate requests before the thresholds are judged (default 50)"),
            ]
            if canary {
                inputs.insert(.init("traffic", [.float], required: true, summary: "the share of requests the candidate takes, in percent (more than 0, at most 100)"), at: 2)
                inputs.insert(.init("sticky_header", [.string], summary: "a request header whose value keeps a caller on one side"), at: 3)
            }
            return StepKindDescriptor(
                uses: rawValue, version: "1",
                summary: canary ? "sends a share of a deployment's traffic to a registered model version (a canary)"
                    : "mirrors a deployment's traffic to a registered model version whose answers are only recorded (a shadow)",
                inputs: inputs,
                outputs: ["deployment": .string, "mode": .string, "stable": .string, "candidate": .string, "generation": .int])
        }
    }

    /// Whether the step changes a deployment (a side effect, never cached).
    public var deploys: Bool { self == .deployCanary || self == .deployShadow }

    /// Whether an execution may be reused from the cache (a gate decides each run; a registration is a side effect).
    public var isCacheable: Bool { self == .noop }

    /// The built-in kind a `uses:` names, if any.
    public init?(uses: String) { self.init(rawValue: uses) }
}
