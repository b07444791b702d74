/// What is wrong with a safetensors file, and where.
public enum SafetensorsError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file is shorter than the 8-byte header length.
    case fileTooSmall(path: String, size: Int)
    /// The header length is over the reader's limit.
    case headerTooLarge(path: String, length: UInt64, limit: Int)
    /// The header length points past the end of the file.
    case headerBeyondFile(path: String, length: UInt64, fileSize: Int)
    /// The header is not a UTF-8 JSON object of the expected shape.
    case invalidHeader(path: String, detail: String)
    /// A tensor names a dtype the format does not define.
    case unknownDType(path: String, tensor: String, dtype: String)
    /// A tensor's shape has a negative dimension or its element count overflows.
    case invalidShape(path: String, tensor: String, shape: [Int])
    /// A tensor's `data_offsets` are not `[begin, end]` with `begin <= end` inside the data section.
    case invalidOffsets(path: String, tensor: String, begin: Int, end: Int, dataLength: Int)
    /// A tensor's byte length does not match its shape and dtype.
    case sizeMismatch(path: String, tensor: String, expected: Int, actual: Int)
    /// Two tensors (in offset order) leave a gap between them or overlap.
    case notContiguous(path: String, previous: String, previousEnd: Int, next: String, nextBegin: Int)
    /// The tensors do not cover the data section up to the end of the file.
    case trailingBytes(path: String, coveredUpTo: Int, dataLength: Int)
    /// The file has no tensor of that name.
    case tensorNotFound(path: String, tensor: String)
    /// The tensor's dtype has no mlp counterpart.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A tensor handed to the writer is not valid.
    case invalidTensor(tensor: String, detail: String)
    /// Writing failed.
    case writeFailed(path: String, detail: String)

    /// What is wrong, where, and what to do.
    public var description: String {
        switch self {
        case let .fileTooSmall(path, size):
            return "\(path): not a safetensors file: \(size) bytes, fewer than the 8-byte header length; the file is truncated or of another format"
        case let .headerTooLarge(path, length, limit):
            return "\(path): header length \(length) at byte 0 is over the \(limit)-byte limit; the file is corrupt or not safetensors"
        case let .headerBeyondFile(path, length, fileSize):
            return "\(path): header length \(length) at byte 0 runs past the end of the \(fileSize)-byte file; the file is truncated"
        case let .invalidHeader(path, detail):
            return "\(path): the JSON header (from byte 8) is invalid: \(detail)"
        case let .unknownDType(path, tensor, dtype):
            let known = SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(path): tensor '\(tensor)' has dtype '\(dtype)', which safetensors does not define (known: \(known))"
        case let .invalidShape(path, tensor, shape):
            return "\(path): tensor '\(tensor)' has shape \(shape): dimensions must be non-negative and their product must fit in 64 bits"
        case let .invalidOffsets(path, tensor, begin, end, dataLength):
            return "\(path): tensor '\(tensor)' has data_offsets [\(begin), \(end)]: they must satisfy 0 <= begin <= end <= \(dataLength), the data section's length"
        case let .sizeMismatch(path, tensor, expected, actual):
            return "\(path): tensor '\(tensor)' spans \(actual) bytes but its shape and dtype need \(expected)"
        case let .notContiguous(path, previous, previousEnd, next, nextBegin):
            let relation = nextBegin < previousEnd ? "overlaps" : "leaves a gap after"
            return "\(path): tensor '\(next)' (data offset \(nextBegin)) \(relation) tensor '\(previous)' (which ends at data offset \(previousEnd)); tensors must be packed back to back"
        case let .trailingBytes(path, coveredUpTo, dataLength):
            return "\(path): the tensors end at data offset \(coveredUpTo) but the data section holds \(dataLength) bytes; the file has trailing bytes"
        case let .tensorNotFound(path, tensor):
            return "\(path): no tensor named '\(tensor)'; `mlp models inspect \(path)` lists the tensors"
        case let .unsupportedDType(path, tensor, dtype):
            return "\(path): tensor '\(tensor)' is \(dtype), which mlp cannot use as a tensor (it uses F32, F16, BF16 and I8); read its raw bytes instead or convert the model"
        case let .invalidTensor(tensor, detail):
            return "cannot write tensor '\(tensor)': \(detail)"
        case let .writeFailed(path, detail):
            return "\(path): writing the safetensors file failed: \(detail)"
        }
    }
}
