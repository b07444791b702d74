import Crypto
import Foundation
import MLPCore
#if canImport(Glibc)
import Glibc
#endif

/// A failure of the artifact store, naming the path involved.
public struct ArtifactStoreError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// The content-addressed artifact store: `sha256/<2 hex>/<64 hex>` files, written to a temporary
/// file, fsynced and renamed, so a reader never sees half an artifact and a digest is an identity.
///
/// A directory artifact is stored as its files plus a manifest (relative path, mode, digest, size
/// of each file); the manifest's digest is the directory's. ``materialize(_:)`` rebuilds the folder.
public final class ArtifactStore: Sendable {
    public let root: String

    public init(root: String) throws {
        self.root = root
        for sub in ["sha256", "tmp", "trees"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(sub)", withIntermediateDirectories: true)
        }
    }

    /// Where the bytes of `digest` live.
    public func blobPath(_ digest: String) -> String {
        "\(root)/sha256/\(digest.prefix(2))/\(digest)"
    }

    /// The path a step reads an artifact from: the blob for a file, the rebuilt folder for a
    /// directory (a `directory` artifact, or a `model` stored as a folder, as mlp's trainers write them).
    public func path(for ref: ArtifactRef) throws -> String {
        ref.type == .directory || (ref.type == .model && isFolder(ref)) ? try materialize(ref) : blobPath(ref.digest)
    }

    /// Whether the artifact was stored from a folder (its blob is a directory manifest).
    ///
    /// Only the blob's first bytes are read unless they open a manifest, so asking about a large
    /// file artifact costs one short read.
    public func isFolder(_ ref: ArtifactRef) -> Bool {
        if ref.type == .directory { return true }
        let path = blobPath(ref.digest)
        let prefix = Array(Self.manifestPrefix.utf8)
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: prefix.count), Array(head) == prefix,
              let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber, size.intValue <= Self.manifestSizeLimit,
              let rest = try? handle.readToEnd(), let manifest = try? JSONDecoder().decode(JSONValue.self, from: head + rest) else { return false }
        return manifest["kind"]?.stringValue == Self.manifestKind
    }

    /// The `kind` of a directory manifest.
    static let manifestKind = "mlp-directory-manifest/1"
    /// How a directory manifest's canonical JSON starts (its keys are sorted: `entries`, `kind`).
    static let manifestPrefix = #"{"entries":["#
    /// The largest blob ``isFolder(_:)`` parses as a possible manifest.
    static let manifestSizeLimit = 64 << 20

    /// Whether the artifact's bytes are present.
    public func contains(_ ref: ArtifactRef) -> Bool {
        FileManager.default.fileExists(atPath: blobPath(ref.digest))
    }

    /// Moves a file a step wrote into the store and returns its reference. The file is consumed.
    public func ingest(file path: String, as type: PortType) throws -> ArtifactRef {
        let (digest, size) = try Self.digest(ofFile: path, sync: true)
        try place(path, digest: digest)
        return ArtifactRef(digest: digest, type: type, size: size)
    }

    /// Stores bytes and returns their reference.
    public func ingest(data: Data, as type: PortType) throws -> ArtifactRef {
        let temporary = "\(root)/tmp/\(UUID().uuidString)"
        try Self.writeDurably(data, to: temporary)
        return try ingest(file: temporary, as: type)
    }

    /// Stores every file below `path` and a manifest of them; returns the directory's reference,
    /// of `type` (`directory`, or `model` for a model artifact folder).
    public func ingest(directory path: String, as type: PortType = .directory) throws -> ArtifactRef {
        var entries: [JSONValue] = []
        var total: Int64 = 0
        let base = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: base) else {
            throw ArtifactStoreError(path: path, reason: "cannot read the directory")
        }
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let full = "\(base)/\(relative)"
            FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory)
            if !isDirectory.boolValue { files.append(relative) }
        }
        for relative in files.sorted() {
            let full = "\(base)/\(relative)"
            let attributes = try FileManager.default.attributesOfItem(atPath: full)
            let executable = ((attributes[.posixPermissions] as? Int) ?? 0) & 0o100 != 0
            let ref = try ingest(file: full, as: .file)
            total += ref.size
            entries.append(.object(["path": .string(relative), "digest": .string(ref.digest), "size": .number(Double(ref.size)),
                                    "executable": .bool(executable)]))
        }
        let manifest = JSONValue.object(["kind": .string(Self.manifestKind), "entries": .array(entries)])
        let stored = try ingest(data: Data(manifest.canonicalText.utf8), as: type)
        return ArtifactRef(digest: stored.digest, type: type, size: total)
    }

    /// Rebuilds a directory artifact under `trees/<digest>` (once; later calls reuse it).
    public func materialize(_ ref: ArtifactRef) throws -> String {
        let target = "\(root)/trees/\(ref.digest)"
        if FileManager.default.fileExists(atPath: target) { return target }
        let data = try Data(contentsOf: URL(fileURLWithPath: blobPath(ref.digest)))
        guard let manifest = try? JSONDecoder().decode(JSONValue.self, from: data), let entries = manifest["entries"]?.arrayValue else {
            throw ArtifactStoreError(path: blobPath(ref.digest), reason: "not a directory manifest")
        }
        let staging = "\(root)/tmp/tree-\(UUID().uuidString)"
        for entry in entries {
            guard let relative = entry["path"]?.stringValue, let digest = entry["digest"]?.stringValue,
                  !relative.hasPrefix("/"), !relative.split(separator: "/").contains("..") else {
                throw ArtifactStoreError(path: blobPath(ref.digest), reason: "bad manifest entry")
            }
            let destination = "\(staging)/\(relative)"
            try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: blobPath(digest), toPath: destination)
            let mode = entry["executable"] == .bool(true) ? 0o555 : 0o444
            chmod(destination, mode_t(mode))
        }
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        if rename(staging, target) != 0, !FileManager.default.fileExists(atPath: target) {
            throw ArtifactStoreError(path: target, reason: String(cString: strerror(errno)))
        }
        try? FileManager.default.removeItem(atPath: staging)
        return target
    }

    /// Removes temporary files left by an interrupted process.
    public func sweepTemporaryFiles() {
        let folder = "\(root)/tmp"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            try? FileManager.default.removeItem(atPath: "\(folder)/\(name)")
        }
    }

    private func place(_ source: String, digest: String) throws {
        let destination = blobPath(digest)
        if FileManager.default.fileExists(atPath: destination) {
            try? FileManager.default.removeItem(atPath: source)
            return
        }
        let folder = (destination as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(source, 0o444)
        guard rename(source, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            if errno == EXDEV {
                // Written on another file system: copy into our tmp first, then rename.
                let temporary = "\(root)/tmp/\(UUID().uuidString)"
                try FileManager.default.copyItem(atPath: source, toPath: temporary)
                _ = try Self.digest(ofFile: temporary, sync: true)
                try FileManager.default.removeItem(atPath: source)
                return try place(temporary, digest: digest)
            }
            throw ArtifactStoreError(path: destination, reason: reason)
        }
        Self.syncDirectory(folder)
    }

    /// SHA-256 and size of a file; with `sync`, the file is also flushed to disk.
    public static func digest(ofFile path: String, sync: Bool = false) throws -> (String, Int64) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ArtifactStoreError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var hasher = SHA256()
        var size: Int64 = 0
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, chunk)
            if count < 0 {
                if errno == EINTR { continue }
                throw ArtifactStoreError(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            size += Int64(count)
        }
        if sync { fsync(fd) }
        return (hex(hasher.finalize()), size)
    }

    /// SHA-256 of bytes, as lower-case hex.
    public static func digest(of data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lower-case hex of a digest's bytes (String(format:) per byte costs more than the hash).
    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes `data` to `path` through a temporary file, fsync and rename.
    public static func writeDurably(_ data: Data, to path: String) throws {
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ArtifactStoreError(path: temporary, reason: String(cString: strerror(errno))) }
        var offset = 0
        let ok: Bool = data.withUnsafeBytes { raw in
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard ok, synced else {
            unlink(temporary)
            throw ArtifactStoreError(path: path, reason: "write failed: \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ArtifactStoreError(path: path, reason: String(cString: strerror(errno)))
        }
        syncDirectory((path as NSString).deletingLastPathComponent)
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
