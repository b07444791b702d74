/// What `mlp deploy` (or a `deploy/canary` / `deploy/shadow` step) asks for: put a version of a
/// registered model behind a deployment, directly or as a candidate.
public struct DeploymentSpec: Codable, Sendable, Hashable {
    /// The deployment's name.
    public var name: String
    /// The registered model.
    public var model: String
    /// The model version to put behind the deployment.
    public var version: Int
    /// `.direct` makes the version the stable one at once; `.canary` and `.shadow` make it the candidate.
    public var mode: DeploymentMode
    /// For `.canary`: the share of requests (more than 0, at most 100) the candidate takes.
    public var canaryPercent: Double
    /// For `.canary`: the request header whose value keeps a caller on one side.
    public var stickyHeader: String?
    /// Roll the candidate back when its error fraction exceeds this (0–1).
    public var maxErrorRate: Double?
    /// Roll the candidate back when its p99 latency exceeds this many milliseconds.
    public var maxP99Ms: Double?
    /// Candidate requests needed before the thresholds are judged.
    public var minRequests: Int

    public init(name: String, model: String, version: Int, mode: DeploymentMode = .direct, canaryPercent: Double = 0,
                stickyHeader: String? = nil, maxErrorRate: Double? = nil, maxP99Ms: Double? = nil, minRequests: Int = 50) {
        self.name = name
        self.model = model
        self.version = version
        self.mode = mode
        self.canaryPercent = canaryPercent
        self.stickyHeader = stickyHeader
        self.maxErrorRate = maxErrorRate
        self.maxP99Ms = maxP99Ms
        self.minRequests = minRequests
    }

    /// The first thing wrong with the spec, as a sentence, or nil.
    public var problem: String? {
        do { try ModelName.validate(name) } catch let invalid as InvalidModelName {
            // A deployment name is what clients address (/v2/models/NAME/infer): the model-name rule.
            return "the deployment name '\(ModelName.printable(name))' is not a valid name: \(invalid.reason). \(ModelName.rule.replacingOccurrences(of: "A model name or alias", with: "A deployment name"))"
        } catch {}
        if mode == .canary, !(canaryPercent > 0 && canaryPercent <= 100) {
            return "a canary's traffic share must be more than 0 and at most 100 percent, not \(canaryPercent)"
        }
        if mode != .canary, stickyHeader != nil { return "a sticky header only applies to a canary" }
        if let header = stickyHeader, header.isEmpty || header.contains(where: { $0 == ":" || $0.isWhitespace }) {
            return "the sticky header name '\(header)' is not a header name"
        }
        if let rate = maxErrorRate, !(rate >= 0 && rate <= 1) { return "the maximum error rate must be in 0...1, not \(rate)" }
        if let p99 = maxP99Ms, !(p99 > 0 && p99.isFinite) { return "the maximum p99 latency must be a positive number of milliseconds, not \(p99)" }
        if minRequests < 1 { return "the minimum number of requests before judging the candidate must be at least 1, not \(minRequests)" }
        return nil
    }
}
