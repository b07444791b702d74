import MLPTensor

/// The element types the safetensors format names in its header (`"dtype": "F32"`).
///
/// The reader knows all of them, so that it can check every tensor's size; only those with a
/// ``MLPTensor/DType`` counterpart (``dtype``) can be used as tensors by mlp.
public enum SafetensorsDType: String, CaseIterable, Sendable {
    /// One-byte types: bool, unsigned and signed bytes, the two 8-bit float formats.
    case bool = "BOOL", u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
    /// Two-byte types: 16-bit integers, IEEE half and bfloat16.
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    /// Four- and eight-byte integers and floats.
    case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// The mlp element type with the same bytes, or nil where mlp has none.
    public var dtype: DType? {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .i8: return .i8
        default: return nil
        }
    }

    /// The safetensors name for `dtype`, or nil for the block-quantized types safetensors cannot hold.
    public init?(_ dtype: DType) {
        switch dtype {
        case .f32: self = .f32
        case .f16: self = .f16
        case .bf16: self = .bf16
        case .i8: self = .i8
        case .q8_0, .q4_0: return nil
        }
    }
}
