import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MLPCore
import MLPData

/// The file format a script step (shell, python) receives a dataset input in.
public enum DatasetExchangeFormat: String, Sendable, CaseIterable, Hashable {
    /// Apache Parquet (the default): `pandas.read_parquet`, `pyarrow.parquet.read_table`, DuckDB.
    case parquet
    /// Comma-separated text with a header row; nulls are empty fields.
    case csv
    /// One JSON object per line; nulls are `null`, non-finite floats the strings "nan", "inf", "-inf".
    case jsonl
    /// mlp's own `mlpds` file, as the artifact store holds it (no conversion).
    case mlpds

    /// The file name extension the converted file carries.
    public var fileExtension: String { rawValue }

    /// The names `format:` accepts, for error messages.
    public static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The `format:` of a step: one format for every dataset input, and per-input overrides
/// (`format: csv`, or `format: {train: csv, holdout: jsonl}`).
public struct DatasetFormats: Sendable, Hashable {
    /// The format of inputs not named in ``perInput``; nil means Parquet.
    public var all: DatasetExchangeFormat?
    /// Formats chosen per input name.
    public var perInput: [String: DatasetExchangeFormat]

    public init(all: DatasetExchangeFormat? = nil, perInput: [String: DatasetExchangeFormat] = [:]) {
        self.all = all
        self.perInput = perInput
    }

    /// The format input `name` is handed over in.
    public func format(of name: String) -> DatasetExchangeFormat { perInput[name] ?? all ?? .parquet }
}

/// How dataset artifacts cross into and out of script steps: an input `mlpds` file is converted
/// once per (digest, format) into a cache folder; an output written as Parquet, CSV or JSON lines
/// is read and stored as an `mlpds` dataset artifact.
public enum DatasetExchange {
    /// Step kinds whose process reads its dataset inputs as user files (and may use `format:`).
    public static let scriptKinds: Set<String> = ["shell", "python", "executor/shell", "executor/python"]

    /// Whether `uses` names a script step.
    public static func isScriptStep(_ uses: String) -> Bool { scriptKinds.contains(uses) }

    /// The folder, under the project's `.mlp`, holding converted inputs, named by digest and format.
    public static func cacheDirectory(stateDirectory: String) -> String { "\(stateDirectory)/exchange" }

    /// The path of the `format` file of dataset `digest` in `cacheDirectory`, converting the `mlpds`
    /// blob at `blobPath` first when no earlier step did.
    ///
    /// The file is written to a temporary name and renamed into place (a reader never sees a part),
    /// read-only; converting the same key twice at once in this process waits for the first, so a
    /// fan-out of many items over one dataset writes it once.
    /// - Throws: ``ResolutionError`` naming the input, the dataset and what failed.
    public static func materialize(blobPath: String, digest: String, format: DatasetExchangeFormat, cacheDirectory: String,
                                   input: String) throws -> String {
        if format == .mlpds { return blobPath }
        let path = "\(cacheDirectory)/\(digest).\(format.fileExtension)"
        let lock = KeyedLocks.shared.lock(for: path)
        lock.lock()
        defer { lock.unlock() }
        if isComplete(path, format: format) { return path }
        do {
            try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
            let dataset = try DatasetFile.read(blobPath)
            let bytes: [UInt8]
            switch format {
            case .parquet: bytes = try ParquetWriter.encode(dataset, source: path)
            case .csv: bytes = csvBytes(dataset)
            case .jsonl: bytes = jsonLinesBytes(dataset)
            case .mlpds: return blobPath
            }
            try writeAtomically(bytes, to: path)
            return path
        } catch {
            throw ResolutionError(message: "input '\(input)': cannot hand dataset \(digest.prefix(12)) over as \(format.rawValue) (\(path)): \(error)")
        }
    }

    /// Removes converted files whose dataset is no longer stored (`isStored(digest)` is false) and
    /// temporary files older than `minimumAge` seconds (left by a killed conversion); returns how
    /// many files went. The folder is a cache: anything removed is rebuilt when a step needs it.
    @discardableResult
    public static func prune(cacheDirectory: String, minimumAge: Double, isStored: (String) -> Bool) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: cacheDirectory)) ?? []
        let now = Date().timeIntervalSince1970
        var removed = 0
        for name in names {
            let path = "\(cacheDirectory)/\(name)"
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let gone: Bool
            if name.hasSuffix(".tmp") {
                gone = now - Double(info.st_mtim.tv_sec) >= minimumAge
            } else {
                let digest = String(name.prefix { $0 != "." })
                gone = !isStored(digest)
            }
            if gone, unlink(path) == 0 { removed += 1 }
        }
        return removed
    }

    /// Whether a converted file looks whole (a crash mid-write leaves only a temporary file, but a
    /// truncated or emptied cache file is rewritten rather than handed over).
    static func isComplete(_ path: String, format: DatasetExchangeFormat) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        guard format == .parquet else { return true }
        guard info.st_size >= 12, let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = handle.readData(ofLength: 4)
        try? handle.seek(toOffset: UInt64(info.st_size - 4))
        let tail = handle.readData(ofLength: 4)
        return Array(head) == parquetMagic && Array(tail) == parquetMagic
    }

    static let parquetMagic: [UInt8] = Array("PAR1".utf8)

    /// Writes `bytes` to a temporary file beside `path`, then renames it over `path` (read-only).
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = "\(path).\(getpid()).\(UUID().uuidString).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        guard fd >= 0 else { throw ResolutionError(message: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var offset = 0
        var failure: Int32 = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            offset += written
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure == 0, rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw ResolutionError(message: "cannot write \(path): \(String(cString: strerror(failure)))")
        }
    }

    // MARK: Text formats

    /// The dataset as CSV: a header row, then one row per record; nulls are empty fields, a field
    /// holding a comma, quote or line break is quoted (quotes doubled); floats print so they read
    /// back to the same `Double`, non-finite ones as `nan`, `inf`, `-inf`; dates and timestamps
    /// (``Column/logical``) in ISO 8601 (``LogicalType/iso8601(_:)``).
    public static func csvBytes(_ dataset: Dataset) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(dataset.rowCount * max(1, dataset.columns.count) * 8 + 64)
        for (index, column) in dataset.columns.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendCSVField(column.name, to: &out)
        }
        out.append(UInt8(ascii: "\n"))
        for row in 0..<dataset.rowCount {
            for (index, column) in dataset.columns.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                switch column[row] {
                case nil: break
                case .int(let value)?:
                    out += Array((column.logical.map { $0.iso8601(value) } ?? String(value)).utf8)
                case .bool(let value)?: out += Array((value ? "true" : "false").utf8)
                case .float(let value)?: out += Array(floatText(value).utf8)
                case .string(let value)?:
                    // An empty string is written quoted, so it is not read as a null by mlp.
                    if value.isEmpty { out += [UInt8(ascii: "\""), UInt8(ascii: "\"")] } else { appendCSVField(value, to: &out) }
                }
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    static func appendCSVField(_ text: String, to out: inout [UInt8]) {
        let bytes = Array(text.utf8)
        let needsQuotes = bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
            || bytes.first == UInt8(ascii: " ") || bytes.last == UInt8(ascii: " ")
        guard needsQuotes else { out += bytes; return }
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }

    static func floatText(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return "\(value)"
    }

    /// The dataset as JSON lines: one object per row, keys in column order, nulls as `null`,
    /// non-finite floats as the strings "nan", "inf" and "-inf" (as `mlp dataset convert` writes), dates and
    /// timestamps as ISO 8601 strings.
    public static func jsonLinesBytes(_ dataset: Dataset) -> [UInt8] {
        var out: [UInt8] = []
        let keys = dataset.columns.map { Array(JSONValue.string($0.name).canonicalText.utf8) + Array(": ".utf8) }
        for row in 0..<dataset.rowCount {
            out.append(UInt8(ascii: "{"))
            for (index, column) in dataset.columns.enumerated() {
                if index > 0 { out += [UInt8(ascii: ","), UInt8(ascii: " ")] }
                out += keys[index]
                switch column[row] {
                case nil: out += Array("null".utf8)
                case .int(let value)?:
                    if let logical = column.logical {
                        out += Array(JSONValue.string(logical.iso8601(value)).canonicalText.utf8)
                    } else {
                        out += Array(String(value).utf8)
                    }
                case .bool(let value)?: out += Array((value ? "true" : "false").utf8)
                case .string(let value)?: out += Array(JSONValue.string(value).canonicalText.utf8)
                case .float(let value)?:
                    out += Array((value.isFinite ? "\(value)" : JSONValue.string(floatText(value)).canonicalText).utf8)
                }
            }
            out += [UInt8(ascii: "}"), 10]
        }
        return out
    }

    // MARK: Outputs

    /// How a dataset output's file is read.
    public enum OutputFormat: String, Sendable {
        case mlpds, parquet, csv, jsonl
    }

    /// The file a script wrote for dataset output `name` in `directory`: `name` itself, else
    /// `name.parquet`, `name.csv`, `name.jsonl` or `name.ndjson` (the first that exists).
    public static func outputFile(_ name: String, in directory: String) -> String? {
        for candidate in [name, "\(name).parquet", "\(name).csv", "\(name).jsonl", "\(name).ndjson"] {
            var info = stat()
            if lstat("\(directory)/\(candidate)", &info) == 0 { return "\(directory)/\(candidate)" }
        }
        return nil
    }

    /// The format of a dataset output file, by its content first (`MLPDS` or Parquet's `PAR1`
    /// magic), else by its extension (.parquet, .csv, .jsonl, .ndjson), else CSV — unless its
    /// first non-blank byte is `{`, which makes it JSON lines.
    public static func outputFormat(of path: String) -> OutputFormat {
        var head: [UInt8] = []
        if let handle = FileHandle(forReadingAtPath: path) {
            head = Array(handle.readData(ofLength: 256))
            try? handle.close()
        }
        if head.starts(with: DatasetFile.magic) { return .mlpds }
        if head.starts(with: parquetMagic) { return .parquet }
        switch (path as NSString).pathExtension.lowercased() {
        case "parquet": return .parquet
        case "csv": return .csv
        case "jsonl", "ndjson": return .jsonl
        default: break
        }
        if let first = head.first(where: { $0 != 32 && $0 != 9 && $0 != 10 && $0 != 13 }), first == UInt8(ascii: "{") { return .jsonl }
        return .csv
    }

    /// Reads the dataset a script wrote at `path` (any ``OutputFormat``).
    /// - Throws: the reader's error, which names the file and the line, column or byte at fault.
    public static func readOutput(_ path: String, as format: OutputFormat) throws -> Dataset {
        switch format {
        case .mlpds: return try DatasetFile.read(path)
        case .parquet: return try ParquetReader.read(path: path)
        case .csv: return try CSVReader.read(path: path)
        case .jsonl: return try JSONLinesReader.read(path: path)
        }
    }

    /// Writes `dataset` as an `mlpds` artifact file (with its profile) at `path`.
    public static func writeArtifact(_ dataset: Dataset, to path: String) throws {
        try dataset.writeArtifact(to: path)
    }
}

/// One lock per key, so concurrent units converting the same dataset wait for each other while
/// different datasets convert in parallel.
final class KeyedLocks: @unchecked Sendable {
    static let shared = KeyedLocks()
    private let guardLock = NSLock()
    private var locks: [String: NSLock] = [:]

    func lock(for key: String) -> NSLock {
        guardLock.lock()
        defer { guardLock.unlock() }
        if let lock = locks[key] { return lock }
        let lock = NSLock()
        locks[key] = lock
        return lock
    }
}
