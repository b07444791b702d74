/// The element types a tensor can hold, in memory and in model files.
///
/// The block-quantized types use GGML's layouts byte for byte, so that a GGUF file's tensor data
/// is used in place, without repacking:
/// - `q8_0`: blocks of 32 elements, each an IEEE half `d` followed by 32 signed bytes `q`;
///   the value is `d * q` (34 bytes a block).
/// - `q4_0`: blocks of 32 elements, each an IEEE half `d` followed by 16 bytes; byte `j` holds
///   element `j` in its low nibble and element `j + 16` in its high nibble; the value is
///   `d * (nibble - 8)` (18 bytes a block).
public enum DType: String, CaseIterable, Codable, Sendable {
    case f32, f16, bf16, i8, q8_0, q4_0

    /// Elements per block: 32 for the quantized types, 1 otherwise.
    public var blockSize: Int {
        switch self {
        case .q8_0, .q4_0: return 32
        case .f32, .f16, .bf16, .i8: return 1
        }
    }

    /// Bytes per block (per element for the unquantized types).
    public var bytesPerBlock: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .i8: return 1
        case .q8_0: return 34
        case .q4_0: return 18
        }
    }

    /// The bytes `elements` values take, or nil when the count is not a whole number of blocks
    /// or the size overflows.
    public func byteCount(elements: Int) -> Int? {
        guard elements >= 0, elements % blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / blockSize).multipliedReportingOverflow(by: bytesPerBlock)
        return overflow ? nil : bytes
    }
}
