import Foundation
import MLPCore
import MLPData
import MLPEngine
import MLPStore

/// Why `mlp drift` cannot give a verdict; it exits 2 with this message.
struct DriftUndecidable: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The datasets `mlp drift` compares: the training data and a deployment's logged requests.
enum DriftInputs {
    /// The columns a request log holds that are not model inputs (see `RequestLogSchema`).
    static func isAnswerColumn(_ name: String) -> Bool {
        ["time", "version", "label", "prediction"].contains(name) || name.hasPrefix("probability_")
    }

    /// Reads the reference: a dataset file (`.mlpds`) or CSV at `reference`, else the artifact
    /// whose digest (or unique prefix) it is.
    static func reference(_ reference: String, store: SQLiteStore, artifacts: ArtifactStore) throws -> Dataset {
        var path = reference
        if !FileManager.default.fileExists(atPath: reference) {
            let record: ArtifactRecord
            do { record = try store.findArtifact(reference) } catch {
                throw DriftUndecidable(message: "--reference \(reference) is neither a file nor an artifact of this project (\(error)); give the training data's CSV or dataset file, or its artifact digest (mlp artifacts)")
            }
            path = try artifacts.path(for: ArtifactRef(digest: record.digest, type: record.type, size: record.size))
        }
        do { return try read(path) } catch {
            throw DriftUndecidable(message: "--reference \(reference) cannot be read as a dataset: \(error)")
        }
    }

    /// A dataset file or a CSV file.
    static func read(_ path: String, columnTypes: [String: ColumnType] = [:]) throws -> Dataset {
        if let handle = FileHandle(forReadingAtPath: path) {
            let head = try handle.read(upToCount: DatasetFile.magic.count) ?? Data()
            try handle.close()
            if Array(head) == DatasetFile.magic { return try DatasetFile.read(path) }
        }
        var options = CSVOptions()
        options.columnTypes = columnTypes
        return try CSVReader.read(path: path, options: options)
    }

    /// The logged requests of `segments` as one dataset. Segments whose header differs from the
    /// newest one's (the model changed its inputs) are left out and counted; so are segments whose
    /// file is gone. Columns the reference holds as text are read as text.
    static func logged(_ segments: [RequestLogRecord], artifacts: ArtifactStore, reference: Dataset) throws -> (dataset: Dataset, skipped: Int) {
        var header: [UInt8]?
        var body: [UInt8] = []
        var skipped = 0
        for segment in segments.reversed() {
            let path = artifacts.blobPath(segment.digest)
            guard FileManager.default.fileExists(atPath: path) else {
                skipped += 1
                continue
            }
            // A segment that is there is read only if its bytes are still the ones its digest names.
            try artifacts.verify(digest: segment.digest)
            guard let data = FileManager.default.contents(atPath: path) else {
                skipped += 1
                continue
            }
            let bytes = [UInt8](data)
            let end = bytes.firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? bytes.count
            let segmentHeader = Array(bytes[..<end])
            if header == nil { header = segmentHeader }
            guard segmentHeader == header else {
                skipped += 1
                continue
            }
            body += bytes[end...]
            if body.last != UInt8(ascii: "\n") { body.append(UInt8(ascii: "\n")) }
        }
        guard let header else { throw DriftUndecidable(message: "the logged segments' files are missing from the artifact store") }
        let names = try CSVReader.read(bytes: header, source: "the logged requests' header").columnNames
        var options = CSVOptions()
        for name in names where name == "version" || reference.column(named: name)?.type == .string { options.columnTypes[name] = .string }
        return (try CSVReader.read(bytes: header + body, source: "logged requests", options: options), skipped)
    }

    /// Seconds from `30s`, `15m`, `2h`, `7d` (or a plain number of seconds); nil when malformed.
    static func seconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let unit = text.last.flatMap({ units[$0] }), let value = Double(text.dropLast()), value > 0, value.isFinite { return value * unit }
        if let value = Double(text), value > 0, value.isFinite { return value }
        return nil
    }
}
