import Foundation

/// What is wrong with a GGUF file, and where (byte offsets are from the start of the file).
public enum GGUFError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file ends before `what`, which needs `needed` bytes at `offset`.
    case truncated(path: String, what: String, offset: Int, needed: UInt64, fileSize: Int)
    /// The first four bytes are not `GGUF`.
    case badMagic(path: String, found: [UInt8])
    /// The version is not 3.
    case unsupportedVersion(path: String, version: UInt32)
    /// A count (`tensor_count`, `kv_count`) is over the reader's limit.
    case countTooLarge(path: String, what: String, count: UInt64, limit: Int)
    /// A metadata value has a type tag GGUF does not define.
    case invalidValueType(path: String, key: String, offset: Int, type: UInt32)
    /// A string is not valid UTF-8.
    case invalidString(path: String, what: String, offset: Int)
    /// A bool is neither 0 nor 1.
    case invalidBool(path: String, key: String, offset: Int, byte: UInt8)
    /// Arrays nest deeper than the reader's limit.
    case nestingTooDeep(path: String, key: String, offset: Int, limit: Int)
    /// Two metadata entries share a key.
    case duplicateKey(path: String, key: String, offset: Int)
    /// `general.alignment` is not a non-zero power-of-two uint32.
    case invalidAlignment(path: String, detail: String)
    /// A tensor has more dimensions than GGML allows.
    case tooManyDimensions(path: String, tensor: String, count: UInt32, offset: Int)
    /// A tensor has a dimension that is zero or does not fit in 63 bits.
    case invalidDimension(path: String, tensor: String, index: Int, value: UInt64)
    /// A tensor's element count or byte size overflows.
    case sizeOverflow(path: String, tensor: String, dimensions: [Int])
    /// A tensor's type id is not a GGML type the reader knows.
    case unknownType(path: String, tensor: String, type: UInt32, offset: Int)
    /// A quantized tensor's rows (first dimension) are not whole blocks.
    case rowNotWholeBlocks(path: String, tensor: String, rowLength: Int, type: String, blockSize: Int)
    /// A tensor's data offset is not a multiple of the alignment.
    case misalignedOffset(path: String, tensor: String, offset: UInt64, alignment: Int)
    /// A tensor's bytes run past the end of the file.
    case tensorOutOfBounds(path: String, tensor: String, offset: UInt64, size: Int, dataLength: Int)
    /// Two tensors' bytes overlap.
    case overlappingTensors(path: String, first: String, firstEnd: Int, second: String, secondBegin: Int)
    /// Two tensors share a name.
    case duplicateTensor(path: String, tensor: String)
    /// The file has no tensor of that name.
    case tensorNotFound(path: String, tensor: String)
    /// The tensor's type has no mlp counterpart.
    case unsupportedType(path: String, tensor: String, type: String)
    /// A tensor handed to the writer is not valid.
    case invalidTensor(tensor: String, detail: String)
    /// A metadata entry handed to the writer is not valid.
    case invalidMetadata(key: String, detail: String)
    /// Writing failed.
    case writeFailed(path: String, detail: String)

    /// What is wrong, where, and what to do.
    public var description: String {
        switch self {
        case let .truncated(path, what, offset, needed, fileSize):
            return "\(path): \(what) at byte \(offset) needs \(needed) bytes but the file ends at byte \(fileSize); the file is truncated or corrupt"
        case let .badMagic(path, found):
            let shown = found.map { String(format: "%02x", $0) }.joined(separator: " ")
            return "\(path): not a GGUF file: it starts with bytes \(shown), not 'GGUF'"
        case let .unsupportedVersion(path, version):
            return "\(path): GGUF version \(version) at byte 4; mlp reads version 3 (convert the model with a current llama.cpp)"
        case let .countTooLarge(path, what, count, limit):
            return "\(path): \(what) is \(count), over the limit of \(limit); the file is corrupt"
        case let .invalidValueType(path, key, offset, type):
            return "\(path): metadata key '\(key)': value type \(type) at byte \(offset) is not a GGUF type (0–12)"
        case let .invalidString(path, what, offset):
            return "\(path): \(what) at byte \(offset) is not valid UTF-8"
        case let .invalidBool(path, key, offset, byte):
            return "\(path): metadata key '\(key)': bool at byte \(offset) is \(byte), not 0 or 1"
        case let .nestingTooDeep(path, key, offset, limit):
            return "\(path): metadata key '\(key)': arrays nest deeper than \(limit) levels at byte \(offset)"
        case let .duplicateKey(path, key, offset):
            return "\(path): metadata key '\(key)' at byte \(offset) appears twice"
        case let .invalidAlignment(path, detail):
            return "\(path): general.alignment \(detail); it must be a uint32 power of two"
        case let .tooManyDimensions(path, tensor, count, offset):
            return "\(path): tensor '\(tensor)' has \(count) dimensions (at byte \(offset)); GGML allows at most 4"
        case let .invalidDimension(path, tensor, index, value):
            return "\(path): tensor '\(tensor)' dimension \(index) is \(value); dimensions must be at least 1 and fit in 63 bits"
        case let .sizeOverflow(path, tensor, dimensions):
            return "\(path): tensor '\(tensor)' with dimensions \(dimensions) has more elements or bytes than fit in 64 bits"
        case let .unknownType(path, tensor, type, offset):
            return "\(path): tensor '\(tensor)' has GGML type id \(type) (at byte \(offset)), which mlp does not know"
        case let .rowNotWholeBlocks(path, tensor, rowLength, type, blockSize):
            return "\(path): tensor '\(tensor)' is \(type) with rows of \(rowLength) elements, not a multiple of its block size \(blockSize)"
        case let .misalignedOffset(path, tensor, offset, alignment):
            return "\(path): tensor '\(tensor)' data offset \(offset) is not a multiple of the alignment \(alignment)"
        case let .tensorOutOfBounds(path, tensor, offset, size, dataLength):
            return "\(path): tensor '\(tensor)' spans data offsets \(offset)..<\(offset)+\(size), past the \(dataLength)-byte data section; the file is truncated or corrupt"
        case let .overlappingTensors(path, first, firstEnd, second, secondBegin):
            return "\(path): tensor '\(second)' (data offset \(secondBegin)) overlaps tensor '\(first)' (which ends at data offset \(firstEnd))"
        case let .duplicateTensor(path, tensor):
            return "\(path): two tensors are named '\(tensor)'"
        case let .tensorNotFound(path, tensor):
            return "\(path): no tensor named '\(tensor)'; `mlp models inspect \(path)` lists the tensors"
        case let .unsupportedType(path, tensor, type):
            return "\(path): tensor '\(tensor)' is \(type), which mlp cannot use as a tensor (it uses F32, F16, BF16, I8, Q8_0, Q4_0); requantize the model to one of those"
        case let .invalidTensor(tensor, detail):
            return "cannot write tensor '\(tensor)': \(detail)"
        case let .invalidMetadata(key, detail):
            return "cannot write metadata key '\(key)': \(detail)"
        case let .writeFailed(path, detail):
            return "\(path): writing the GGUF file failed: \(detail)"
        }
    }
}
