import CSnappy
import CZlib
import CZstd

/// A Parquet page compression codec mlp reads and writes.
public enum ParquetCodec: String, Sendable, CaseIterable, CustomStringConvertible {
    case uncompressed, snappy, gzip, zstd

    /// The `CompressionCodec` value in the file.
    var thriftValue: Int32 {
        switch self {
        case .uncompressed: return 0
        case .snappy: return 1
        case .gzip: return 2
        case .zstd: return 6
        }
    }

    init?(thriftValue: Int32) {
        switch thriftValue {
        case 0: self = .uncompressed
        case 1: self = .snappy
        case 2: self = .gzip
        case 6: self = .zstd
        default: return nil
        }
    }

    static func name(thriftValue: Int32) -> String {
        switch thriftValue {
        case 3: return "LZO"
        case 4: return "BROTLI"
        case 5: return "LZ4"
        case 7: return "LZ4_RAW"
        default: return ParquetCodec(thriftValue: thriftValue)?.rawValue ?? "codec \(thriftValue)"
        }
    }

    public var description: String { rawValue }

    /// A page's bytes decompressed to exactly `size` bytes; the message says what was wrong otherwise.
    func decompress(_ input: ArraySlice<UInt8>, size: Int) -> Result<[UInt8], CodecFailure> {
        if size == 0 && input.isEmpty { return .success([]) }
        switch self {
        case .uncompressed:
            guard input.count == size else { return .failure(CodecFailure("an uncompressed page holds \(input.count) bytes, its header says \(size)")) }
            return .success(Array(input))
        case .snappy: return Self.snappyDecompress(input, size: size)
        case .gzip: return Self.gzipDecompress(input, size: size)
        case .zstd: return Self.zstdDecompress(input, size: size)
        }
    }

    /// `input` compressed with this codec.
    func compress(_ input: [UInt8]) -> [UInt8] {
        switch self {
        case .uncompressed: return input
        case .snappy:
            var capacity = snappy_max_compressed_length(input.count)
            var output = [UInt8](repeating: 0, count: capacity)
            let status = input.withUnsafeBytes { source in
                output.withUnsafeMutableBytes { target in
                    snappy_compress(source.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                                    target.baseAddress!.assumingMemoryBound(to: CChar.self), &capacity)
                }
            }
            precondition(status == SNAPPY_OK, "snappy_compress failed with a buffer of its own maximum size")
            output.removeLast(output.count - capacity)
            return output
        case .zstd:
            let capacity = ZSTD_compressBound(input.count)
            var output = [UInt8](repeating: 0, count: capacity)
            let written = input.withUnsafeBytes { source in
                output.withUnsafeMutableBytes { ZSTD_compress($0.baseAddress, capacity, source.baseAddress, input.count, 3) }
            }
            precondition(ZSTD_isError(written) == 0, "ZSTD_compress failed with a buffer of ZSTD_compressBound bytes")
            output.removeLast(output.count - written)
            return output
        case .gzip:
            var stream = z_stream()
            precondition(mlp_deflate_init_gzip(&stream) == Z_OK, "deflateInit2 failed")
            defer { deflateEnd(&stream) }
            let capacity = Int(deflateBound(&stream, uLong(input.count))) + 32
            var output = [UInt8](repeating: 0, count: capacity)
            var source = input
            let status: Int32 = source.withUnsafeMutableBufferPointer { source in
                output.withUnsafeMutableBufferPointer { target in
                    stream.next_in = source.baseAddress
                    stream.avail_in = uInt(source.count)
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    return deflate(&stream, Z_FINISH)
                }
            }
            precondition(status == Z_STREAM_END, "deflate did not finish in deflateBound bytes")
            output.removeLast(output.count - Int(stream.total_out))
            return output
        }
    }

    private static func snappyDecompress(_ input: ArraySlice<UInt8>, size: Int) -> Result<[UInt8], CodecFailure> {
        input.withUnsafeBytes { source in
            let base = source.baseAddress?.assumingMemoryBound(to: CChar.self)
            var declared = 0
            guard snappy_uncompressed_length(base, source.count, &declared) == SNAPPY_OK else {
                return .failure(CodecFailure("the snappy data has no valid length"))
            }
            guard declared == size else {
                return .failure(CodecFailure("the snappy data holds \(declared) bytes, the page header says \(size)"))
            }
            guard snappy_validate_compressed_buffer(base, source.count) == SNAPPY_OK else {
                return .failure(CodecFailure("the snappy data is corrupt"))
            }
            // One spare byte so that an empty page still has a buffer address.
            var output = [UInt8](repeating: 0, count: size + 1)
            var length = size + 1
            let status = output.withUnsafeMutableBytes {
                snappy_uncompress(base, source.count, $0.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
            }
            guard status == SNAPPY_OK, length == size else { return .failure(CodecFailure("the snappy data is corrupt")) }
            output.removeLast()
            return .success(output)
        }
    }

    private static func zstdDecompress(_ input: ArraySlice<UInt8>, size: Int) -> Result<[UInt8], CodecFailure> {
        // The first frame's declared size (ZSTD_CONTENTSIZE_ERROR is 2^64 - 2, UNKNOWN 2^64 - 1) must fit the page.
        let declared = input.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        if declared == UInt64.max - 1 { return .failure(CodecFailure("the data is not a zstd frame")) }
        if declared != UInt64.max && declared > UInt64(size) {
            return .failure(CodecFailure("the zstd frame holds \(declared) bytes, the page header says \(size)"))
        }
        var output = [UInt8](repeating: 0, count: size + 1)
        let written = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { ZSTD_decompress($0.baseAddress, size, source.baseAddress, source.count) }
        }
        if ZSTD_isError(written) != 0 {
            return .failure(CodecFailure("the zstd data is corrupt or larger than the page header says: \(String(cString: ZSTD_getErrorName(written)))"))
        }
        guard written == size else { return .failure(CodecFailure("the zstd data holds \(written) bytes, the page header says \(size)")) }
        output.removeLast()
        return .success(output)
    }

    private static func gzipDecompress(_ input: ArraySlice<UInt8>, size: Int) -> Result<[UInt8], CodecFailure> {
        guard input.count <= Int(UInt32.max), size <= Int(UInt32.max) else { return .failure(CodecFailure("the gzip page is over 4 GiB")) }
        // One spare byte so that an empty page still has a buffer address; it is never filled.
        var output = [UInt8](repeating: 0, count: size + 1)
        var source = Array(input)
        var stream = z_stream()
        guard mlp_inflate_init_gzip(&stream) == Z_OK else { return .failure(CodecFailure("zlib could not start")) }
        defer { inflateEnd(&stream) }
        // A file may hold several gzip members back to back; each is inflated in turn.
        var status: Int32 = Z_OK
        var produced = 0
        source.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                while true {
                    stream.next_out = target.baseAddress.map { $0 + produced }
                    stream.avail_out = uInt(target.count - 1 - produced)
                    let before = stream.total_out
                    status = inflate(&stream, Z_FINISH)
                    produced += Int(stream.total_out - before)
                    guard status == Z_STREAM_END, stream.avail_in > 0, produced < size else { return }
                    let consumed = stream.next_in
                    let left = stream.avail_in
                    guard inflateReset(&stream) == Z_OK else { return }
                    stream.next_in = consumed
                    stream.avail_in = left
                }
            }
        }
        guard status == Z_STREAM_END else {
            if status == Z_BUF_ERROR && produced == size {
                return .failure(CodecFailure("the gzip data is larger than the page header's \(size) bytes"))
            }
            return .failure(CodecFailure("the gzip data is corrupt or truncated (zlib status \(status))"))
        }
        guard produced == size else { return .failure(CodecFailure("the gzip data holds \(produced) bytes, the page header says \(size)")) }
        output.removeLast()
        return .success(output)
    }
}

/// Why a page did not decompress.
struct CodecFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
