import MLPCore

/// One registered version of a model: an artifact, where it came from, and its model card.
public struct ModelVersionRecord: Codable, Hashable, Sendable {
    public var id: Int64?
    public var name: String
    /// 1, 2, 3… per name, assigned by the store when the version is registered.
    public var version: Int
    /// The model artifact's digest.
    public var digest: String
    public var type: PortType
    public var runID: String?
    public var stepID: Int64?
    public var createdAt: Double
    public var createdBy: String
    /// JSON: the model card (metrics, the data it was trained on, lineage, anything the step adds).
    public var card: String

    public init(name: String, digest: String, type: PortType, runID: String?, stepID: Int64?, createdAt: Double, createdBy: String, card: String) {
        self.name = name
        self.version = 0
        self.digest = digest
        self.type = type
        self.runID = runID
        self.stepID = stepID
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.card = card
    }

    /// `name:version`.
    public var reference: String { "\(name):\(version)" }
}

/// Where an alias (`champion`, `challenger`) of a model points now.
public struct ModelAliasRecord: Codable, Hashable, Sendable {
    public var name: String
    public var alias: String
    public var version: Int
    public var updatedAt: Double
    public var updatedBy: String

    public init(name: String, alias: String, version: Int, updatedAt: Double, updatedBy: String) {
        self.name = name
        self.alias = alias
        self.version = version
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }
}

/// One move of an alias, kept so a promotion can be audited and undone.
public struct ModelAliasEventRecord: Codable, Hashable, Sendable {
    public var id: Int64?
    public var name: String
    public var alias: String
    /// nil when the alias was created.
    public var fromVersion: Int?
    public var toVersion: Int
    public var at: Double
    public var by: String

    public init(name: String, alias: String, fromVersion: Int?, toVersion: Int, at: Double, by: String) {
        self.name = name
        self.alias = alias
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.at = at
        self.by = by
    }

}

/// A model name with its newest version and its aliases, for lists.
public struct ModelSummary: Codable, Sendable, Hashable {
    public var name: String
    public var versions: Int
    public var latest: ModelVersionRecord
    /// alias → version
    public var aliases: [String: Int]
}
