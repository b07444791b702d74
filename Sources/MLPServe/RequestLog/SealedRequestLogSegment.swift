/// A request-log segment that was sealed: a complete CSV file (header and rows), fsynced and
/// renamed to its final name in the spool folder. Whoever receives it owns the file: move it
/// (into the artifact store) or remove it; a file left in place still counts against the spool's
/// byte budget.
public struct SealedRequestLogSegment: Sendable, Equatable {
    /// The model whose requests it holds.
    public var model: String
    /// The CSV file.
    public var path: String
    /// Rows below the header.
    public var rows: Int
    /// The file's size.
    public var bytes: Int64
    /// When the first of its rows was logged (seconds since 1970).
    public var firstAt: Double
    /// When the last of its rows was logged (seconds since 1970).
    public var lastAt: Double

    /// A segment from its parts.
    public init(model: String, path: String, rows: Int, bytes: Int64, firstAt: Double, lastAt: Double) {
        self.model = model
        self.path = path
        self.rows = rows
        self.bytes = bytes
        self.firstAt = firstAt
        self.lastAt = lastAt
    }
}
