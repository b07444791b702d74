/// The JSON header of an `mlpds` file (see `Sources/MLPData/README.md`).
public struct DatasetFileHeader: Codable, Sendable, Equatable {
    /// How a column's values are laid out.
    public enum Encoding: String, Codable, Sendable {
        /// Values as they are (text: offsets + bytes).
        case plain
        /// Text as `int32` codes into a dictionary of distinct values.
        case dictionary
    }

    /// What a buffer holds.
    public enum Role: String, Codable, Sendable, CaseIterable {
        /// Fixed-width values: `float64`/`int64` (8 bytes) or bool (1 byte, 0 or 1).
        case values
        /// One byte per row, 1 valid, 0 null; present exactly when the column has nulls.
        case validity
        /// `rows + 1` little-endian `int64` offsets into `bytes`.
        case offsets
        /// UTF-8 text, back to back.
        case bytes
        /// One little-endian `int32` per row, an index into the dictionary.
        case codes
        /// `dictionary_size + 1` little-endian `int64` offsets into `dictionary_bytes`.
        case dictionaryOffsets = "dictionary_offsets"
        /// The dictionary's UTF-8 text.
        case dictionaryBytes = "dictionary_bytes"
    }

    /// Where one buffer lies, relative to the start of the data section.
    public struct Buffer: Codable, Sendable, Equatable {
        public var role: Role
        public var offset: Int
        public var length: Int
    }

    /// One column's description.
    public struct ColumnEntry: Codable, Sendable, Equatable {
        public var name: String
        public var type: ColumnType
        public var encoding: Encoding
        public var nulls: Int
        /// The number of dictionary entries, for `dictionary` columns.
        public var dictionarySize: Int?
        public var buffers: [Buffer]
        /// An `int` column's ``LogicalType`` by its ``LogicalType/description`` (`date`, `timestamp[us,UTC]`, …);
        /// absent for plain values (and in files written before it existed).
        public var logical: String? = nil

        enum CodingKeys: String, CodingKey {
            case name, type, encoding, nulls, buffers, logical
            case dictionarySize = "dictionary_size"
        }
    }

    /// The number of rows.
    public var rows: Int
    /// The columns, in order.
    public var columns: [ColumnEntry]
    /// Per-column statistics, when the writer computed them.
    public var profile: Profile?
}
