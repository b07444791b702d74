import Foundation
import MLPTensor

/// Writes safetensors files: tensors sorted by name and packed back to back, the JSON header padded
/// with spaces so the data section starts on an 8-byte boundary, written atomically.
public enum SafetensorsWriter {
    /// Writes `tensors` and `metadata` to `path` atomically (temporary file, fsync, rename).
    /// - Throws: ``SafetensorsError/invalidTensor(tensor:detail:)`` for a tensor whose bytes do not
    ///   match its shape and dtype, a duplicate or empty name, or a dtype safetensors cannot hold;
    ///   ``SafetensorsError/writeFailed(path:detail:)`` when the file cannot be written.
    public static func write(_ tensors: [TensorToWrite], metadata: [String: String] = [:], to path: String) throws {
        let stored = try tensors.map { tensor -> StoredTensorToWrite in
            guard let type = SafetensorsDType(tensor.dtype) else {
                throw SafetensorsError.invalidTensor(tensor: tensor.name, detail: "safetensors cannot hold \(tensor.dtype.rawValue); write it to GGUF instead")
            }
            return StoredTensorToWrite(name: tensor.name, storedType: type, shape: tensor.shape, bytes: tensor.bytes)
        }
        try write(stored: stored, metadata: metadata, to: path)
    }

    /// Writes tensors of any safetensors element type (`I32`, `F64`, `BOOL`… as well as those mlp
    /// computes with) and `metadata` to `path` atomically (temporary file, fsync, rename).
    /// - Throws: ``SafetensorsError/invalidTensor(tensor:detail:)`` for a tensor whose bytes do not
    ///   match its shape and type, or a duplicate or empty name;
    ///   ``SafetensorsError/writeFailed(path:detail:)`` when the file cannot be written.
    public static func write(stored tensors: [StoredTensorToWrite], metadata: [String: String] = [:], to path: String) throws {
        let sorted = tensors.sorted { $0.name < $1.name }
        var header: [String: HeaderValue] = [:]
        if !metadata.isEmpty { header["__metadata__"] = .metadata(metadata) }
        var offset = 0
        for tensor in sorted {
            guard !tensor.name.isEmpty, tensor.name != "__metadata__" else {
                throw SafetensorsError.invalidTensor(tensor: tensor.name, detail: "the name must be non-empty and not __metadata__")
            }
            guard header[tensor.name] == nil else { throw SafetensorsError.invalidTensor(tensor: tensor.name, detail: "two tensors have this name") }
            guard let elements = checkedElementCount(tensor.shape) else {
                throw SafetensorsError.invalidTensor(tensor: tensor.name, detail: "shape \(tensor.shape) has a negative dimension or too many elements")
            }
            let (expected, overflow) = elements.multipliedReportingOverflow(by: tensor.storedType.size)
            guard !overflow else {
                throw SafetensorsError.invalidTensor(tensor: tensor.name, detail: "shape \(tensor.shape) of \(tensor.storedType.rawValue) is too many bytes")
            }
            guard expected == tensor.bytes.count else {
                throw SafetensorsError.invalidTensor(tensor: tensor.name, detail: "shape \(tensor.shape) of \(tensor.storedType.rawValue) needs \(expected) bytes, got \(tensor.bytes.count)")
            }
            header[tensor.name] = .tensor(dtype: tensor.storedType.rawValue, shape: tensor.shape, offsets: [offset, offset + expected])
            offset += expected
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var json = [UInt8](try encoder.encode(header))
        // The data section starts 8-aligned: pad the header with spaces, which JSON allows.
        json += [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8)

        let failure = { (detail: String) -> Error in SafetensorsError.writeFailed(path: path, detail: detail) }
        var file = try AtomicFile(path: path, failure: failure)
        defer { file.abandon() }
        var length = UInt64(json.count).littleEndian
        try withUnsafeBytes(of: &length) { try file.write($0, failure: failure) }
        try file.write(json, failure: failure)
        for tensor in sorted { try file.write(tensor.bytes, failure: failure) }
        try file.commit(failure: failure)
    }

    /// One value of the header object.
    private enum HeaderValue: Encodable, Equatable {
        case metadata([String: String])
        case tensor(dtype: String, shape: [Int], offsets: [Int])

        private enum Keys: String, CodingKey { case dtype, shape, data_offsets }

        func encode(to encoder: Encoder) throws {
            switch self {
            case .metadata(let map):
                var container = encoder.singleValueContainer()
                try container.encode(map)
            case let .tensor(dtype, shape, offsets):
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(dtype, forKey: .dtype)
                try container.encode(shape, forKey: .shape)
                try container.encode(offsets, forKey: .data_offsets)
            }
        }
    }
}
