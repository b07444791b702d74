/// What went wrong building, viewing or computing with a tensor.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// A shape has a negative dimension, or its element count overflows.
    case invalidShape([Int], reason: String)
    /// The element count does not fill whole blocks of a quantized type.
    case notWholeBlocks(shape: [Int], dtype: DType)
    /// A view asks for bytes beyond the storage it views.
    case outOfBounds(offset: Int, length: Int, storageBytes: Int)
    /// The number of values given does not match the shape.
    case valueCountMismatch(expected: Int, got: Int)
    /// Two operands' shapes do not fit the operation.
    case shapeMismatch(operation: String, details: String)
    /// An operation does not accept this element type.
    case unsupportedDType(operation: String, dtype: DType)
    /// An operation needs a row-major contiguous tensor.
    case notContiguous(operation: String)
    /// Memory could not be allocated, or a kernel refused its arguments.
    case kernelFailed(String)

    /// A message saying what was wrong and what to do.
    public var description: String {
        switch self {
        case .invalidShape(let shape, let reason):
            return "invalid tensor shape \(shape): \(reason)"
        case .notWholeBlocks(let shape, let dtype):
            return "shape \(shape) does not fit \(dtype.rawValue): the last dimension must be a multiple of \(dtype.blockSize)"
        case .outOfBounds(let offset, let length, let storageBytes):
            return "a view of \(length) bytes at offset \(offset) does not fit in storage of \(storageBytes) bytes"
        case .valueCountMismatch(let expected, let got):
            return "the shape holds \(expected) values but \(got) were given"
        case .shapeMismatch(let operation, let details):
            return "\(operation): shapes do not fit: \(details)"
        case .unsupportedDType(let operation, let dtype):
            return "\(operation) does not accept \(dtype.rawValue) tensors; convert the tensor (e.g. to f32) first"
        case .notContiguous(let operation):
            return "\(operation) needs a contiguous tensor; call contiguous() first"
        case .kernelFailed(let message):
            return message
        }
    }
}
