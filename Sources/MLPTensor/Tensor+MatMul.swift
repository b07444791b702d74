import CKernels

extension Tensor {
    /// The matrix product `a · b` of two 2-D f32 tensors through OpenBLAS's `cblas_sgemm`.
    /// Either operand may be a row-major matrix or a ``transposed(_:_:)`` view of one; the view
    /// is passed to sgemm as a transpose flag, not copied.
    public static func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.shape.count == 2, b.shape.count == 2, a.shape[1] == b.shape[0] else {
            throw TensorError.shapeMismatch(operation: "matmul", details: "\(a.shape) · \(b.shape)")
        }
        for operand in [a, b] where operand.dtype != .f32 {
            throw TensorError.unsupportedDType(operation: "matmul", dtype: operand.dtype)
        }
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        let out = try Tensor(zeros: [m, n])
        guard m > 0, n > 0, k > 0 else { return out }
        let (aT, lda) = try a.blasLayout()
        let (bT, ldb) = try b.blasLayout()
        try checkBLASDimensions(m, n, k, lda, ldb)
        ck_sgemm(aT, bT, Int32(m), Int32(n), Int32(k), 1, a.floatPointer, Int32(lda), b.floatPointer, Int32(ldb), 0, out.floatPointer, Int32(n))
        return out
    }

    /// A linear layer: `input · weightᵀ (+ bias)` for input [M, K] f32 and weight [N, K] in f32
    /// (OpenBLAS sgemm) or Q8_0 / Q4_0 (quantized kernels, activations quantized to Q8_0 on the
    /// fly, parallel over `pool`); the result is [M, N] f32.
    public static func linear(_ input: Tensor, weight: Tensor, bias: Tensor? = nil, pool: ThreadPool) throws -> Tensor {
        guard input.shape.count == 2, weight.shape.count == 2, input.shape[1] == weight.shape[1] else {
            throw TensorError.shapeMismatch(operation: "linear", details: "input \(input.shape), weight \(weight.shape) (expected [M, K] and [N, K])")
        }
        let (m, n) = (input.shape[0], weight.shape[0])
        let out = try Tensor(zeros: [m, n])
        try linear(input, weight: weight, bias: bias, into: out, pool: pool)
        return out
    }

    /// ``linear(_:weight:bias:pool:)`` writing into `output` ([M, N] f32, contiguous).
    public static func linear(_ input: Tensor, weight: Tensor, bias: Tensor?, into output: Tensor, pool: ThreadPool) throws {
        try linear(input, weight: weight, panels: nil, bias: bias, into: output, pool: pool)
    }

    /// ``linear(_:weight:bias:into:pool:)`` with a weight prepared once (``LinearWeight``), so
    /// that no call repacks it (on the AVX2 path: quantized weights and f32 weights alike, the
    /// f32 ones then multiplied by ``ck_linear_f32_packed`` instead of sgemm); `residual` (optional, [M, N] f32
    /// contiguous, not `output` itself) is added too: output = input · weightᵀ + bias + residual,
    /// the step before a post-norm LayerNorm.
    public static func linear(_ input: Tensor, weight: LinearWeight, bias: Tensor?, residual: Tensor? = nil, into output: Tensor, pool: ThreadPool) throws {
        try linear(input, weight: weight.weight, panels: weight.panels, bias: bias, residual: residual, into: output, pool: pool)
    }

    /// A linear layer followed by GELU (erf form, ``addBiasGELU(_:pool:)``):
    /// output = GELU(input · weightᵀ + bias). f32 weights: the bias is folded into the product
    /// (added as the panel kernel stores, or sgemm adds to a bias-filled output), GELU after;
    /// quantized weights: bias and GELU in one pass after the product.
    public static func linearGELU(_ input: Tensor, weight: LinearWeight, bias: Tensor, into output: Tensor, pool: ThreadPool) throws {
        if weight.weight.dtype == .f32 {
            try linear(input, weight: weight.weight, panels: weight.panels, bias: bias, into: output, pool: pool)
            try output.gelu(pool: pool)
        } else {
            try linear(input, weight: weight.weight, panels: weight.panels, bias: nil, into: output, pool: pool)
            try output.addBiasGELU(bias, pool: pool)
        }
    }

    private static func linear(_ input: Tensor, weight: Tensor, panels: TensorStorage?, bias: Tensor?, residual: Tensor? = nil, into output: Tensor,
                               pool: ThreadPool) throws {
        guard input.shape.count == 2, weight.shape.count == 2, input.shape[1] == weight.shape[1],
              output.shape == [input.shape[0], weight.shape[0]] else {
            throw TensorError.shapeMismatch(operation: "linear", details: "input \(input.shape), weight \(weight.shape), output \(output.shape)")
        }
        guard input.dtype == .f32 else { throw TensorError.unsupportedDType(operation: "linear input", dtype: input.dtype) }
        guard output.dtype == .f32, output.isContiguous, output.storage.isWritable else {
            throw TensorError.notContiguous(operation: "linear output (a writable contiguous f32 tensor)")
        }
        guard input.isContiguous, weight.isContiguous else { throw TensorError.notContiguous(operation: "linear") }
        let (m, k, n) = (input.shape[0], input.shape[1], weight.shape[0])
        if let bias, bias.shape != [n] || bias.dtype != .f32 || !bias.isContiguous {
            throw TensorError.shapeMismatch(operation: "linear bias", details: "bias \(bias.shape) \(bias.dtype.rawValue), expected [\(n)] f32")
        }
        if let residual {
            guard residual.shape == output.shape, residual.dtype == .f32, residual.isContiguous, residual.storage !== output.storage else {
                throw TensorError.shapeMismatch(operation: "linear residual", details: "residual \(residual.shape) \(residual.dtype.rawValue), expected \(output.shape) f32, contiguous and apart from the output")
            }
        }
        guard m > 0, n > 0 else { return }
        let (biasValues, residualValues) = (bias?.floatPointer, residual?.floatPointer)
        switch weight.dtype {
        case .f32:
            // Panels packed once (LinearWeight, AVX2 path): bias and residual are added as the
            // outputs are stored. The kernel declines (-1) on the scalar path; then sgemm.
            if let panels, ck_linear_f32_packed(pool.pool, panels.baseAddress.assumingMemoryBound(to: Float.self), Int64(n), Int64(k), input.floatPointer,
                                                Int64(k), Int64(m), output.floatPointer, Int64(n), biasValues, residualValues, Int64(n)) == 0 {
                return
            }
            try checkBLASDimensions(m, n, k, k, k)
            // Split over the pool, one single-threaded sgemm per part, so that OpenBLAS starts no
            // threads of its own to spin against the pool's. Each sgemm packs all of the operand
            // the split does not divide, so the split divides the larger one: by output columns
            // (slices a multiple of 16 wide) when the weight has more rows than the input, else by
            // input rows. A part is first filled with the bias and residual and sgemm adds to it
            // (beta 1), which also spares sgemm zeroing it (beta 0).
            let (x, w, out) = (input.floatPointer, weight.floatPointer, output.floatPointer)
            let prefilled = biasValues != nil || residualValues != nil
            let beta: Float = prefilled ? 1 : 0
            if n >= m {
                let slice = ((n + pool.threadCount - 1) / pool.threadCount + 15) / 16 * 16
                pool.parallelFor((n + slice - 1) / slice) { part in
                    let n0 = part * slice, width = Swift.min(slice, n - n0)
                    if prefilled { ck_fill_bias_residual(out + n0, Int64(m), Int64(width), Int64(n), biasValues.map { $0 + n0 }, residualValues.map { $0 + n0 }) }
                    ck_sgemm(false, true, Int32(m), Int32(width), Int32(k), 1, x, Int32(k), w + n0 * k, Int32(k), beta, out + n0, Int32(n))
                }
            } else {
                let slice = ((m + pool.threadCount - 1) / pool.threadCount + 7) / 8 * 8
                pool.parallelFor((m + slice - 1) / slice) { part in
                    let m0 = part * slice, height = Swift.min(slice, m - m0)
                    if prefilled { ck_fill_bias_residual(out + m0 * n, Int64(height), Int64(n), Int64(n), biasValues, residualValues.map { $0 + m0 * n }) }
                    ck_sgemm(false, true, Int32(height), Int32(n), Int32(k), 1, x + m0 * k, Int32(k), w, Int32(k), beta, out + m0 * n, Int32(n))
                }
            }
            return
        case .q8_0, .q4_0:
            let type = weight.dtype == .q8_0 ? Int32(CK_WEIGHT_Q8_0) : Int32(CK_WEIGHT_Q4_0)
            let status = ck_matmul_quantized_packed(pool.pool, type, weight.baseAddress, panels.map { UnsafeRawPointer($0.baseAddress) },
                                                    Int64(n), Int64(k), input.floatPointer, Int64(k), Int64(m), output.floatPointer, Int64(n))
            guard status == 0 else { throw TensorError.kernelFailed("quantized matmul [\(m), \(k)] · [\(n), \(k)]ᵀ failed: out of memory for the quantized activations") }
        case .f16, .bf16, .i8:
            throw TensorError.unsupportedDType(operation: "linear weight", dtype: weight.dtype)
        }
        if let residualValues {
            ck_add_bias_residual(output.floatPointer, Int64(m), Int64(n), biasValues, residualValues)
        } else if let biasValues {
            ck_add_bias(output.floatPointer, Int64(m), Int64(n), biasValues)
        }
    }

    /// Whether sgemm should read this 2-D f32 matrix transposed, and its leading dimension.
    func blasLayout() throws -> (transposed: Bool, leadingDimension: Int) {
        if strides[1] == 1, strides[0] >= shape[1] { return (false, Swift.max(strides[0], 1)) }
        if strides[0] == 1, strides[1] >= shape[0] { return (true, Swift.max(strides[1], 1)) }
        throw TensorError.notContiguous(operation: "matmul")
    }

    private static func checkBLASDimensions(_ values: Int...) throws {
        guard values.allSatisfy({ $0 <= Int(Int32.max) }) else {
            throw TensorError.shapeMismatch(operation: "sgemm", details: "a dimension exceeds OpenBLAS's 32-bit limit")
        }
    }
}
