import MLPCore

/// A reference inside `${{ … }}`.
public enum ReferenceTarget: Hashable, Sendable {
    case stepOutput(step: String, output: String)
    case param(String)
    /// The current fan-out item, or a field of it (`item.path`).
    case item(field: String?)
    /// The current fan-out index.
    case index
}

/// A located reference.
public struct Reference: Hashable, Sendable {
    public var target: ReferenceTarget
    public var location: SourceLocation
    /// The text between the braces, for messages.
    public var text: String
}

/// A value written in `with:`, `env:` or `foreach:`.
public indirect enum ValueExpr: Hashable, Sendable {
    /// A literal with the type it was written as.
    case literal(JSONValue, PortType)
    /// A whole value that is one reference: it keeps the referenced type.
    case reference(Reference)
    /// A string with references inside it: always a string.
    case template([TemplatePart])
    /// A list or map whose elements may hold references.
    case list([ValueExpr])
    case map([String: ValueExpr])

    /// Every reference inside the value.
    public var references: [Reference] {
        switch self {
        case .literal: return []
        case .reference(let reference): return [reference]
        case .template(let parts): return parts.compactMap { if case .reference(let r) = $0 { return r } else { return nil } }
        case .list(let items): return items.flatMap(\.references)
        case .map(let fields): return fields.keys.sorted().flatMap { fields[$0]!.references }
        }
    }
}

/// A piece of an interpolated string.
public enum TemplatePart: Hashable, Sendable {
    case text(String)
    case reference(Reference)
}

/// A typed pipeline parameter.
public struct ParamSpec: Hashable, Sendable {
    public var name: String
    public var type: PortType
    public var defaultValue: PortValue?
    public var summary: String?
    public var location: SourceLocation
}

/// An output a step declares.
public struct OutputSpec: Hashable, Sendable {
    public var name: String
    public var type: PortType
    public var location: SourceLocation
}

/// What a fan-out step iterates over.
public enum ForeachSpec: Hashable, Sendable {
    /// A list written in the file.
    case list([ValueExpr])
    /// A `json` list produced by a step or given as a param.
    case reference(Reference)
    /// The integers 0..<N.
    case range(ValueExpr)

    /// The most items one fan-out may have: each item is a stored step record, so a bigger
    /// fan-out is refused (at `validate` when the count is written in the file, else when it runs).
    public static let maxItems = 100_000
}

/// How a failed step is retried.
public struct RetryPolicy: Hashable, Sendable {
    /// Extra attempts after the first.
    public var retries: Int
    /// Delay before the first retry; each later one waits `factor` times longer, up to ``maxBackoff``.
    public var backoff: TimeSpan
    public var factor: Double
    public var maxBackoff: TimeSpan

    public static let none = RetryPolicy(retries: 0, backoff: TimeSpan(seconds: 1), factor: 2, maxBackoff: TimeSpan(seconds: 60))

    /// The most retries a step may ask for.
    public static let maxRetries = 100
    /// The largest growth factor between two retries.
    public static let maxFactor = 100.0

    /// The wait before attempt number `attempt` (2 for the first retry), in seconds: finite, not
    /// negative and at most ``maxBackoff`` whatever the attempt number (a zero backoff with a
    /// huge exponent is 0, not NaN; an overflowing growth stops at ``maxBackoff``).
    public func delay(beforeAttempt attempt: Int) -> Double {
        let base = backoff.seconds.isFinite ? max(0, backoff.seconds) : 0
        let cap = maxBackoff.seconds.isFinite ? max(0, maxBackoff.seconds) : TimeSpan.maximum.seconds
        guard base > 0 else { return 0 }
        let exponent = Double(max(0, attempt - 2))
        let growth = factor.isFinite && factor >= 1 ? pow(factor, exponent) : 1
        let delay = base * growth
        return delay.isFinite ? min(delay, cap) : cap
    }
}

/// A step of a pipeline as written.
public struct StepSpec: Hashable, Sendable {
    public var name: String
    public var location: SourceLocation
    public var uses: String
    public var usesLocation: SourceLocation
    /// The `with:` block in file order; `valueLocation` is where the value's text starts.
    public var with: [(key: String, value: ValueExpr, location: SourceLocation, valueLocation: SourceLocation)]
    public var outputs: [OutputSpec]
    public var needs: [(name: String, location: SourceLocation)]
    public var foreach: ForeachSpec?
    public var foreachLocation: SourceLocation?
    public var retry: RetryPolicy
    public var timeout: TimeSpan?
    public var cache: Bool
    public var env: [(key: String, value: ValueExpr)]
    /// `format:`: the file format a script step receives its dataset inputs in (Parquet unless set).
    public var formats = DatasetFormats()

    /// The `with:` value named `key`.
    public func input(_ key: String) -> ValueExpr? { with.first { $0.key == key }?.value }

    /// Every reference the step makes (inputs, env, foreach).
    public var references: [Reference] {
        var all = with.flatMap(\.value.references) + env.flatMap(\.value.references)
        switch foreach {
        case .list(let items): all += items.flatMap(\.references)
        case .reference(let reference): all.append(reference)
        case .range(let count): all += count.references
        case nil: break
        }
        return all
    }

    /// The steps this one depends on: the ones it references and the ones it `needs`.
    public var dependencies: [String] {
        var seen = Set<String>()
        var ordered: [String] = []
        for reference in references {
            if case .stepOutput(let step, _) = reference.target, seen.insert(step).inserted { ordered.append(step) }
        }
        for need in needs where seen.insert(need.name).inserted { ordered.append(need.name) }
        return ordered
    }

    public static func == (lhs: StepSpec, rhs: StepSpec) -> Bool { lhs.name == rhs.name && lhs.location == rhs.location }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(location)
    }
}

/// A parsed pipeline: params and steps, in file order, with where each came from.
public struct PipelineSpec: Sendable {
    public var name: String
    public var summary: String?
    public var file: String
    public var params: [ParamSpec]
    public var steps: [StepSpec]

    public func step(_ name: String) -> StepSpec? { steps.first { $0.name == name } }
    public func param(_ name: String) -> ParamSpec? { params.first { $0.name == name } }
}

import Foundation
