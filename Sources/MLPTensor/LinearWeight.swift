import CKernels

/// A linear layer's weight ([N, K]) prepared once for ``Tensor``'s `linear(_:weight:bias:into:pool:)`:
/// on the AVX2 path, the weight rows repacked into the panels the kernels read, so that no call
/// repacks them (the plain ``Tensor`` overload repacks a quantized weight on every call, and
/// OpenBLAS packs an f32 one). f32 panels are a copy of the weight (4 bytes a weight, kept as
/// long as this value); quantized ones about the weight's own size. Weights of other types, and
/// every weight on the scalar path, are used as they are.
public struct LinearWeight: @unchecked Sendable {
    /// The weight as given.
    public let weight: Tensor
    /// The repacked panels, when the AVX2 path was selected at preparation.
    let panels: TensorStorage?

    /// Prepares `weight` (2-D, contiguous), repacking in parallel on `pool`.
    /// - Throws: ``TensorError`` for a weight that is not 2-D and contiguous, or when the panels
    ///   cannot be allocated.
    public init(_ weight: Tensor, pool: ThreadPool) throws {
        guard weight.shape.count == 2, weight.isContiguous else {
            throw TensorError.shapeMismatch(operation: "LinearWeight", details: "weight \(weight.shape) (expected a contiguous [N, K] matrix)")
        }
        self.weight = weight
        if weight.dtype == .f32 {
            let (n, k) = (Int64(weight.shape[0]), Int64(weight.shape[1]))
            let floats = ck_f32_panels_floats(n, k)
            guard floats > 0, floats <= Int.max / 4 else {
                panels = nil
                return
            }
            let storage = try TensorStorage(byteCount: Int(floats) * 4)
            guard ck_pack_f32_panels(pool.pool, weight.floatPointer, n, k, storage.baseAddress.assumingMemoryBound(to: Float.self)) == 0 else {
                throw TensorError.kernelFailed("repacking an f32 weight \(weight.shape) into panels failed")
            }
            panels = storage
            return
        }
        guard let type = weight.quantizedWeightType else {
            panels = nil
            return
        }
        let (n, k) = (Int64(weight.shape[0]), Int64(weight.shape[1]))
        let bytes = ck_quantized_panels_bytes(type, n, k)
        guard bytes > 0, bytes <= Int.max else {
            panels = nil
            return
        }
        let storage = try TensorStorage(byteCount: Int(bytes))
        guard ck_pack_quantized_panels(pool.pool, type, weight.baseAddress, n, k, storage.baseAddress) == 0 else {
            throw TensorError.kernelFailed("repacking a \(weight.dtype.rawValue) weight \(weight.shape) into panels failed")
        }
        panels = storage
    }

    /// Whether the repacked panels are there (f32, Q8_0 and Q4_0 weights prepared on the AVX2 path).
    public var isRepacked: Bool { panels != nil }
}

extension Tensor {
    /// `CK_WEIGHT_Q8_0` / `CK_WEIGHT_Q4_0` for a quantized weight, nil otherwise.
    var quantizedWeightType: Int32? {
        switch dtype {
        case .q8_0: return Int32(CK_WEIGHT_Q8_0)
        case .q4_0: return Int32(CK_WEIGHT_Q4_0)
        default: return nil
        }
    }
}
