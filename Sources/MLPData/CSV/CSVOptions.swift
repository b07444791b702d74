/// How to read a CSV file.
public struct CSVOptions: Sendable {
    /// The field separator, one ASCII byte (default `,`).
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// Whether the first row names the columns (default true); without one, columns are `column_1`, `column_2`, …
    public var hasHeader = true
    /// Column types to use instead of inferring them; a field that does not parse as its column's type is an error.
    public var columnTypes: [String: ColumnType] = [:]
    /// String columns with at most this many distinct values are dictionary-encoded (categorical); 0 turns it off.
    public var categoricalLimit = 0
    /// Bytes read per chunk and core: each window of input (this many bytes per core) is parsed on all cores at
    /// once; a record longer than a window grows the buffer.
    public var chunkSize = 4 << 20
    /// Parts a window is cut into (tests); `nil`: one per core, at most 8.
    var parts: Int?
    /// The smallest part worth a thread of its own: smaller windows are parsed on one.
    var minimumPartBytes = 1 << 16

    /// Default options: comma-separated, with a header, types inferred.
    public init() {}

    /// Options with a delimiter given as a one-character string.
    ///
    /// - Throws: ``CSVError`` when `delimiter` is not exactly one ASCII character other than `"`, CR or LF.
    public init(delimiter: String, source: String = "<options>") throws {
        let bytes = Array(delimiter.utf8)
        guard bytes.count == 1, bytes[0] < 0x80, bytes[0] != UInt8(ascii: "\""), bytes[0] != 10, bytes[0] != 13 else {
            throw CSVError(source: source, "the delimiter must be one ASCII character other than a quote or a newline, not '\(delimiter)'")
        }
        self.delimiter = bytes[0]
    }
}
