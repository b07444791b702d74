/// A reference to a content-addressed artifact: its SHA-256 digest is its identity.
public struct ArtifactRef: Codable, Hashable, Sendable {
    /// Lower-case hex SHA-256 of the artifact's bytes (for a directory: of its manifest).
    public var digest: String
    /// The port type the artifact was produced as.
    public var type: PortType
    /// Size in bytes (for a directory: the sum of its files).
    public var size: Int64

    public init(digest: String, type: PortType, size: Int64) {
        self.digest = digest
        self.type = type
        self.size = size
    }

    /// The first 12 hex digits, enough to name an artifact on a screen.
    public var shortDigest: String { String(digest.prefix(12)) }
}
