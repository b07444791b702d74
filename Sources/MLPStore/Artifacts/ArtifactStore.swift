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
///
/// Only regular files and folders of them are stored: a symbolic link, FIFO, socket or device is
/// refused with an error naming it. Reading an artifact (``path(for:)``) verifies its blob against
/// its digest, cheaply (see ``verify(digest:)``), so bytes changed on disk are never handed to a step.
public final class ArtifactStore: Sendable {
    public let root: String

    public init(root: String) throws {
        self.root = root
        for sub in ["sha256", "tmp", "trees", "stamps"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(sub)", withIntermediateDirectories: true)
        }
    }

    /// Where the bytes of `digest` live.
    public func blobPath(_ digest: String) -> String {
        "\(root)/sha256/\(digest.prefix(2))/\(digest)"
    }

    /// The path a step reads an artifact from: the blob for a file, the rebuilt folder for a
    /// directory (a `directory` artifact, or a `model` stored as a folder, as mlp's trainers write them).
    ///
    /// The blob is verified first (``verify(digest:)``), and a rebuilt folder's files are checked
    /// against the manifest, so what the path holds is what the digest names.
    /// - Throws: ``ArtifactIntegrityError`` when the stored bytes are missing or changed.
    public func path(for ref: ArtifactRef) throws -> String {
        try verify(digest: ref.digest)
        return ref.type == .directory || (ref.type == .model && isFolder(ref)) ? try materialize(ref) : blobPath(ref.digest)
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
    ///
    /// The file must be a regular file: a symbolic link (whose target mlp would make read-only and
    /// whose edits would break the digest), a FIFO, socket or device is refused. A file with other
    /// hard links is copied rather than moved, so no name outside the store shares a blob's inode.
    /// - Throws: ``ArtifactStoreError`` naming the path and what it is.
    public func ingest(file path: String, as type: PortType) throws -> ArtifactRef {
        let fd = try Self.openRegularFile(path, followSymlinks: false)
        var info = stat()
        let linked = fstat(fd, &info) == 0 && info.st_nlink > 1
        close(fd)
        if linked {
            let copy = "\(root)/tmp/\(UUID().uuidString)"
            try Self.copyRegularFile(path, to: copy)
            unlink(path)
            return try ingest(file: copy, as: type)
        }
        let (digest, size) = try Self.digest(ofFile: path, sync: true, followSymlinks: false)
        try place(path, digest: digest)
        return ArtifactRef(digest: digest, type: type, size: size)
    }

    /// Copies the bytes of the regular file at `source` to a new file at `destination`.
    static func copyRegularFile(_ source: String, to destination: String) throws {
        let input = try openRegularFile(source, followSymlinks: false)
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw ArtifactStoreError(path: destination, reason: String(cString: strerror(errno))) }
        defer { close(output) }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(input, buffer.baseAddress, chunk)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw ArtifactStoreError(path: source, reason: String(cString: strerror(errno))) }
            if count == 0 { break }
            var offset = 0
            while offset < count {
                let written = write(output, buffer.baseAddress! + offset, count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw ArtifactStoreError(path: destination, reason: String(cString: strerror(errno))) }
                offset += written
            }
        }
    }

    /// Stores bytes and returns their reference.
    public func ingest(data: Data, as type: PortType) throws -> ArtifactRef {
        let temporary = "\(root)/tmp/\(UUID().uuidString)"
        try Self.writeDurably(data, to: temporary)
        return try ingest(file: temporary, as: type)
    }

    /// Stores every file below `path` and a manifest of them; returns the directory's reference,
    /// of `type` (`directory`, or `model` for a model artifact folder).
    ///
    /// `path` must be a folder (not a link to one), holding only regular files and folders: the
    /// whole tree is checked before anything is stored, and a symbolic link, FIFO, socket or device
    /// anywhere in it is refused with an error naming it.
    public func ingest(directory path: String, as type: PortType = .directory) throws -> ArtifactRef {
        var entries: [JSONValue] = []
        var total: Int64 = 0
        let base = URL(fileURLWithPath: path).standardizedFileURL.path
        var files: [String] = []
        try Self.collectRegularFiles(in: base, relative: "", into: &files)
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

    /// The relative paths of the regular files below `folder/relative`, refusing anything else.
    static func collectRegularFiles(in base: String, relative: String, into files: inout [String]) throws {
        let folder = relative.isEmpty ? base : "\(base)/\(relative)"
        var info = stat()
        guard lstat(folder, &info) == 0 else { throw ArtifactStoreError(path: folder, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            let what = info.st_mode & S_IFMT == S_IFLNK ? "a symbolic link (to \(linkTarget(folder)))" : fileKind(info.st_mode)
            throw ArtifactStoreError(path: folder, reason: "is \(what), not a folder")
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw ArtifactStoreError(path: folder, reason: "cannot read the folder: \(error.localizedDescription)")
        }
        for name in names.sorted() {
            let child = relative.isEmpty ? name : "\(relative)/\(name)"
            var entry = stat()
            guard lstat("\(base)/\(child)", &entry) == 0 else { throw ArtifactStoreError(path: "\(base)/\(child)", reason: String(cString: strerror(errno))) }
            switch entry.st_mode & S_IFMT {
            case S_IFREG: files.append(child)
            case S_IFDIR: try collectRegularFiles(in: base, relative: child, into: &files)
            case S_IFLNK:
                throw ArtifactStoreError(path: "\(base)/\(child)", reason: "is a symbolic link (to \(linkTarget("\(base)/\(child)"))); a stored folder holds only regular files and folders: write the file itself")
            default:
                throw ArtifactStoreError(path: "\(base)/\(child)", reason: "is \(fileKind(entry.st_mode)); a stored folder holds only regular files and folders")
            }
        }
    }

    /// The entries of a directory manifest: relative path, digest and whether the file is executable.
    func manifestEntries(_ digest: String) throws -> [(path: String, digest: String, executable: Bool)] {
        let data = try Data(contentsOf: URL(fileURLWithPath: blobPath(digest)))
        guard let manifest = try? JSONDecoder().decode(JSONValue.self, from: data), let entries = manifest["entries"]?.arrayValue else {
            throw ArtifactStoreError(path: blobPath(digest), reason: "not a directory manifest")
        }
        return try entries.map { entry in
            guard let relative = entry["path"]?.stringValue, let digest = entry["digest"]?.stringValue, Self.isDigest(digest), !relative.isEmpty,
                  !relative.hasPrefix("/"), !relative.split(separator: "/").contains(".."), !relative.contains("\0") else {
                throw ArtifactStoreError(path: blobPath(digest), reason: "bad manifest entry")
            }
            return (relative, digest, entry["executable"] == .bool(true))
        }
    }

    /// Rebuilds a directory artifact under `trees/<digest>` (once; later calls reuse it, after
    /// checking that its files are still the ones rebuilt: a folder whose files were changed is
    /// rebuilt from the verified blobs).
    public func materialize(_ ref: ArtifactRef) throws -> String {
        let target = "\(root)/trees/\(ref.digest)"
        try verify(digest: ref.digest)
        let entries = try manifestEntries(ref.digest)
        if FileManager.default.fileExists(atPath: target) {
            if treeIsIntact(target, digest: ref.digest, entries: entries) { return target }
            let doomed = "\(root)/tmp/removed-\(UUID().uuidString)"
            if rename(target, doomed) == 0 { try? FileManager.default.removeItem(atPath: doomed) }
        }
        let staging = "\(root)/tmp/tree-\(UUID().uuidString)"
        for entry in entries {
            let (relative, digest) = (entry.path, entry.digest)
            try verify(digest: digest)
            let destination = "\(staging)/\(relative)"
            try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: blobPath(digest), toPath: destination)
            let mode = entry.executable ? 0o555 : 0o444
            chmod(destination, mode_t(mode))
        }
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        if rename(staging, target) != 0, !FileManager.default.fileExists(atPath: target) {
            throw ArtifactStoreError(path: target, reason: String(cString: strerror(errno)))
        }
        try? FileManager.default.removeItem(atPath: staging)
        stampTree(target, digest: ref.digest, entries: entries)
        return target
    }

    /// Records what `lstat` says of each file of a rebuilt folder.
    func stampTree(_ target: String, digest: String, entries: [(path: String, digest: String, executable: Bool)]) {
        var lines: [String] = []
        for entry in entries {
            var info = stat()
            guard lstat("\(target)/\(entry.path)", &info) == 0 else { return }
            lines.append(BlobStamp(info).text)
        }
        writeStamp(lines.joined(), to: "\(root)/stamps/tree-\(digest)")
    }

    /// Whether a rebuilt folder still holds the files of its manifest: by their stamps, else by
    /// hashing them (and stamping them again when they match).
    func treeIsIntact(_ target: String, digest: String, entries: [(path: String, digest: String, executable: Bool)]) -> Bool {
        var current: [BlobStamp] = []
        for entry in entries {
            var info = stat()
            guard lstat("\(target)/\(entry.path)", &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
            current.append(BlobStamp(info))
        }
        if let text = readStamp("\(root)/stamps/tree-\(digest)") {
            let recorded = text.split(separator: "\n").map { BlobStamp(text: String($0)) }
            if recorded.count == current.count, zip(recorded, current).allSatisfy({ $0 == $1 }) { return true }
        }
        for entry in entries {
            guard (try? Self.digest(ofFile: "\(target)/\(entry.path)", followSymlinks: false).0) == entry.digest else { return false }
        }
        stampTree(target, digest: digest, entries: entries)
        return true
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
            // The same bytes are stored already, unless the stored copy was damaged: then the new
            // copy replaces it. Either way the stamp is written again, which tells `mlp gc` that
            // the blob was just stored (a run may not have recorded it yet).
            if (try? verify(digest: digest)) != nil {
                try? FileManager.default.removeItem(atPath: source)
                stampBlob(digest)
                return
            }
        }
        let folder = (destination as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(source, 0o444)
        guard rename(source, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            if errno == EXDEV {
                // Written on another file system: copy into our tmp first, then rename.
                let temporary = "\(root)/tmp/\(UUID().uuidString)"
                try Self.copyRegularFile(source, to: temporary)
                _ = try Self.digest(ofFile: temporary, sync: true)
                try FileManager.default.removeItem(atPath: source)
                return try place(temporary, digest: digest)
            }
            throw ArtifactStoreError(path: destination, reason: reason)
        }
        Self.syncDirectory(folder)
        stampBlob(digest)
    }

    /// SHA-256 and size of a regular file; with `sync`, the file is also flushed to disk.
    ///
    /// Only a regular file is read (checked before it is opened, see ``openRegularFile(_:followSymlinks:)``):
    /// a FIFO, socket or device (`/dev/zero`) is refused rather than read forever.
    /// - Parameter followSymlinks: whether a symbolic link to a regular file is read (else refused).
    public static func digest(ofFile path: String, sync: Bool = false, followSymlinks: Bool = true) throws -> (String, Int64) {
        let fd = try openRegularFile(path, followSymlinks: followSymlinks)
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
