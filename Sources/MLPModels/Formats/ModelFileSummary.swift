/// What a model file holds, in either format: what `mlp models inspect` shows.
public struct ModelFileSummary: Sendable {
    /// One tensor's line.
    public struct Tensor: Sendable, Equatable {
        /// The tensor's name.
        public let name: String
        /// The element type as the file names it (`F32`, `Q8_0`, `I64`).
        public let dtype: String
        /// The shape, outermost dimension first.
        public let shape: [Int]
        /// The bytes it takes in the file.
        public let bytes: Int
        /// Where its bytes start in the file.
        public let offset: Int
    }

    /// The file's format.
    public let format: ModelFormat
    /// The file's path.
    public let path: String
    /// The file's size in bytes.
    public let fileSize: Int
    /// The format version (3 for GGUF; nil for safetensors, which has none).
    public let version: Int?
    /// The metadata in file order (safetensors' `__metadata__` sorted by key).
    public let metadata: [(key: String, value: MetadataValue)]
    /// The tensors in file order.
    public let tensors: [Tensor]

    /// A metadata value: a safetensors string or any GGUF value.
    public enum MetadataValue: Sendable, Equatable {
        case string(String)
        case gguf(GGUFValue)
    }

    /// Opens the file at `path`, detecting its format from its first bytes, and summarizes it.
    /// - Throws: ``ModelFormatDetectionError``, ``SafetensorsError``, ``GGUFError`` or ``MappedFileError``.
    public init(path: String) throws {
        let file = try MappedFile(path: path)
        self.path = path
        fileSize = file.bytes.count
        format = try ModelFormat.detect(file.bytes, path: path)
        switch format {
        case .safetensors:
            let safetensors = try SafetensorsFile(mapping: file)
            version = nil
            metadata = safetensors.metadata.sorted { $0.key < $1.key }.map { (key: $0.key, value: MetadataValue.string($0.value)) }
            tensors = safetensors.entries.map {
                Tensor(name: $0.name, dtype: $0.storedType.rawValue, shape: $0.shape, bytes: $0.byteRange.count, offset: $0.byteRange.lowerBound)
            }
        case .gguf:
            let gguf = try GGUFFile(mapping: file)
            version = Int(gguf.version)
            metadata = gguf.metadata.map { (key: $0.key, value: MetadataValue.gguf($0.value)) }
            tensors = gguf.entries.map {
                Tensor(name: $0.name, dtype: $0.type.description, shape: $0.shape, bytes: $0.byteRange.count, offset: $0.byteRange.lowerBound)
            }
        }
    }

    /// The bytes all tensors take.
    public var tensorBytes: Int { tensors.reduce(0) { $0 + $1.bytes } }
}

/// The first bytes of a file are neither GGUF's magic nor a safetensors header.
public struct ModelFormatDetectionError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public let path: String
    /// What was found.
    public let detail: String

    /// What is wrong and what to do.
    public var description: String {
        "\(path): not a model file mlp reads: \(detail); mlp reads safetensors and GGUF (version 3)"
    }
}

extension ModelFormat {
    /// The format of a file from its first bytes: `GGUF` for GGUF; an 8-byte length followed by `{` for safetensors.
    public static func detect(_ bytes: UnsafeRawBufferPointer, path: String) throws -> ModelFormat {
        if bytes.count >= 4, Array(bytes[0..<4]) == Array("GGUF".utf8) { return .gguf }
        if bytes.count >= 9, bytes[8] == UInt8(ascii: "{") { return .safetensors }
        if bytes.count < 9 { throw ModelFormatDetectionError(path: path, detail: "only \(bytes.count) bytes") }
        throw ModelFormatDetectionError(path: path, detail: "it neither starts with 'GGUF' nor has a JSON header at byte 8")
    }
}
