import Foundation
import MLPCore
import MLPStore

/// The metrics of a baseline that a gate's `thresholds:` or `mlp report --against` compares with.
public enum Baselines {
    /// Resolves `reference` to a baseline's metrics:
    ///
    /// - `@ALIAS`: that alias of the model the pipeline registers (`registeredModels`; exactly one);
    /// - `NAME@ALIAS`, `NAME:VERSION`: a registered model version — the metrics of its card, else of the run that made it;
    /// - anything else: a run (id, unique prefix): its final metrics, overlaid by what its gate `gate` showed.
    ///
    /// A model or alias that does not exist yet is ``MetricThresholds/Baseline/missing(_:)`` (the
    /// first run has no champion); a run that does not exist is ``MetricThresholds/Baseline/invalid(_:)``.
    public static func resolve(_ reference: String, store: any MetadataStore, registeredModels: [String], gate: String? = nil) -> MetricThresholds.Baseline {
        var modelReference = reference
        if reference.hasPrefix("@") {
            let names = Array(Set(registeredModels)).sorted()
            guard names.count == 1 else {
                return .invalid(names.isEmpty
                    ? "'\(reference)' names an alias, but the pipeline registers no model; write NAME\(reference)"
                    : "'\(reference)' is ambiguous: the pipeline registers \(names.joined(separator: ", ")); write NAME\(reference)")
            }
            modelReference = names[0] + reference
        }
        if modelReference.contains("@") || modelReference.contains(":") {
            let version: ModelVersionRecord
            do {
                version = try store.resolveModel(modelReference)
            } catch StoreError.modelNotFound {
                return .missing("\(modelReference) does not exist yet (`mlp models alias \(modelReference) VERSION` sets it)")
            } catch {
                return .invalid("\(error)")
            }
            let label = modelReference == version.reference ? version.reference : "\(version.reference) (\(modelReference))"
            var metrics: [String: Double] = [:]
            if let card = try? JSONValue(parsing: version.card), case .object(let fields)? = card["metrics"] {
                for (key, value) in fields { if let number = value.doubleValue { metrics[key] = number } }
            }
            if metrics.isEmpty, let runID = version.runID { metrics = (try? runMetrics(runID, store: store, gate: gate)) ?? [:] }
            return .found(label: label, metrics: metrics)
        }
        do {
            let run = try store.findRun(reference)
            return .found(label: "run \(run.id)", metrics: try runMetrics(run.id, store: store, gate: gate))
        } catch {
            return .invalid("\(error)")
        }
    }

    /// A run's final metrics (the last value of each key logged without a step number), overlaid
    /// by what its gate `gate` showed when it is a metrics object.
    public static func runMetrics(_ runID: String, store: any MetadataStore, gate: String?) throws -> [String: Double] {
        var metrics: [String: Double] = [:]
        for metric in try store.metrics(runID: runID) where metric.iteration == nil { metrics[metric.key] = metric.value }
        if let gate, let approval = try? store.approval(runID: runID, step: gate), let shown = approval.shown,
           case .object(let fields)? = try? JSONValue(parsing: shown) {
            for (key, value) in fields { if let number = value.doubleValue { metrics[key] = number } }
        }
        return metrics
    }

    /// The model names the pipeline's `register` steps give (literal, or a param's value).
    public static func registeredModels(_ spec: PipelineSpec, params: [String: PortValue]) -> [String] {
        var names: [String] = []
        for step in spec.steps where BuiltinKind(uses: step.uses) == .register {
            switch step.input("name") {
            case .literal(.string(let name), _)?: names.append(name)
            case .reference(let reference)?:
                if case .param(let param) = reference.target, case .string(let name)? = params[param] { names.append(name) }
            default: break
            }
        }
        return names
    }
}
