import MLPTensor

/// One tensor read from a model file: its name, element type, shape and bytes.
public struct ModelTensor: Sendable {
    /// The tensor's name in the file (`encoder.layer.0.attention.self.query.weight`).
    public let name: String
    /// The element type.
    public let dtype: DType
    /// The shape, outermost dimension first (row-major, as safetensors and NumPy write it).
    /// GGUF stores dimensions innermost first; ``GGUFFile`` reverses them into this order.
    public let shape: [Int]
    /// The bytes, in place in the mapped file.
    public let data: TensorData

    /// The number of elements (the product of `shape`; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A tensor to write to a model file: its name, element type, shape, and bytes in the file's layout.
public struct TensorToWrite: Sendable {
    /// The tensor's name.
    public var name: String
    /// The element type.
    public var dtype: DType
    /// The shape, outermost dimension first.
    public var shape: [Int]
    /// The bytes: `dtype.byteCount(elements:)` of the shape's element count.
    public var bytes: [UInt8]

    /// A tensor named `name` of `dtype` and `shape` holding `bytes`.
    public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }
}

/// A tensor to write to a safetensors file in any of the format's element types (``SafetensorsDType``),
/// including those mlp does not compute with (`I32`, `F64`, `BOOL`): its bytes little-endian, row-major.
public struct StoredTensorToWrite: Sendable {
    /// The tensor's name.
    public var name: String
    /// The element type as safetensors names it.
    public var storedType: SafetensorsDType
    /// The shape, outermost dimension first.
    public var shape: [Int]
    /// The bytes: `storedType.size` per element of the shape.
    public var bytes: [UInt8]

    /// A tensor named `name` of `storedType` and `shape` holding `bytes`.
    public init(name: String, storedType: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.storedType = storedType
        self.shape = shape
        self.bytes = bytes
    }
}

/// The element count of `shape`, or nil when a dimension is negative or the product overflows.
func checkedElementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dimension in shape {
        guard dimension >= 0 else { return nil }
        let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
        guard !overflow else { return nil }
        count = product
    }
    return count
}
