import MLPTensor

/// Writes GGUF version 3 files: metadata, tensor infos, then each tensor's bytes at the next
/// multiple of the alignment, written atomically.
public enum GGUFWriter {
    /// Writes `metadata` (in the order given) and `tensors` (in the order given) to `path`
    /// atomically (temporary file, fsync, rename).
    ///
    /// A tensor's shape is outermost first, as ``ModelTensor/shape`` is; the file stores it reversed.
    /// When `alignment` is not 32, `general.alignment` is added unless `metadata` already holds it
    /// (as a uint32 equal to `alignment`).
    /// - Throws: ``GGUFError/invalidTensor(tensor:detail:)``, ``GGUFError/invalidMetadata(key:detail:)``
    ///   or ``GGUFError/writeFailed(path:detail:)``.
    public static func write(metadata: [(key: String, value: GGUFValue)], tensors: [TensorToWrite],
                             alignment: Int = GGUFFile.defaultAlignment, to path: String) throws {
        guard alignment > 0, alignment <= Int(UInt32.max), alignment & (alignment - 1) == 0 else {
            throw GGUFError.invalidMetadata(key: "general.alignment", detail: "\(alignment) is not a power of two")
        }
        var entries = metadata
        var keys: Set<String> = []
        for (key, value) in entries {
            guard keys.insert(key).inserted else { throw GGUFError.invalidMetadata(key: key, detail: "the key appears twice") }
            if key == "general.alignment", value != .uint32(UInt32(alignment)) {
                throw GGUFError.invalidMetadata(key: key, detail: "\(value) does not match the alignment \(alignment) the file is written with")
            }
            try checkValue(value, key: key)
        }
        if alignment != GGUFFile.defaultAlignment, !keys.contains("general.alignment") {
            entries.append(("general.alignment", .uint32(UInt32(alignment))))
        }

        var header = ByteBuffer()
        header.append(Array("GGUF".utf8))
        header.append(UInt32(3))
        header.append(UInt64(tensors.count))
        header.append(UInt64(entries.count))
        for (key, value) in entries {
            header.append(string: key)
            header.append(value.type.rawValue)
            header.append(value: value)
        }
        var names: Set<String> = []
        var offsets: [Int] = []
        var offset = 0
        for tensor in tensors {
            guard names.insert(tensor.name).inserted else { throw GGUFError.invalidTensor(tensor: tensor.name, detail: "two tensors have this name") }
            guard (1...4).contains(tensor.shape.count), tensor.shape.allSatisfy({ $0 >= 1 }) else {
                throw GGUFError.invalidTensor(tensor: tensor.name, detail: "shape \(tensor.shape) must have 1 to 4 dimensions, each at least 1")
            }
            guard let rowLength = tensor.shape.last, rowLength % tensor.dtype.blockSize == 0 else {
                throw GGUFError.invalidTensor(tensor: tensor.name, detail: "rows of \(tensor.shape.last ?? 0) elements are not whole \(tensor.dtype.rawValue) blocks of \(tensor.dtype.blockSize)")
            }
            guard let elements = checkedElementCount(tensor.shape), let size = tensor.dtype.byteCount(elements: elements) else {
                throw GGUFError.invalidTensor(tensor: tensor.name, detail: "shape \(tensor.shape) has too many elements")
            }
            guard size == tensor.bytes.count else {
                throw GGUFError.invalidTensor(tensor: tensor.name, detail: "shape \(tensor.shape) of \(tensor.dtype.rawValue) needs \(size) bytes, got \(tensor.bytes.count)")
            }
            header.append(string: tensor.name)
            header.append(UInt32(tensor.shape.count))
            for dimension in tensor.shape.reversed() { header.append(UInt64(dimension)) }
            header.append(GGMLType(tensor.dtype).rawValue)
            header.append(UInt64(offset))
            offsets.append(offset)
            offset = (offset + size + alignment - 1) / alignment * alignment
        }

        let failure = { (detail: String) -> Error in GGUFError.writeFailed(path: path, detail: detail) }
        var file = try AtomicFile(path: path, failure: failure)
        defer { file.abandon() }
        try file.write(header.bytes, failure: failure)
        try file.pad(padding(file.written, alignment), with: 0, failure: failure)
        let dataStart = file.written
        for (tensor, tensorOffset) in zip(tensors, offsets) {
            try file.pad(dataStart + tensorOffset - file.written, with: 0, failure: failure)
            try file.write(tensor.bytes, failure: failure)
        }
        try file.commit(failure: failure)
    }

    private static func padding(_ position: Int, _ alignment: Int) -> Int { (alignment - position % alignment) % alignment }

    /// Checks that an array's elements all have its element type, at every level.
    private static func checkValue(_ value: GGUFValue, key: String) throws {
        guard case let .array(elementType, values) = value else { return }
        for element in values {
            guard element.type == elementType else {
                throw GGUFError.invalidMetadata(key: key, detail: "an array of \(elementType) holds a \(element.type)")
            }
            try checkValue(element, key: key)
        }
    }
}

/// A growing little-endian byte buffer for the GGUF header.
private struct ByteBuffer {
    var bytes: [UInt8] = []

    mutating func append(_ raw: [UInt8]) { bytes += raw }

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    mutating func append(string: String) {
        let utf8 = Array(string.utf8)
        append(UInt64(utf8.count))
        bytes += utf8
    }

    mutating func append(value: GGUFValue) {
        switch value {
        case .uint8(let value): append(value)
        case .int8(let value): append(value)
        case .uint16(let value): append(value)
        case .int16(let value): append(value)
        case .uint32(let value): append(value)
        case .int32(let value): append(value)
        case .uint64(let value): append(value)
        case .int64(let value): append(value)
        case .float32(let value): append(value.bitPattern)
        case .float64(let value): append(value.bitPattern)
        case .bool(let value): append(UInt8(value ? 1 : 0))
        case .string(let value): append(string: value)
        case let .array(elementType, values):
            append(elementType.rawValue)
            append(UInt64(values.count))
            for element in values { append(value: element) }
        }
    }
}
