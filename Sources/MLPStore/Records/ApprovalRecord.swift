import MLPCore

/// An approval gate's request and, once made, its decision.
public struct ApprovalRecord: Codable, Hashable, Sendable {
    public var id: Int64?
    public var runID: String
    public var stepID: Int64
    public var step: String
    public var status: ApprovalStatus
    /// JSON: what the gate shows the approver (metrics of an earlier step, typically).
    public var shown: String?
    /// The `auto_approve_if` rule, if any.
    public var rule: String?
    public var requestedAt: Double
    /// When the gate decides itself (per its `on_timeout`), if it has a timeout.
    public var deadline: Double?
    public var decidedAt: Double?
    /// Who decided: a user name, or `auto` / `timeout`.
    public var decidedBy: String?
    public var comment: String?

    public init(runID: String, stepID: Int64, step: String, shown: String?, rule: String?, requestedAt: Double, deadline: Double?) {
        self.runID = runID
        self.stepID = stepID
        self.step = step
        self.status = .pending
        self.shown = shown
        self.rule = rule
        self.requestedAt = requestedAt
        self.deadline = deadline
    }

}
