import Foundation
import MLPCore
import MLPStore

extension StepRunner {
    /// Runs a `deploy/canary` or `deploy/shadow` step: puts the registered model version behind
    /// the deployment as its candidate (or, when the deployment does not exist yet, as its first,
    /// stable version, since there is nothing to compare against). Running it again with the same
    /// inputs (a resumed run) changes nothing. `mlp serve --deployment NAME` follows the change.
    func deploy(_ job: UnitJob, kind: BuiltinKind) throws -> [String: PortValue] {
        let uses = kind.rawValue
        guard case .string(let reference) = job.config["model"], !reference.isEmpty else {
            throw ResolutionError(message: "\(uses): 'model' must be a registered model reference such as churn:3 or churn@challenger")
        }
        guard case .string(let name) = job.config["name"], !name.isEmpty else {
            throw ResolutionError(message: "\(uses): 'name' must be the deployment's name")
        }
        func number(_ key: String) throws -> Double? {
            switch job.config[key] {
            case nil: return nil
            case .int(let value)?: return Double(value)
            case .float(let value)?: return value
            default: throw ResolutionError(message: "\(uses): '\(key)' must be a number")
            }
        }
        let version = try store.resolveModel(reference)
        // A deployment never points at a version whose stored bytes changed.
        try artifacts.verify(digest: version.digest)
        let existing = try store.deployment(name: name)
        var spec = DeploymentSpec(name: name, model: version.name, version: version.version,
                                  mode: kind == .deployCanary ? .canary : .shadow,
                                  canaryPercent: try number("traffic") ?? 0,
                                  stickyHeader: { if case .string(let header)? = job.config["sticky_header"] { return header }; return nil }(),
                                  maxErrorRate: try number("max_error_rate"), maxP99Ms: try number("max_p99_ms"),
                                  minRequests: try number("min_requests").map { Int($0) } ?? 50)
        if existing == nil { spec.mode = .direct; spec.canaryPercent = 0; spec.stickyHeader = nil }
        if let problem = spec.problem { throw ResolutionError(message: "\(uses): \(problem)") }
        let deployment: DeploymentRecord
        if let existing, Self.alreadyApplied(spec, to: existing) {
            deployment = existing
        } else {
            deployment = try store.deploy(spec, by: Self.currentUser())
        }
        return [
            "deployment": .string(deployment.name), "mode": .string(deployment.mode.rawValue),
            "stable": .string("\(deployment.model):\(deployment.stableVersion)"),
            "candidate": .string(deployment.candidateVersion.map { "\(deployment.model):\($0)" } ?? ""),
            "generation": .int(Int(deployment.generation)),
        ]
    }

    /// Whether the deployment already is what the spec asks for.
    static func alreadyApplied(_ spec: DeploymentSpec, to deployment: DeploymentRecord) -> Bool {
        guard deployment.model == spec.model, deployment.maxErrorRate == spec.maxErrorRate, deployment.maxP99Ms == spec.maxP99Ms,
              deployment.minRequests == spec.minRequests else { return false }
        switch spec.mode {
        case .direct: return deployment.stableVersion == spec.version && deployment.candidateVersion == nil
        case .canary, .shadow:
            // Asking to try the version that already serves alone: there is nothing to try.
            if deployment.stableVersion == spec.version, deployment.candidateVersion == nil { return true }
            return deployment.candidateVersion == spec.version && deployment.mode == spec.mode
                && deployment.canaryPercent == spec.canaryPercent && deployment.stickyHeader == spec.stickyHeader
        }
    }
}
