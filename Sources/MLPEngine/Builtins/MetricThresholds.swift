import Foundation
import MLPCore

/// An approval gate's `thresholds:` — metric gates in the manner of MLflow's `MetricThreshold`.
///
/// ```yaml
/// thresholds:
///   auc: {min: 0.9, min_absolute_change: 0.0, min_relative_change: 0.01, against: "@champion"}
///   log_loss: {max: 0.3, higher_is_better: false}
/// ```
///
/// Each metric is read from what the gate shows. `min` / `max` bound the value itself;
/// `min_absolute_change` and `min_relative_change` compare it with the same metric of a baseline
/// (`against`: `@ALIAS` of the model the pipeline registers, `NAME@ALIAS`, `NAME:VERSION`, or a run
/// id), in the direction `higher_is_better` says (default true):
///
/// - higher is better: value ≥ baseline + min_absolute_change, value ≥ baseline + |baseline| × min_relative_change
/// - lower is better: value ≤ baseline − min_absolute_change, value ≤ baseline − |baseline| × min_relative_change
///
/// When the baseline does not exist yet (no `@champion` on the first run), the change rules are
/// skipped, and say so; `min` and `max` are always checked.
public struct MetricThresholds: Sendable, Equatable {
    /// The rules of one metric.
    public struct Threshold: Sendable, Equatable {
        public var metric: String
        public var min: Double?
        public var max: Double?
        public var minAbsoluteChange: Double?
        public var minRelativeChange: Double?
        public var higherIsBetter: Bool
        /// The baseline the change rules compare with.
        public var against: String?

        public init(metric: String, min: Double? = nil, max: Double? = nil, minAbsoluteChange: Double? = nil,
                    minRelativeChange: Double? = nil, higherIsBetter: Bool = true, against: String? = nil) {
            self.metric = metric
            self.min = min
            self.max = max
            self.minAbsoluteChange = minAbsoluteChange
            self.minRelativeChange = minRelativeChange
            self.higherIsBetter = higherIsBetter
            self.against = against
        }
    }

    /// A `thresholds:` value that has the wrong shape. ``path`` is where, such as `["auc", "min"]`.
    public struct ShapeError: Error, CustomStringConvertible, Sendable, Equatable {
        public let path: [String]
        public let message: String
        public let expected: String?
        public var description: String {
            "thresholds" + path.map { ".\($0)" }.joined() + ": " + message + (expected.map { " (expected \($0))" } ?? "")
        }
    }

    /// The keys a metric's rules may have.
    public static let keys = ["min", "max", "min_absolute_change", "min_relative_change", "higher_is_better", "against"]
    static let numericKeys = ["min", "max", "min_absolute_change", "min_relative_change"]

    /// The thresholds, by metric name in sorted order.
    public let thresholds: [Threshold]

    public init(_ thresholds: [Threshold]) { self.thresholds = thresholds.sorted { $0.metric < $1.metric } }

    /// Reads resolved `thresholds:` JSON; throws the first ``ShapeError``.
    public init(json: JSONValue) throws {
        if let first = Self.shapeErrors(json).first { throw first }
        guard case .object(let metrics) = json else { throw ShapeError(path: [], message: "must be a mapping", expected: nil) }
        var thresholds: [Threshold] = []
        for (metric, rules) in metrics {
            guard case .object(let fields) = rules else { continue }
            var threshold = Threshold(metric: metric)
            threshold.min = fields["min"]?.doubleValue
            threshold.max = fields["max"]?.doubleValue
            threshold.minAbsoluteChange = fields["min_absolute_change"]?.doubleValue
            threshold.minRelativeChange = fields["min_relative_change"]?.doubleValue
            if case .bool(let flag)? = fields["higher_is_better"] { threshold.higherIsBetter = flag }
            threshold.against = fields["against"]?.stringValue
            thresholds.append(threshold)
        }
        self.init(thresholds)
    }

    /// Every shape problem of a `thresholds:` value at once (unknown keys, non-numeric bounds,
    /// `min` above `max`, a change rule without `against`, negative changes). A ``ValueShape``
    /// leaf that is a reference (`${{ params.x }}`) is checked when the run resolves it.
    public static func shapeErrors(_ value: JSONValue) -> [ShapeError] {
        shapeErrors(ValueShape(value))
    }

    /// A `thresholds:` value as written: literal JSON, or a mapping with references in it.
    public indirect enum ValueShape: Sendable {
        case literal(JSONValue)
        case unresolved(String)
        case map([String: ValueShape])
        case other(String)

        /// Literal JSON: a mapping's fields become shapes of their own.
        public init(_ json: JSONValue) {
            if case .object(let fields) = json { self = .map(fields.mapValues(ValueShape.init)) } else { self = .literal(json) }
        }
    }

    /// ``shapeErrors(_:)`` over a value that may hold references (unresolved leaves pass).
    public static func shapeErrors(_ value: ValueShape) -> [ShapeError] {
        let example = "{auc: {min: 0.9, min_relative_change: 0.01, against: \"@champion\"}}"
        guard case .map(let metrics) = value else {
            if case .unresolved = value { return [] }
            return [ShapeError(path: [], message: "must be a mapping of metric name to its rules", expected: example)]
        }
        if metrics.isEmpty { return [ShapeError(path: [], message: "names no metric", expected: example)] }
        var errors: [ShapeError] = []
        for metric in metrics.keys.sorted() {
            guard case .map(let rules) = metrics[metric]! else {
                if case .unresolved = metrics[metric]! { continue }
                errors.append(ShapeError(path: [metric], message: "must be a mapping of rules",
                                         expected: "{min: 0.9} with keys \(keys.joined(separator: ", "))"))
                continue
            }
            if rules.isEmpty {
                errors.append(ShapeError(path: [metric], message: "states no rule", expected: "one of \(keys.joined(separator: ", "))"))
            }
            var numbers: [String: Double] = [:]
            for key in rules.keys.sorted() {
                let field = rules[key]!
                if !keys.contains(key) {
                    let hint = keys.first { Self.closeEnough(key, $0) }.map { "; did you mean '\($0)'?" } ?? ""
                    errors.append(ShapeError(path: [metric, key], message: "unknown key '\(key)'\(hint)", expected: "one of \(keys.joined(separator: ", "))"))
                    continue
                }
                if case .unresolved = field { continue }
                switch key {
                case "higher_is_better":
                    guard case .literal(.bool) = field else {
                        errors.append(ShapeError(path: [metric, key], message: "must be true or false, not \(describe(field))", expected: nil))
                        continue
                    }
                case "against":
                    guard case .literal(.string(let text)) = field, !text.isEmpty else {
                        errors.append(ShapeError(path: [metric, key], message: "must be a model alias or a run id, not \(describe(field))",
                                                 expected: "\"@champion\", \"NAME@ALIAS\", \"NAME:VERSION\" or a run id"))
                        continue
                    }
                default:
                    guard case .literal(.number(let number)) = field, number.isFinite else {
                        errors.append(ShapeError(path: [metric, key], message: "must be a number, not \(describe(field))", expected: nil))
                        continue
                    }
                    numbers[key] = number
                    if key.hasPrefix("min_"), number < 0 {
                        errors.append(ShapeError(path: [metric, key], message: "is negative (\(format(number))); a change is measured in the better direction, set by higher_is_better",
                                                 expected: "a number ≥ 0"))
                    }
                }
            }
            if let low = numbers["min"], let high = numbers["max"], low > high {
                errors.append(ShapeError(path: [metric, "min"], message: "min \(format(low)) is above max \(format(high)); no value can pass", expected: nil))
            }
            if rules["min_absolute_change"] != nil || rules["min_relative_change"] != nil, rules["against"] == nil {
                errors.append(ShapeError(path: [metric], message: "a change rule needs a baseline: add against", expected: "against: \"@champion\" or a run id"))
            }
        }
        return errors
    }

    private static func describe(_ field: ValueShape) -> String {
        switch field {
        case .literal(let json): return json.canonicalText
        case .unresolved(let text): return text
        case .map: return "a mapping"
        case .other(let text): return text
        }
    }

    private static func closeEnough(_ a: String, _ b: String) -> Bool {
        let x = Array(a), y = Array(b)
        guard !x.isEmpty, !y.isEmpty else { return false }
        var row = Array(0...y.count)
        for i in 1...x.count {
            var next = [i] + Array(repeating: 0, count: y.count)
            for j in 1...y.count {
                next[j] = Swift.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            row = next
        }
        return row[y.count] <= 2
    }

    // MARK: - Checking

    /// A baseline's metrics, or why there is none.
    public enum Baseline: Sendable, Equatable {
        /// `label` names what was found (`breast-cancer-logreg:2 (@champion)`, `run 20261207-…`).
        case found(label: String, metrics: [String: Double])
        /// There is no such baseline yet (no champion on the first run): change rules are skipped.
        case missing(String)
        /// The reference is wrong (a misspelt run id): change rules fail.
        case invalid(String)
    }

    /// One rule of one metric, checked.
    public struct Result: Sendable, Equatable, CustomStringConvertible {
        public enum Status: String, Sendable, Equatable { case passed, failed, skipped }
        public var metric: String
        /// `min`, `max`, `min_absolute_change` or `min_relative_change`.
        public var rule: String
        public var bound: Double
        public var value: Double?
        public var baseline: Double?
        public var against: String?
        public var status: Status
        /// What was compared, with the numbers: `auc = 0.91 is below min 0.95`.
        public var message: String

        /// `auc min 0.9`, `auc min_relative_change 0.01 against @champion`.
        public var name: String {
            "\(metric) \(rule) \(MetricThresholds.format(bound))" + (against.map { " against \($0)" } ?? "")
        }

        public var description: String { "\(name): \(status.rawValue): \(message)" }

        /// The result as JSON (the gate's `thresholds` output, read back by `mlp run --junit`).
        public var json: JSONValue {
            var fields: [String: JSONValue] = ["metric": .string(metric), "rule": .string(rule), "bound": .number(bound),
                                               "status": .string(status.rawValue), "message": .string(message), "name": .string(name)]
            if let value { fields["value"] = .number(value) }
            if let baseline { fields["baseline"] = .number(baseline) }
            if let against { fields["against"] = .string(against) }
            return .object(fields)
        }

        public init(metric: String, rule: String, bound: Double, value: Double?, baseline: Double?, against: String?,
                    status: Status, message: String) {
            self.metric = metric
            self.rule = rule
            self.bound = bound
            self.value = value
            self.baseline = baseline
            self.against = against
            self.status = status
            self.message = message
        }

        /// Reads ``json`` back; nil when it is not a result.
        public init?(json: JSONValue) {
            guard let metric = json["metric"]?.stringValue, let rule = json["rule"]?.stringValue, let bound = json["bound"]?.doubleValue,
                  let status = json["status"]?.stringValue.flatMap(Status.init(rawValue:)), let message = json["message"]?.stringValue else { return nil }
            self.init(metric: metric, rule: rule, bound: bound, value: json["value"]?.doubleValue, baseline: json["baseline"]?.doubleValue,
                      against: json["against"]?.stringValue, status: status, message: message)
        }
    }

    /// The distinct `against` references, for resolving baselines once each.
    public var baselineReferences: [String] {
        Array(Set(thresholds.compactMap { $0.minAbsoluteChange != nil || $0.minRelativeChange != nil ? $0.against : nil })).sorted()
    }

    /// Checks every rule against what the gate shows (a metrics object) and the baselines
    /// (by `against` reference). Results are in metric order, then min, max, absolute, relative.
    public func check(_ shown: JSONValue, baselines: [String: Baseline]) -> [Result] {
        var results: [Result] = []
        for threshold in thresholds {
            let metric = threshold.metric
            var value: Double?
            if case .object = shown {
                var current: JSONValue? = shown
                for piece in metric.split(separator: ".") { current = current?[String(piece)] }
                value = current?.doubleValue ?? shown[metric]?.doubleValue
            } else if metric == "value" {
                value = shown.doubleValue
            }
            let known: String = {
                if case .object(let fields) = shown { return fields.keys.sorted().joined(separator: ", ") }
                return "value"
            }()
            func missing(_ rule: String, _ bound: Double, against: String? = nil) -> Result {
                Result(metric: metric, rule: rule, bound: bound, value: nil, baseline: nil, against: against, status: .failed,
                       message: "'\(metric)' is not a number among what the gate shows (\(known))")
            }
            if let bound = threshold.min {
                if let value {
                    let holds = value >= bound
                    results.append(Result(metric: metric, rule: "min", bound: bound, value: value, baseline: nil, against: nil, status: holds ? .passed : .failed,
                                          message: "\(metric) = \(Self.format(value)) \(holds ? "is at least" : "is below") min \(Self.format(bound))"))
                } else { results.append(missing("min", bound)) }
            }
            if let bound = threshold.max {
                if let value {
                    let holds = value <= bound
                    results.append(Result(metric: metric, rule: "max", bound: bound, value: value, baseline: nil, against: nil, status: holds ? .passed : .failed,
                                          message: "\(metric) = \(Self.format(value)) \(holds ? "is at most" : "is above") max \(Self.format(bound))"))
                } else { results.append(missing("max", bound)) }
            }
            for (rule, bound) in [("min_absolute_change", threshold.minAbsoluteChange), ("min_relative_change", threshold.minRelativeChange)] {
                guard let bound else { continue }
                let against = threshold.against ?? ""
                guard let value else { results.append(missing(rule, bound, against: against)); continue }
                let direction = threshold.higherIsBetter ? "higher is better" : "lower is better"
                switch baselines[against] ?? .invalid("the baseline '\(against)' was not resolved") {
                case .missing(let why):
                    results.append(Result(metric: metric, rule: rule, bound: bound, value: value, baseline: nil, against: against, status: .skipped,
                                          message: "no baseline to compare with: \(why)"))
                case .invalid(let why):
                    results.append(Result(metric: metric, rule: rule, bound: bound, value: value, baseline: nil, against: against, status: .failed,
                                          message: "cannot compare with '\(against)': \(why)"))
                case .found(let label, let metrics):
                    guard let base = metrics[metric] else {
                        results.append(Result(metric: metric, rule: rule, bound: bound, value: value, baseline: nil, against: against, status: .failed,
                                              message: "the baseline \(label) has no metric '\(metric)' (it has \(metrics.keys.sorted().joined(separator: ", ")))"))
                        continue
                    }
                    let margin = rule == "min_absolute_change" ? bound : abs(base) * bound
                    let needed = threshold.higherIsBetter ? base + margin : base - margin
                    let holds = threshold.higherIsBetter ? value >= needed : value <= needed
                    let change = value - base
                    let relative = base == 0 ? "" : String(format: ", %+.3g%%", change / abs(base) * 100)
                    let boundText = rule == "min_absolute_change" ? Self.format(bound) : Self.format(bound) + String(format: " (%g%%)", bound * 100)
                    let message = "\(metric) = \(Self.format(value)) against \(Self.format(base)) of \(label): change \(Self.signed(change))\(relative); "
                        + "\(rule) \(boundText), \(direction), needs \(threshold.higherIsBetter ? "≥" : "≤") \(Self.format(needed))"
                        + (holds ? "" : ": not met")
                    results.append(Result(metric: metric, rule: rule, bound: bound, value: value, baseline: base, against: against,
                                          status: holds ? .passed : .failed, message: message))
                }
            }
        }
        return results
    }

    /// A number as text: integers without a fraction, others with up to 6 significant digits.
    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.6g", value)
    }

    static func signed(_ value: Double) -> String { (value >= 0 ? "+" : "") + format(value) }
}
