import Foundation
import MLPCore
import MLPStore

/// A project folder: its `mlp.yaml`, and `.mlp/` with the metadata store and artifacts.
public struct Project: Sendable {
    /// The folder holding mlp.yaml.
    public let root: String
    public let pipelineFile: String

    public var stateDirectory: String { "\(root)/.mlp" }
    public var databasePath: String { "\(stateDirectory)/mlp.sqlite" }
    public var artifactsDirectory: String { "\(stateDirectory)/artifacts" }
    public var runsDirectory: String { "\(stateDirectory)/runs" }
    public var locksDirectory: String { "\(stateDirectory)/locks" }

    /// A project error a user can act on.
    public struct NotFound: Error, CustomStringConvertible {
        public let searched: String
        public var description: String {
            "no mlp.yaml in \(searched) or any folder above it; create one with `mlp init NAME` or pass --project DIR"
        }
    }

    public init(root: String, pipelineFile: String? = nil) {
        let absolute = URL(fileURLWithPath: root).standardizedFileURL.path
        self.root = absolute
        self.pipelineFile = pipelineFile.map { URL(fileURLWithPath: $0, relativeTo: URL(fileURLWithPath: absolute + "/")).standardizedFileURL.path }
            ?? "\(absolute)/mlp.yaml"
    }

    /// The project containing `directory`: the nearest folder at or above it with an mlp.yaml.
    public static func locate(from directory: String) throws -> Project {
        var current = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: current.appendingPathComponent("mlp.yaml").path) {
                return Project(root: current.path)
            }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { throw NotFound(searched: directory) }
            current = parent
        }
    }

    /// Opens the metadata store, creating `.mlp/` on first use.
    public func openStore() throws -> SQLiteStore {
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        return try SQLiteStore(path: databasePath)
    }

    public func openArtifacts() throws -> ArtifactStore {
        try ArtifactStore(root: artifactsDirectory)
    }

    /// A pipeline file that cannot be read as text: missing, too big, or not UTF-8.
    public struct PipelineFileError: Error, CustomStringConvertible, Sendable {
        public let path: String
        /// Where the problem is, when it is in the file's bytes.
        public let location: SourceLocation?
        public let reason: String
        public var description: String { "\(location.map { "\($0)" } ?? path): \(reason)" }
    }

    /// Reads a pipeline file as UTF-8 text; an unreadable or oversized file, or the first byte
    /// that is not UTF-8 (with its byte offset, line and column), is a ``PipelineFileError``.
    public static func readPipeline(at path: String, shownAs shown: String? = nil) throws -> String {
        let name = shown ?? path
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? NSNumber, size.intValue > PipelineParser.maxDocumentBytes {
                throw PipelineFileError(path: name, location: nil,
                                        reason: "the file is \(size.intValue) bytes, more than the \(PipelineParser.maxDocumentBytes >> 20) MiB mlp reads")
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as PipelineFileError {
            throw error
        } catch {
            let reason = (error as NSError).domain == NSCocoaErrorDomain && (error as NSError).code == NSFileReadNoSuchFileError
                ? "no such file" : "cannot read it (\((error as NSError).localizedFailureReason ?? error.localizedDescription))"
            throw PipelineFileError(path: name, location: nil, reason: reason)
        }
        guard data.count <= PipelineParser.maxDocumentBytes else {
            throw PipelineFileError(path: name, location: nil, reason: "the file is more than the \(PipelineParser.maxDocumentBytes >> 20) MiB mlp reads")
        }
        if let offset = firstInvalidUTF8Offset(data) {
            let before = data.prefix(offset)
            let line = before.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? before.startIndex
            let column = String(decoding: data[lineStart..<(before.startIndex + offset)], as: UTF8.self).unicodeScalars.count + 1
            throw PipelineFileError(path: name, location: SourceLocation(file: name, line: line, column: column),
                                    reason: String(format: "the file is not UTF-8 text: byte %d (0x%02X) is not valid UTF-8; save it as UTF-8",
                                                   offset, data[data.startIndex + offset]))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The offset of the first byte of `data` that is not part of valid UTF-8, or nil.
    static func firstInvalidUTF8Offset(_ data: Data) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = data.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// The folder of one attempt of one step.
    public func attemptDirectory(run: String, step: String, index: Int?, attempt: Int) -> String {
        let unit = index.map { "\(step).\($0)" } ?? step
        return "\(runsDirectory)/\(run)/\(unit)/attempt-\(attempt)"
    }

    /// The git commit of the project and whether its tree has uncommitted changes (nil outside git).
    public func gitState() -> (commit: String?, dirty: Bool?) {
        func git(_ arguments: [String]) -> String? {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", root] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch { return nil }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { return nil }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let commit = git(["rev-parse", "HEAD"]) else { return (nil, nil) }
        let status = git(["status", "--porcelain", "--untracked-files=no"]) ?? ""
        return (commit, !status.isEmpty)
    }
}

/// The version of mlp recorded with every run.
public let mlpVersion = "0.1.0"

/// A new run id: sortable by time, short enough to type a prefix of (`20261122-093012-k3f9`).
public func makeRunID(date: Date = Date()) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
    let suffix = String((0..<4).map { _ in alphabet.randomElement()! })
    return String(format: "%04d%02d%02d-%02d%02d%02d-", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!) + suffix
}
