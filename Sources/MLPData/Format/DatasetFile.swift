#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads and writes datasets as `mlpds` v1 files, documented in `Sources/MLPData/README.md`.
///
/// Layout: the magic `MLPDS\0`, a little-endian `uint16` version, a little-endian `uint64` header
/// length, the JSON header (``DatasetFileHeader``), zero padding to a multiple of 8, then the data
/// section holding every column buffer at the offset the header gives, each padded to 8 bytes.
public enum DatasetFile {
    /// The first six bytes of every file.
    public static let magic: [UInt8] = Array("MLPDS".utf8) + [0]
    /// The version this code writes and reads.
    public static let version: UInt16 = 1
    /// The largest header a reader accepts (64 MiB): a bigger one is corrupt or hostile.
    public static let maxHeaderLength = 64 << 20
    /// Bytes before the header: magic, version, header length.
    static let preambleLength = 16

    // MARK: Writing

    /// Writes `dataset` to `path`: to a temporary file beside it, fsynced, then renamed over `path`, so a
    /// reader sees the old file or the whole new one, never a part.
    ///
    /// - Parameter profile: statistics to store in the header (see ``Profile/init(_:)``).
    public static func write(_ dataset: Dataset, to path: String, profile: Profile? = nil) throws {
        var entries: [DatasetFileHeader.ColumnEntry] = []
        var payloads: [[Payload]] = []
        var cursor = 0
        for column in dataset.columns {
            var parts: [(DatasetFileHeader.Role, Payload)] = []
            var encoding = DatasetFileHeader.Encoding.plain
            var dictionarySize: Int?
            switch column.storage {
            case .float(let values): parts.append((.values, .doubles(values)))
            case .int(let values): parts.append((.values, .ints(values)))
            case .bool(let values): parts.append((.values, .bools(values)))
            case .string(let buffer):
                parts.append((.offsets, .offsets(buffer.offsets)))
                parts.append((.bytes, .bytes(buffer.bytes)))
            case .categorical(let codes, let dictionary):
                encoding = .dictionary
                dictionarySize = dictionary.count
                parts.append((.codes, .codes(codes)))
                parts.append((.dictionaryOffsets, .offsets(dictionary.offsets)))
                parts.append((.dictionaryBytes, .bytes(dictionary.bytes)))
            }
            if let validity = column.validity { parts.append((.validity, .bools(validity))) }
            var buffers: [DatasetFileHeader.Buffer] = []
            for (role, payload) in parts {
                buffers.append(.init(role: role, offset: cursor, length: payload.byteCount))
                cursor += padded(payload.byteCount)
            }
            entries.append(.init(name: column.name, type: column.type, encoding: encoding, nulls: column.nullCount,
                                 dictionarySize: dictionarySize, buffers: buffers, logical: column.logical?.description))
            payloads.append(parts.map(\.1))
        }
        let header = DatasetFileHeader(rows: dataset.rowCount, columns: entries, profile: profile)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let headerBytes = [UInt8](try encoder.encode(header))

        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DatasetFileError(path: path, "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(temporary) }
        }
        var out = FileWriter(fd: fd, path: path)
        var preamble = magic
        withUnsafeBytes(of: version.littleEndian) { preamble += $0 }
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { preamble += $0 }
        try out.append(preamble)
        try out.append(headerBytes)
        try out.pad(to: padded(preambleLength + headerBytes.count))
        for parts in payloads {
            for payload in parts {
                try payload.withBytes { try out.append($0) }
                try out.pad(to: padded(out.written))
            }
        }
        guard fsync(fd) == 0 else { throw DatasetFileError(path: path, "fsync failed: \(String(cString: strerror(errno)))") }
        guard rename(temporary, path) == 0 else {
            throw DatasetFileError(path: path, "cannot rename \(temporary) into place: \(String(cString: strerror(errno)))")
        }
        renamed = true
    }

    static func padded(_ count: Int) -> Int { (count + 7) & ~7 }

    #if os(Linux)
    /// glibc's `sync_file_range(fd, offset, count, flags)`, which the Glibc module does not import.
    static let syncFileRange: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32).self)
    }()
    #endif

    /// One buffer's content, kept in its natural array until written (no copy where the memory layout is
    /// already the file's: `Int` offsets as `int64`, `Bool`s as bytes 0 and 1, little-endian numbers).
    enum Payload {
        case doubles([Double]), ints([Int64]), offsets([Int]), codes([Int32]), bytes([UInt8]), bools([Bool])

        var byteCount: Int {
            switch self {
            case .doubles(let values): return values.count * 8
            case .ints(let values): return values.count * 8
            case .offsets(let values): return values.count * 8
            case .codes(let values): return values.count * 4
            case .bytes(let values): return values.count
            case .bools(let values): return values.count
            }
        }

        func withBytes(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
            #if _endian(big)
            switch self {
            case .doubles(let values): try values.map { $0.bitPattern.littleEndian }.withUnsafeBytes(body)
            case .ints(let values): try values.map(\.littleEndian).withUnsafeBytes(body)
            case .offsets(let values): try values.map { Int64($0).littleEndian }.withUnsafeBytes(body)
            case .codes(let values): try values.map(\.littleEndian).withUnsafeBytes(body)
            case .bytes(let values): try values.withUnsafeBytes(body)
            case .bools(let values): try values.map { $0 ? UInt8(1) : 0 }.withUnsafeBytes(body)
            }
            #else
            switch self {
            case .doubles(let values): try values.withUnsafeBytes(body)
            case .ints(let values): try values.withUnsafeBytes(body)
            case .offsets(let values):
                guard MemoryLayout<Int>.size == 8 else { return try values.map(Int64.init).withUnsafeBytes(body) }
                try values.withUnsafeBytes(body)
            case .codes(let values): try values.withUnsafeBytes(body)
            case .bytes(let values): try values.withUnsafeBytes(body)
            case .bools(let values): try values.withUnsafeBytes(body)  // a Bool is stored as the byte 0 or 1
            }
            #endif
        }
    }

    struct FileWriter {
        let fd: Int32
        let path: String
        var written = 0
        /// Bytes already handed to writeback (``startWriteback()``).
        var flushed = 0

        mutating func append(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try append($0) } }

        mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
            var done = 0
            while done < bytes.count {
                let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw DatasetFileError(path: path, "write failed: \(String(cString: strerror(errno)))")
                }
                done += n
            }
            written += bytes.count
            if written - flushed >= 8 << 20 { startWriteback() }
        }

        /// Starts writing the bytes so far to disk without waiting (Linux `sync_file_range`), so that the
        /// `fsync` at the end waits for the last few megabytes only instead of the whole file.
        mutating func startWriteback() {
            #if os(Linux)
            if let start = DatasetFile.syncFileRange { _ = start(fd, Int64(flushed), Int64(written - flushed), 2) }  // SYNC_FILE_RANGE_WRITE
            #endif
            flushed = written
        }

        mutating func pad(to length: Int) throws {
            if length > written { try append([UInt8](repeating: 0, count: length - written)) }
        }
    }
}
