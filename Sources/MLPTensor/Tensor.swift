import CKernels

/// An n-dimensional array: a shape, strides, an element type and the bytes that hold it.
///
/// Strides count elements and are row-major for a new tensor. The unquantized types (f32, f16,
/// bf16, i8) may have any strides (``transposed()`` swaps two); the block-quantized types are
/// always row-major contiguous, their last dimension a whole number of 32-element blocks, so a
/// row is a run of blocks. A tensor may view bytes it does not own, such as a memory-mapped model
/// file (see ``MappedFile``), without copying them.
public struct Tensor: @unchecked Sendable {
    /// The size of each dimension.
    public let shape: [Int]
    /// The distance in elements between neighbours along each dimension.
    public let strides: [Int]
    /// The element type.
    public let dtype: DType
    /// The bytes this tensor reads (shared with the tensors it was viewed from).
    public let storage: TensorStorage
    /// Where this tensor's first element lies in `storage`.
    public let byteOffset: Int

    /// A zero-filled tensor of `shape` owning its memory.
    public init(zeros shape: [Int], dtype: DType = .f32) throws {
        let bytes = try Tensor.denseByteCount(shape: shape, dtype: dtype)
        self.init(unchecked: shape, strides: Tensor.rowMajorStrides(shape), dtype: dtype,
                  storage: try TensorStorage(byteCount: bytes), byteOffset: 0)
    }

    /// An f32 tensor of `shape` holding `values` in row-major order.
    public init(shape: [Int], values: [Float]) throws {
        try self.init(zeros: shape, dtype: .f32)
        guard values.count == elementCount else { throw TensorError.valueCountMismatch(expected: elementCount, got: values.count) }
        values.withUnsafeBytes { bytes in
            if let source = bytes.baseAddress { storage.baseAddress.copyMemory(from: source, byteCount: bytes.count) }
        }
    }

    /// A row-major view of `storage` from `byteOffset`; throws unless the bytes fit inside it.
    public init(shape: [Int], dtype: DType, storage: TensorStorage, byteOffset: Int = 0) throws {
        let bytes = try Tensor.denseByteCount(shape: shape, dtype: dtype)
        let (end, overflow) = byteOffset.addingReportingOverflow(bytes)
        guard byteOffset >= 0, !overflow, end <= storage.byteCount else {
            throw TensorError.outOfBounds(offset: byteOffset, length: bytes, storageBytes: storage.byteCount)
        }
        self.init(unchecked: shape, strides: Tensor.rowMajorStrides(shape), dtype: dtype, storage: storage, byteOffset: byteOffset)
    }

    private init(unchecked shape: [Int], strides: [Int], dtype: DType, storage: TensorStorage, byteOffset: Int) {
        self.shape = shape
        self.strides = strides
        self.dtype = dtype
        self.storage = storage
        self.byteOffset = byteOffset
    }

    /// The number of elements (1 for a scalar of shape []).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The bytes the elements take when stored densely.
    public var byteCount: Int { dtype.byteCount(elements: elementCount) ?? 0 }

    /// True when the elements lie row-major without gaps.
    public var isContiguous: Bool { strides == Tensor.rowMajorStrides(shape) }

    /// The address of the first element.
    public var baseAddress: UnsafeMutableRawPointer { storage.baseAddress + byteOffset }

    /// The first element's address as floats; only for f32 tensors.
    public var floatPointer: UnsafeMutablePointer<Float> {
        precondition(dtype == .f32, "floatPointer on a \(dtype.rawValue) tensor")
        return baseAddress.assumingMemoryBound(to: Float.self)
    }

    /// The same elements under another shape of the same count; needs a contiguous tensor.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard isContiguous else { throw TensorError.notContiguous(operation: "reshaped") }
        _ = try Tensor.denseByteCount(shape: newShape, dtype: dtype)
        guard newShape.reduce(1, *) == elementCount else {
            throw TensorError.shapeMismatch(operation: "reshaped", details: "\(shape) has \(elementCount) elements, \(newShape) has \(newShape.reduce(1, *))")
        }
        return Tensor(unchecked: newShape, strides: Tensor.rowMajorStrides(newShape), dtype: dtype, storage: storage, byteOffset: byteOffset)
    }

    /// A view with dimensions `a` and `b` swapped (no copy); not for quantized types.
    public func transposed(_ a: Int = 0, _ b: Int = 1) throws -> Tensor {
        guard dtype.blockSize == 1 else { throw TensorError.unsupportedDType(operation: "transposed", dtype: dtype) }
        guard shape.indices.contains(a), shape.indices.contains(b) else {
            throw TensorError.shapeMismatch(operation: "transposed", details: "dimensions \(a), \(b) of a \(shape.count)-D tensor")
        }
        var newShape = shape, newStrides = strides
        newShape.swapAt(a, b)
        newStrides.swapAt(a, b)
        return Tensor(unchecked: newShape, strides: newStrides, dtype: dtype, storage: storage, byteOffset: byteOffset)
    }

    /// A view of rows `range` of the first dimension (no copy).
    public func rows(_ range: Range<Int>) throws -> Tensor {
        guard let first = shape.first, range.lowerBound >= 0, range.upperBound <= first else {
            throw TensorError.shapeMismatch(operation: "rows", details: "rows \(range) of shape \(shape)")
        }
        var newShape = shape
        newShape[0] = range.count
        let offset: Int
        if dtype.blockSize == 1 {
            offset = range.lowerBound * strides[0] * dtype.bytesPerBlock
        } else {
            guard isContiguous else { throw TensorError.notContiguous(operation: "rows") }
            offset = dtype.byteCount(elements: range.lowerBound * strides[0])!
        }
        return Tensor(unchecked: newShape, strides: strides, dtype: dtype, storage: storage, byteOffset: byteOffset + offset)
    }

    /// Another shape and strides over the same storage; callers check the bounds.
    func restrided(shape newShape: [Int], strides newStrides: [Int], byteOffset newOffset: Int) -> Tensor {
        Tensor(unchecked: newShape, strides: newStrides, dtype: dtype, storage: storage, byteOffset: newOffset)
    }

    /// A row-major copy (or self when already contiguous).
    public func contiguous() throws -> Tensor {
        if isContiguous { return self }
        let out = try Tensor(zeros: shape, dtype: dtype)
        let size = dtype.bytesPerBlock
        var index = 0
        forEachOffset { offset in
            out.baseAddress.advanced(by: index * size).copyMemory(from: baseAddress.advanced(by: offset * size), byteCount: size)
            index += 1
        }
        return out
    }

    /// Calls `body` with each element's offset (in elements) in row-major order.
    func forEachOffset(_ body: (Int) -> Void) {
        if shape.contains(0) { return }
        var index = [Int](repeating: 0, count: shape.count)
        var offset = 0
        while true {
            body(offset)
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                offset += strides[d]
                if index[d] < shape[d] { break }
                offset -= strides[d] * shape[d]
                index[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }

    /// Row-major strides for `shape`.
    public static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for d in shape.indices.reversed() {
            strides[d] = step
            step *= Swift.max(shape[d], 1)
        }
        return strides
    }

    /// The dense byte size of `shape` in `dtype`, checking dimensions, overflow and blocks.
    static func denseByteCount(shape: [Int], dtype: DType) throws -> Int {
        var count = 1
        for dim in shape {
            guard dim >= 0 else { throw TensorError.invalidShape(shape, reason: "dimension \(dim) is negative") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw TensorError.invalidShape(shape, reason: "the element count overflows") }
            count = product
        }
        if dtype.blockSize > 1, (shape.last ?? 1) % dtype.blockSize != 0 {
            throw TensorError.notWholeBlocks(shape: shape, dtype: dtype)
        }
        guard let bytes = dtype.byteCount(elements: count) else { throw TensorError.invalidShape(shape, reason: "the byte size overflows") }
        return bytes
    }
}
