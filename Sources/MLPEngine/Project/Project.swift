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
