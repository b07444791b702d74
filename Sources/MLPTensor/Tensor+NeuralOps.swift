import CKernels

/// In-place neural-network operations on f32 matrices ([rows, n], row-major contiguous), each a
/// thin call into a CKernels kernel. They write into the tensor's storage, so the storage must be
/// writable (not a read-only file view).
extension Tensor {
    /// Adds `bias` ([n]) to every row.
    public func addBias(_ bias: Tensor) throws {
        let (rows, n) = try matrixForUpdate("addBias")
        try Tensor.checkVector(bias, count: n, "addBias")
        ck_add_bias(floatPointer, Int64(rows), Int64(n), bias.floatPointer)
    }

    /// Adds `bias` ([n], optional) and `residual` (same shape as self) to every row: the step
    /// before a post-norm LayerNorm.
    public func addBiasAndResidual(_ bias: Tensor?, residual: Tensor) throws {
        let (rows, n) = try matrixForUpdate("addBiasAndResidual")
        if let bias { try Tensor.checkVector(bias, count: n, "addBiasAndResidual") }
        guard residual.shape == shape, residual.dtype == .f32, residual.isContiguous else {
            throw TensorError.shapeMismatch(operation: "addBiasAndResidual", details: "residual \(residual.shape), expected \(shape) f32")
        }
        ck_add_bias_residual(floatPointer, Int64(rows), Int64(n), bias?.floatPointer, residual.floatPointer)
    }

    /// x = GELU(x + bias) in the erf form (``ck_gelu``: libm's `erff` on the scalar path, a
    /// vectorised approximation within 5.2e-7 of the exact erf on AVX2), split by rows over `pool` when
    /// one is given.
    public func addBiasGELU(_ bias: Tensor, pool: ThreadPool? = nil) throws {
        let (rows, n) = try matrixForUpdate("addBiasGELU")
        try Tensor.checkVector(bias, count: n, "addBiasGELU")
        let (x, b) = (floatPointer, bias.floatPointer)
        guard let pool, pool.threadCount > 1, rows > 1 else {
            ck_add_bias_gelu(x, Int64(rows), Int64(n), b)
            return
        }
        let chunk = Swift.max(1, (rows + 4 * pool.threadCount - 1) / (4 * pool.threadCount))
        pool.parallelFor((rows + chunk - 1) / chunk) { index in
            let first = index * chunk
            ck_add_bias_gelu(x + first * n, Int64(Swift.min(chunk, rows - first)), Int64(n), b)
        }
    }

    /// x = GELU(x) in the erf form (as ``addBiasGELU(_:pool:)`` without a bias), split by rows
    /// over `pool` when one is given.
    public func gelu(pool: ThreadPool? = nil) throws {
        let (rows, n) = try matrixForUpdate("gelu")
        let x = floatPointer
        guard let pool, pool.threadCount > 1, rows > 1 else {
            ck_gelu(x, Int64(rows * n))
            return
        }
        let chunk = Swift.max(1, (rows + 4 * pool.threadCount - 1) / (4 * pool.threadCount))
        pool.parallelFor((rows + chunk - 1) / chunk) { index in
            let first = index * chunk
            ck_gelu(x + first * n, Int64(Swift.min(chunk, rows - first) * n))
        }
    }

    /// Normalises every row to zero mean and unit (biased) variance, then scales by `gamma` and
    /// shifts by `beta` (both [n]).
    public func layerNorm(gamma: Tensor, beta: Tensor, epsilon: Float) throws {
        let (rows, n) = try matrixForUpdate("layerNorm")
        try Tensor.checkVector(gamma, count: n, "layerNorm gamma")
        try Tensor.checkVector(beta, count: n, "layerNorm beta")
        ck_layer_norm(floatPointer, Int64(rows), Int64(n), gamma.floatPointer, beta.floatPointer, epsilon)
    }

    /// A view of columns `range` of a 2-D unquantized tensor (no copy); its rows keep the
    /// parent's stride, so e.g. Q, K and V can be read from one fused projection.
    public func columns(_ range: Range<Int>) throws -> Tensor {
        guard shape.count == 2, dtype.blockSize == 1, range.lowerBound >= 0, range.upperBound <= shape[1] else {
            throw TensorError.shapeMismatch(operation: "columns", details: "columns \(range) of \(shape) \(dtype.rawValue)")
        }
        // Inside the parent's bytes, so no bounds to check beyond the range.
        return restrided(shape: [shape[0], range.count], strides: strides, byteOffset: byteOffset + range.lowerBound * strides[1] * dtype.bytesPerBlock)
    }

    /// Multi-head scaled dot-product attention, softmax(q kᵀ / √d) v per head, for `batch`
    /// sequences of equal (padded) length stacked as rows. `query`, `key`, `value` are
    /// [batch · seq, heads · headDim] f32 with unit column stride (column views allowed);
    /// `keep[b · seq + j] == 0` masks key j of sequence b. Parallel over (sequence, head).
    public static func attention(query: Tensor, key: Tensor, value: Tensor, into output: Tensor, batch: Int, heads: Int,
                                 keep: [UInt8]?, pool: ThreadPool) throws {
        let shape = output.shape
        guard shape.count == 2, batch > 0, heads > 0, shape[0] % batch == 0, shape[1] % heads == 0 else {
            throw TensorError.shapeMismatch(operation: "attention", details: "output \(shape) for \(batch) sequences and \(heads) heads")
        }
        try checkAttentionOperands(query: query, key: key, value: value, output: output)
        if let keep, keep.count != shape[0] {
            throw TensorError.shapeMismatch(operation: "attention", details: "keep mask of \(keep.count) entries for \(shape[0]) rows")
        }
        let seq = shape[0] / batch
        let run = { (mask: UnsafePointer<UInt8>?) in
            ck_attention(pool.pool, query.floatPointer, Int64(query.strides[0]), key.floatPointer, Int64(key.strides[0]),
                         value.floatPointer, Int64(value.strides[0]), output.floatPointer, Int64(output.strides[0]),
                         Int64(batch), Int64(seq), Int64(heads), Int64(shape[1] / heads), mask)
        }
        if let keep { keep.withUnsafeBufferPointer { run($0.baseAddress) } } else { run(nil) }
    }

    /// Multi-head attention as ``attention(query:key:value:into:batch:heads:keep:pool:)`` for
    /// sequences packed back to back with no padding: sequence b is rows
    /// `sequenceOffsets[b] ..< sequenceOffsets[b + 1]`, and attends to its own rows only.
    /// `sequenceOffsets` starts at 0, never decreases and ends at the row count.
    public static func attention(query: Tensor, key: Tensor, value: Tensor, into output: Tensor, sequenceOffsets: [Int], heads: Int,
                                 pool: ThreadPool) throws {
        let shape = output.shape
        guard shape.count == 2, heads > 0, shape[1] % heads == 0 else {
            throw TensorError.shapeMismatch(operation: "attention", details: "output \(shape) for \(heads) heads")
        }
        try checkAttentionOperands(query: query, key: key, value: value, output: output)
        guard sequenceOffsets.first == 0, sequenceOffsets.last == shape[0], zip(sequenceOffsets, sequenceOffsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw TensorError.shapeMismatch(operation: "attention", details: "sequence offsets must start at 0, never decrease and end at the \(shape[0]) rows; got \(sequenceOffsets.prefix(8))\(sequenceOffsets.count > 8 ? "…" : "")")
        }
        let offsets = sequenceOffsets.map(Int64.init)
        offsets.withUnsafeBufferPointer { offsets in
            ck_attention_packed(pool.pool, query.floatPointer, Int64(query.strides[0]), key.floatPointer, Int64(key.strides[0]),
                                value.floatPointer, Int64(value.strides[0]), output.floatPointer, Int64(output.strides[0]),
                                offsets.baseAddress, Int64(offsets.count - 1), Int64(heads), Int64(shape[1] / heads))
        }
    }

    private static func checkAttentionOperands(query: Tensor, key: Tensor, value: Tensor, output: Tensor) throws {
        let shape = output.shape
        for (name, operand) in [("query", query), ("key", key), ("value", value), ("output", output)] {
            guard operand.shape == shape, operand.dtype == .f32, operand.strides[1] == 1, operand.strides[0] >= shape[1] else {
                throw TensorError.shapeMismatch(operation: "attention", details: "\(name) \(operand.shape) \(operand.dtype.rawValue) strides \(operand.strides), expected \(shape) f32 with unit column stride")
            }
        }
        guard output.storage.isWritable else { throw TensorError.notContiguous(operation: "attention output (writable)") }
    }

    private func matrixForUpdate(_ operation: String) throws -> (rows: Int, n: Int) {
        guard dtype == .f32 else { throw TensorError.unsupportedDType(operation: operation, dtype: dtype) }
        guard isContiguous, storage.isWritable else { throw TensorError.notContiguous(operation: "\(operation) (a writable contiguous tensor)") }
        let n = shape.last ?? 1
        return (n == 0 ? 0 : elementCount / n, n)
    }

    private static func checkVector(_ vector: Tensor, count: Int, _ operation: String) throws {
        guard vector.shape == [count], vector.dtype == .f32, vector.isContiguous else {
            throw TensorError.shapeMismatch(operation: operation, details: "\(vector.shape) \(vector.dtype.rawValue), expected [\(count)] f32")
        }
    }
}
