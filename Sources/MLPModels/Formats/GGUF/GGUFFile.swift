import MLPTensor

/// A GGUF (version 3) file, mapped read-only, with its header, metadata and tensor infos checked.
///
/// Layout: `GGUF`, uint32 version, uint64 tensor count, uint64 metadata count, the metadata
/// key/values, the tensor infos (name, uint32 dimension count, uint64 dimensions innermost first,
/// uint32 GGML type, uint64 offset into the data section), padding to `general.alignment`
/// (default 32), then the data section. Every length and count is checked against the bytes
/// remaining before anything is allocated, and every tensor's offset against alignment, bounds and
/// the other tensors, so a malformed file fails with a ``GGUFError`` and never crashes.
public final class GGUFFile: Sendable {
    /// The most tensors a file may declare.
    public static let tensorCountLimit = 1 << 20
    /// The most metadata entries a file may declare.
    public static let metadataCountLimit = 1 << 20
    /// How deep arrays of arrays may nest.
    public static let arrayNestingLimit = 8
    /// The alignment of the data section and of each tensor when `general.alignment` is absent.
    public static let defaultAlignment = 32

    /// One tensor's info.
    public struct Entry: Sendable, Equatable {
        /// The tensor's name.
        public let name: String
        /// The GGML type.
        public let type: GGMLType
        /// The dimensions as GGUF stores them, innermost (`ne[0]`, the row length) first.
        public let dimensions: [Int]
        /// The byte range of the tensor within the whole file.
        public let byteRange: Range<Int>

        /// The shape, outermost dimension first (``dimensions`` reversed).
        public var shape: [Int] { dimensions.reversed() }
    }

    /// The path the file was opened from.
    public let path: String
    /// The format version (3).
    public let version: UInt32
    /// The metadata, in file order.
    public let metadata: [(key: String, value: GGUFValue)]
    /// The alignment in force (`general.alignment` or 32).
    public let alignment: Int
    /// The tensors, in the order of their infos in the file.
    public let entries: [Entry]
    /// Where the data section starts.
    public let dataStart: Int
    /// The file's size in bytes.
    public var fileSize: Int { file.bytes.count }

    private let file: MappedFile
    private let index: [String: Int]
    private let metadataIndex: [String: Int]

    /// Maps and checks the file at `path`.
    /// - Throws: ``GGUFError`` for a malformed file, ``MappedFileError`` when it cannot be read.
    public convenience init(path: String) throws {
        try self.init(mapping: MappedFile(path: path))
    }

    /// Checks an already mapped file.
    public init(mapping file: MappedFile) throws {
        let path = file.path
        var reader = GGUFByteReader(bytes: file.bytes, path: path)
        try reader.need(4, for: "the magic 'GGUF'")
        let magic = Array(file.bytes[0..<4])
        guard magic == Array("GGUF".utf8) else { throw GGUFError.badMagic(path: path, found: magic) }
        reader.skip(to: 4)
        let version = try reader.load(UInt32.self, "the version")
        guard version == 3 else { throw GGUFError.unsupportedVersion(path: path, version: version) }
        let tensorCount = try reader.load(UInt64.self, "tensor_count")
        let metadataCount = try reader.load(UInt64.self, "metadata_kv_count")
        guard tensorCount <= UInt64(Self.tensorCountLimit) else {
            throw GGUFError.countTooLarge(path: path, what: "tensor_count", count: tensorCount, limit: Self.tensorCountLimit)
        }
        guard metadataCount <= UInt64(Self.metadataCountLimit) else {
            throw GGUFError.countTooLarge(path: path, what: "metadata_kv_count", count: metadataCount, limit: Self.metadataCountLimit)
        }
        // Each entry takes at least 12 bytes (key length and type), each tensor info at least 24.
        try reader.need(metadataCount * 12 + tensorCount * 24, for: "\(metadataCount) metadata entries and \(tensorCount) tensor infos")

        var metadata: [(key: String, value: GGUFValue)] = []
        var metadataIndex: [String: Int] = [:]
        metadata.reserveCapacity(Int(metadataCount))
        for position in 0..<Int(metadataCount) {
            let keyOffset = reader.offset
            let key = try reader.string("metadata key \(position)")
            guard metadataIndex[key] == nil else { throw GGUFError.duplicateKey(path: path, key: key, offset: keyOffset) }
            let typeOffset = reader.offset
            let rawType = try reader.load(UInt32.self, "value type of '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw GGUFError.invalidValueType(path: path, key: key, offset: typeOffset, type: rawType)
            }
            let value = try Self.readValue(type, key: key, depth: 0, reader: &reader)
            metadataIndex[key] = metadata.count
            metadata.append((key, value))
        }

        var alignment = Self.defaultAlignment
        if let position = metadataIndex["general.alignment"] {
            guard case .uint32(let value) = metadata[position].value else {
                throw GGUFError.invalidAlignment(path: path, detail: "is a \(metadata[position].value.type), not a uint32")
            }
            guard value > 0, value & (value - 1) == 0 else { throw GGUFError.invalidAlignment(path: path, detail: "is \(value)") }
            alignment = Int(value)
        }

        struct Info { let name: String; let type: GGMLType; let dimensions: [Int]; let offset: UInt64; let size: Int }
        var infos: [Info] = []
        infos.reserveCapacity(Int(tensorCount))
        var names: Set<String> = []
        for position in 0..<Int(tensorCount) {
            let name = try reader.string("name of tensor \(position)")
            guard names.insert(name).inserted else { throw GGUFError.duplicateTensor(path: path, tensor: name) }
            let dimensionsOffset = reader.offset
            let dimensionCount = try reader.load(UInt32.self, "dimension count of '\(name)'")
            guard dimensionCount <= 4 else {
                throw GGUFError.tooManyDimensions(path: path, tensor: name, count: dimensionCount, offset: dimensionsOffset)
            }
            var dimensions: [Int] = []
            for index in 0..<Int(dimensionCount) {
                let value = try reader.load(UInt64.self, "dimension \(index) of '\(name)'")
                guard value >= 1, value <= UInt64(Int.max) else {
                    throw GGUFError.invalidDimension(path: path, tensor: name, index: index, value: value)
                }
                dimensions.append(Int(value))
            }
            let typeOffset = reader.offset
            let type = GGMLType(rawValue: try reader.load(UInt32.self, "type of '\(name)'"))
            guard let blockSize = type.blockSize else {
                throw GGUFError.unknownType(path: path, tensor: name, type: type.rawValue, offset: typeOffset)
            }
            let offset = try reader.load(UInt64.self, "data offset of '\(name)'")
            guard let elements = checkedElementCount(dimensions) else {
                throw GGUFError.sizeOverflow(path: path, tensor: name, dimensions: dimensions)
            }
            let rowLength = dimensions.first ?? 1
            guard rowLength % blockSize == 0 else {
                throw GGUFError.rowNotWholeBlocks(path: path, tensor: name, rowLength: rowLength, type: type.description, blockSize: blockSize)
            }
            guard let size = type.byteCount(elements: elements) else {
                throw GGUFError.sizeOverflow(path: path, tensor: name, dimensions: dimensions)
            }
            guard offset % UInt64(alignment) == 0 else {
                throw GGUFError.misalignedOffset(path: path, tensor: name, offset: offset, alignment: alignment)
            }
            infos.append(Info(name: name, type: type, dimensions: dimensions, offset: offset, size: size))
        }

        // The data section starts at the next multiple of the alignment (or at the end of a file with no tensor data).
        let (padded, overflow) = reader.offset.addingReportingOverflow(alignment - 1)
        let dataStart = overflow ? Int.max : padded / alignment * alignment
        let dataLength = max(0, file.bytes.count - min(dataStart, file.bytes.count))
        if !infos.isEmpty, dataStart > file.bytes.count {
            throw GGUFError.truncated(path: path, what: "the padding before the data section", offset: reader.offset,
                                      needed: UInt64(dataStart - reader.offset), fileSize: file.bytes.count)
        }

        var entries: [Entry] = []
        entries.reserveCapacity(infos.count)
        for info in infos {
            guard info.offset <= UInt64(dataLength), UInt64(info.size) <= UInt64(dataLength) - info.offset else {
                throw GGUFError.tensorOutOfBounds(path: path, tensor: info.name, offset: info.offset, size: info.size, dataLength: dataLength)
            }
            let begin = dataStart + Int(info.offset)
            entries.append(Entry(name: info.name, type: info.type, dimensions: info.dimensions, byteRange: begin..<(begin + info.size)))
        }
        let byOffset = entries.sorted { ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound) }
        for (previous, next) in zip(byOffset, byOffset.dropFirst()) where next.byteRange.lowerBound < previous.byteRange.upperBound {
            throw GGUFError.overlappingTensors(path: path, first: previous.name, firstEnd: previous.byteRange.upperBound - dataStart,
                                               second: next.name, secondBegin: next.byteRange.lowerBound - dataStart)
        }

        self.path = path
        self.file = file
        self.version = version
        self.metadata = metadata
        self.metadataIndex = metadataIndex
        self.alignment = alignment
        self.entries = entries
        self.dataStart = min(dataStart, file.bytes.count)
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() { index[entry.name] = position }
        self.index = index
    }

    /// The metadata value under `key`, or nil.
    public subscript(key: String) -> GGUFValue? { metadataIndex[key].map { metadata[$0].value } }

    /// The info of the tensor named `name`, or nil.
    public func entry(named name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The tensor named `name` as an mlp tensor view (zero-copy), shape outermost first.
    /// - Throws: ``GGUFError/tensorNotFound(path:tensor:)`` or ``GGUFError/unsupportedType(path:tensor:type:)``.
    public func tensor(named name: String) throws -> ModelTensor {
        guard let entry = entry(named: name) else { throw GGUFError.tensorNotFound(path: path, tensor: name) }
        guard let dtype = entry.type.dtype else { throw GGUFError.unsupportedType(path: path, tensor: name, type: entry.type.description) }
        return ModelTensor(name: name, dtype: dtype, shape: entry.shape, data: TensorData(file: file, range: entry.byteRange))
    }

    /// The bytes of the tensor named `name`, whatever its type (zero-copy).
    public func rawBytes(named name: String) throws -> TensorData {
        guard let entry = entry(named: name) else { throw GGUFError.tensorNotFound(path: path, tensor: name) }
        return TensorData(file: file, range: entry.byteRange)
    }

    private static func readValue(_ type: GGUFValueType, key: String, depth: Int, reader: inout GGUFByteReader) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try reader.load(UInt8.self, "value of '\(key)'"))
        case .int8: return .int8(try reader.load(Int8.self, "value of '\(key)'"))
        case .uint16: return .uint16(try reader.load(UInt16.self, "value of '\(key)'"))
        case .int16: return .int16(try reader.load(Int16.self, "value of '\(key)'"))
        case .uint32: return .uint32(try reader.load(UInt32.self, "value of '\(key)'"))
        case .int32: return .int32(try reader.load(Int32.self, "value of '\(key)'"))
        case .uint64: return .uint64(try reader.load(UInt64.self, "value of '\(key)'"))
        case .int64: return .int64(try reader.load(Int64.self, "value of '\(key)'"))
        case .float32: return .float32(Float(bitPattern: try reader.load(UInt32.self, "value of '\(key)'")))
        case .float64: return .float64(Double(bitPattern: try reader.load(UInt64.self, "value of '\(key)'")))
        case .bool:
            let offset = reader.offset
            let byte = try reader.load(UInt8.self, "value of '\(key)'")
            guard byte <= 1 else { throw GGUFError.invalidBool(path: reader.path, key: key, offset: offset, byte: byte) }
            return .bool(byte == 1)
        case .string:
            return .string(try reader.string("string value of '\(key)'"))
        case .array:
            let offset = reader.offset
            guard depth < arrayNestingLimit else {
                throw GGUFError.nestingTooDeep(path: reader.path, key: key, offset: offset, limit: arrayNestingLimit)
            }
            let rawType = try reader.load(UInt32.self, "array element type of '\(key)'")
            guard let elementType = GGUFValueType(rawValue: rawType) else {
                throw GGUFError.invalidValueType(path: reader.path, key: key, offset: offset, type: rawType)
            }
            let count = try reader.load(UInt64.self, "array length of '\(key)'")
            // Check the smallest size the elements could take before reserving room for them.
            let (minimum, overflow) = count.multipliedReportingOverflow(by: UInt64(elementType.minimumEncodedSize))
            try reader.need(overflow ? UInt64.max : minimum, for: "\(count) array elements of '\(key)'")
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                values.append(try readValue(elementType, key: key, depth: depth + 1, reader: &reader))
            }
            return .array(elementType: elementType, values: values)
        }
    }
}
