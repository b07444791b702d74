import CKernels

extension Tensor {
    /// The elements as floats in row-major order, converting or dequantizing as needed.
    public func floats() throws -> [Float] {
        let count = elementCount
        if count == 0 { return [] }
        if !isContiguous { return try contiguous().floats() }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let out = buffer.baseAddress!
            let source = UnsafeRawPointer(baseAddress)
            switch dtype {
            case .f32: out.update(from: source.assumingMemoryBound(to: Float.self), count: count)
            case .f16: ck_fp16_to_fp32_row(source.assumingMemoryBound(to: UInt16.self), out, Int64(count))
            case .bf16: ck_bf16_to_fp32_row(source.assumingMemoryBound(to: UInt16.self), out, Int64(count))
            case .i8:
                let bytes = source.assumingMemoryBound(to: Int8.self)
                for i in 0..<count { out[i] = Float(bytes[i]) }
            case .q8_0: ck_dequantize_row_q8_0(source.assumingMemoryBound(to: ck_block_q8_0.self), out, Int64(count))
            case .q4_0: ck_dequantize_row_q4_0(source.assumingMemoryBound(to: ck_block_q4_0.self), out, Int64(count))
            }
            initialized = count
        }
    }

    /// A new tensor of the same shape in `target`: exact for widening to f32; rounds to nearest
    /// even for f16 and bf16; quantizes per 32-element block for Q8_0 and Q4_0 (the last
    /// dimension must be a multiple of 32). Conversion to i8 is not defined (it needs a scale).
    public func converted(to target: DType) throws -> Tensor {
        if target == dtype { return try contiguous() }
        guard target != .i8 else { throw TensorError.unsupportedDType(operation: "converted(to: i8)", dtype: dtype) }
        let values = try floats()
        let out = try Tensor(zeros: shape, dtype: target)
        let count = Int64(values.count)
        values.withUnsafeBufferPointer { source in
            guard let input = source.baseAddress else { return }
            let destination = out.baseAddress
            switch target {
            case .f32: destination.copyMemory(from: input, byteCount: values.count * 4)
            case .f16: ck_fp32_to_fp16_row(input, destination.assumingMemoryBound(to: UInt16.self), count)
            case .bf16: ck_fp32_to_bf16_row(input, destination.assumingMemoryBound(to: UInt16.self), count)
            case .q8_0: ck_quantize_row_q8_0(input, destination.assumingMemoryBound(to: ck_block_q8_0.self), count)
            case .q4_0: ck_quantize_row_q4_0(input, destination.assumingMemoryBound(to: ck_block_q4_0.self), count)
            case .i8: break
            }
        }
        return out
    }
}
