import Foundation
import MLPTensor

/// A safetensors file, mapped read-only, with its header checked.
///
/// Layout: an 8-byte little-endian header length `N`, `N` bytes of UTF-8 JSON (a map from tensor
/// name to `{"dtype", "shape", "data_offsets"}` plus an optional `__metadata__` string map), then
/// the data section. Opening checks everything a reader relies on — header length against a limit
/// and the file size, each dtype, each shape (non-negative, product overflow-checked), each
/// `data_offsets` pair against the data section and against `elements × dtype size`, and that the
/// tensors in offset order are packed without gaps or overlaps up to the end of the file — so a
/// malformed file fails with a ``SafetensorsError`` and never crashes a later read.
public final class SafetensorsFile: Sendable {
    /// The largest header the reader accepts, in bytes (the reference implementation's limit).
    public static let headerLengthLimit = 100_000_000

    /// One tensor's entry in the header.
    public struct Entry: Sendable, Equatable {
        /// The tensor's name.
        public let name: String
        /// The element type the header names.
        public let storedType: SafetensorsDType
        /// The shape, outermost dimension first.
        public let shape: [Int]
        /// The tensor's bytes within the whole file (the header's `data_offsets` plus the data section's start).
        public let byteRange: Range<Int>
    }

    /// The path the file was opened from.
    public let path: String
    /// The `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    /// The tensors, in the order of their bytes in the file.
    public let entries: [Entry]
    /// The file's size in bytes.
    public var fileSize: Int { file.bytes.count }
    /// Where the data section starts: 8 plus the header length.
    public let dataStart: Int

    private let file: MappedFile
    private let index: [String: Int]

    /// Maps and checks the file at `path`.
    /// - Throws: ``SafetensorsError`` for a malformed file, ``MappedFileError`` when it cannot be read.
    public convenience init(path: String) throws {
        try self.init(mapping: MappedFile(path: path))
    }

    /// Checks an already mapped file.
    public init(mapping file: MappedFile) throws {
        let path = file.path
        let bytes = file.bytes
        guard bytes.count >= 8 else { throw SafetensorsError.fileTooSmall(path: path, size: bytes.count) }
        let headerLength = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
        guard headerLength <= UInt64(Self.headerLengthLimit) else {
            throw SafetensorsError.headerTooLarge(path: path, length: headerLength, limit: Self.headerLengthLimit)
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw SafetensorsError.headerBeyondFile(path: path, length: headerLength, fileSize: bytes.count)
        }
        let dataStart = 8 + Int(headerLength)
        let dataLength = bytes.count - dataStart
        let header = try Self.parseHeader(UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]), path: path)

        var entries: [Entry] = []
        entries.reserveCapacity(header.tensors.count)
        for raw in header.tensors {
            guard let storedType = SafetensorsDType(rawValue: raw.dtype) else {
                throw SafetensorsError.unknownDType(path: path, tensor: raw.name, dtype: raw.dtype)
            }
            guard let elements = checkedElementCount(raw.shape) else {
                throw SafetensorsError.invalidShape(path: path, tensor: raw.name, shape: raw.shape)
            }
            guard raw.offsets.count == 2 else {
                throw SafetensorsError.invalidHeader(path: path, detail: "tensor '\(raw.name)': data_offsets must hold two numbers [begin, end], found \(raw.offsets.count)")
            }
            let (begin, end) = (raw.offsets[0], raw.offsets[1])
            guard begin >= 0, begin <= end, end <= dataLength else {
                throw SafetensorsError.invalidOffsets(path: path, tensor: raw.name, begin: begin, end: end, dataLength: dataLength)
            }
            let (expected, overflow) = elements.multipliedReportingOverflow(by: storedType.size)
            guard !overflow, expected == end - begin else {
                throw SafetensorsError.sizeMismatch(path: path, tensor: raw.name, expected: overflow ? Int.max : expected, actual: end - begin)
            }
            entries.append(Entry(name: raw.name, storedType: storedType, shape: raw.shape, byteRange: (dataStart + begin)..<(dataStart + end)))
        }
        entries.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name) < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name) }
        var coveredUpTo = 0
        for (position, entry) in entries.enumerated() {
            let begin = entry.byteRange.lowerBound - dataStart
            if position > 0, begin != coveredUpTo {
                throw SafetensorsError.notContiguous(path: path, previous: entries[position - 1].name, previousEnd: coveredUpTo,
                                                     next: entry.name, nextBegin: begin)
            }
            if position == 0, begin != 0 {
                throw SafetensorsError.invalidHeader(path: path, detail: "the first tensor in offset order, '\(entry.name)', starts at data offset \(begin), not 0")
            }
            coveredUpTo = entry.byteRange.upperBound - dataStart
        }
        guard coveredUpTo == dataLength else {
            throw SafetensorsError.trailingBytes(path: path, coveredUpTo: coveredUpTo, dataLength: dataLength)
        }

        self.path = path
        self.file = file
        self.metadata = header.metadata
        self.entries = entries
        self.dataStart = dataStart
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() { index[entry.name] = position }
        self.index = index
    }

    /// The entry of the tensor named `name`, or nil.
    public func entry(named name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The tensor named `name` as an mlp tensor view (zero-copy).
    /// - Throws: ``SafetensorsError/tensorNotFound(path:tensor:)`` or ``SafetensorsError/unsupportedDType(path:tensor:dtype:)``.
    public func tensor(named name: String) throws -> ModelTensor {
        guard let entry = entry(named: name) else { throw SafetensorsError.tensorNotFound(path: path, tensor: name) }
        guard let dtype = entry.storedType.dtype else {
            throw SafetensorsError.unsupportedDType(path: path, tensor: name, dtype: entry.storedType.rawValue)
        }
        return ModelTensor(name: name, dtype: dtype, shape: entry.shape, data: TensorData(file: file, range: entry.byteRange))
    }

    /// The bytes of the tensor named `name`, whatever its dtype (zero-copy).
    public func rawBytes(named name: String) throws -> TensorData {
        guard let entry = entry(named: name) else { throw SafetensorsError.tensorNotFound(path: path, tensor: name) }
        return TensorData(file: file, range: entry.byteRange)
    }

    // MARK: Header

    private struct RawTensor {
        let name: String
        let dtype: String
        let shape: [Int]
        let offsets: [Int]
    }

    private struct Header {
        var metadata: [String: String] = [:]
        var tensors: [RawTensor] = []
    }

    /// The keys of a JSON object, whatever they are.
    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private struct TensorFields: Decodable {
        let dtype: String
        let shape: [Int]
        let data_offsets: [Int]
    }

    private struct HeaderDecoding: Decodable {
        var header = Header()
        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            for key in container.allKeys {
                if key.stringValue == "__metadata__" {
                    header.metadata = try container.decode([String: String].self, forKey: key)
                } else {
                    let fields = try container.decode(TensorFields.self, forKey: key)
                    header.tensors.append(RawTensor(name: key.stringValue, dtype: fields.dtype, shape: fields.shape, offsets: fields.data_offsets))
                }
            }
        }
    }

    private static func parseHeader(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Header {
        guard bytes.first == UInt8(ascii: "{") else {
            throw SafetensorsError.invalidHeader(path: path, detail: "it must start with '{'")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw SafetensorsError.invalidHeader(path: path, detail: "it is not valid UTF-8")
        }
        do {
            return try JSONDecoder().decode(HeaderDecoding.self, from: Data(bytes)).header
        } catch let error as DecodingError {
            throw SafetensorsError.invalidHeader(path: path, detail: Self.describe(error))
        } catch {
            throw SafetensorsError.invalidHeader(path: path, detail: "\(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func location(_ path: [CodingKey]) -> String {
            path.isEmpty ? "at the top level" : "at " + path.map { $0.intValue.map { "[\($0)]" } ?? "'\($0.stringValue)'" }.joined(separator: " ")
        }
        switch error {
        case let .typeMismatch(type, context): return "\(location(context.codingPath)): expected \(type) (\(context.debugDescription))"
        case let .valueNotFound(type, context): return "\(location(context.codingPath)): missing \(type)"
        case let .keyNotFound(key, context): return "\(location(context.codingPath)): missing key '\(key.stringValue)'"
        case let .dataCorrupted(context): return "\(location(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
