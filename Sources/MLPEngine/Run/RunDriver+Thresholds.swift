import Foundation
import MLPCore
import MLPStore

extension RunDriver {
    /// Checks a gate's `thresholds:` against what it shows and the baselines they name; nil when
    /// the gate has none. `failure` says every rule that failed, with its numbers.
    func checkThresholds(_ state: StepState, shown: JSONValue?, resolver: ValueResolver) -> (results: [MetricThresholds.Result], failure: String?)? {
        guard let expression = state.spec.input("thresholds") else { return nil }
        do {
            let thresholds = try MetricThresholds(json: try resolver.resolve(expression).json)
            let models = Baselines.registeredModels(spec, params: params)
            var baselines: [String: MetricThresholds.Baseline] = [:]
            for reference in thresholds.baselineReferences {
                baselines[reference] = Baselines.resolve(reference, store: store, registeredModels: models, gate: state.spec.name)
            }
            let results = thresholds.check(shown ?? .object([:]), baselines: baselines)
            let failed = results.filter { $0.status == .failed }
            guard !failed.isEmpty else { return (results, nil) }
            return (results, "\(failed.count) threshold\(failed.count == 1 ? "" : "s") failed: "
                        + failed.map { "\($0.name): \($0.message)" }.joined(separator: "; "))
        } catch {
            return ([], "thresholds could not be checked: \(error)")
        }
    }

    /// Whether a failed threshold leaves the gate waiting for a person (`on_threshold_failure: wait`)
    /// instead of rejecting it at once (the default).
    func thresholdsWait(_ state: StepState, resolver: ValueResolver) -> Bool {
        guard let expression = state.spec.input("on_threshold_failure") else { return false }
        return (try? resolver.resolve(expression)) == .string("wait")
    }
}
