import MLPTensor

/// A GGML tensor type id as GGUF stores it (`ggml_type` in ggml.h).
///
/// The reader knows the block size and bytes per block of every type in the table below (taken
/// from the `gguf` Python package's `GGML_QUANT_SIZES`), so it can check any file's tensor sizes;
/// only the types with a ``MLPTensor/DType`` counterpart (``dtype``) can be used as tensors.
public struct GGMLType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The id in the file.
    public let rawValue: UInt32

    /// The type with id `rawValue`, known or not.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// 32-bit float.
    public static let f32 = GGMLType(rawValue: 0)
    /// 16-bit IEEE half.
    public static let f16 = GGMLType(rawValue: 1)
    /// 4-bit blocks of 32 with one half scale.
    public static let q4_0 = GGMLType(rawValue: 2)
    /// 8-bit blocks of 32 with one half scale.
    public static let q8_0 = GGMLType(rawValue: 8)
    /// Signed byte.
    public static let i8 = GGMLType(rawValue: 24)
    /// bfloat16.
    public static let bf16 = GGMLType(rawValue: 30)

    /// Name, elements per block and bytes per block of each known type.
    private static let known: [UInt32: (name: String, blockSize: Int, bytesPerBlock: Int)] = [
        0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
        6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 40),
        10: ("Q2_K", 256, 84), 11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176),
        14: ("Q6_K", 256, 210), 15: ("Q8_K", 256, 292), 16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74),
        18: ("IQ3_XXS", 256, 98), 19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110),
        22: ("IQ2_S", 256, 82), 23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2),
        26: ("I32", 1, 4), 27: ("I64", 1, 8), 28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56), 30: ("BF16", 1, 2),
        34: ("TQ1_0", 256, 54), 35: ("TQ2_0", 256, 66), 39: ("MXFP4", 32, 17),
    ]

    /// Whether the reader knows this type's layout.
    public var isKnown: Bool { Self.known[rawValue] != nil }

    /// The type's name in ggml (`Q8_0`), or `type N` for an unknown id.
    public var description: String { Self.known[rawValue]?.name ?? "type \(rawValue)" }

    /// Elements per block, for a known type.
    public var blockSize: Int? { Self.known[rawValue]?.blockSize }

    /// The bytes `elements` values take, or nil for an unknown type, a count that is not whole
    /// blocks, or an overflow.
    public func byteCount(elements: Int) -> Int? {
        guard let layout = Self.known[rawValue], elements >= 0, elements % layout.blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / layout.blockSize).multipliedReportingOverflow(by: layout.bytesPerBlock)
        return overflow ? nil : bytes
    }

    /// The mlp element type with this layout, or nil where mlp has none.
    public var dtype: DType? {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .q4_0: return .q4_0
        case .q8_0: return .q8_0
        case .i8: return .i8
        case .bf16: return .bf16
        default: return nil
        }
    }

    /// The GGML type of `dtype`.
    public init(_ dtype: DType) {
        switch dtype {
        case .f32: self = .f32
        case .f16: self = .f16
        case .q4_0: self = .q4_0
        case .q8_0: self = .q8_0
        case .i8: self = .i8
        case .bf16: self = .bf16
        }
    }
}
