import Foundation
import MLPCore
#if canImport(Glibc)
import Glibc
#endif

/// An artifact whose stored bytes are not the bytes its digest names (or are gone): reading it
/// would hand a step something other than what its lineage and cache key say.
public struct ArtifactIntegrityError: Error, CustomStringConvertible, Sendable {
    /// The digest the artifact is stored under.
    public let digest: String
    /// The blob's path.
    public let path: String
    /// The SHA-256 of the bytes found, when they could be read.
    public let actual: String?
    /// What is wrong, when it is not a digest mismatch (missing, not a regular file).
    public let problem: String?

    public init(digest: String, path: String, actual: String?, problem: String?) {
        self.digest = digest
        self.path = path
        self.actual = actual
        self.problem = problem
    }

    public var description: String {
        let what = actual.map { "its bytes hash to \($0), not to the digest they are stored under" } ?? (problem ?? "it cannot be read")
        return """
            artifact \(digest) is damaged: \(what) (\(path)); nothing was read from it. \
            The file was changed or replaced after mlp stored it. Run `mlp verify` to check the whole store, \
            then remove the damaged blob (`rm -f \(path)`) and run the pipeline again: the step that made it runs again \
            (or put the original file back from a backup)
            """
    }
}

/// What `lstat` says about a blob, recorded when the blob was last hashed: while a blob's inode,
/// size, modification and change times stay the same its bytes were not rewritten (any write or
/// `chmod` moves the change time, which no user can set back), so reading it needs no re-hash.
struct BlobStamp: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int64
    var modifiedNanoseconds: Int64
    var changed: Int64
    var changedNanoseconds: Int64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
        changed = Int64(info.st_ctim.tv_sec)
        changedNanoseconds = Int64(info.st_ctim.tv_nsec)
    }

    init?(text: String) {
        let fields = text.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        guard fields.count == 8, fields[0] == "stamp/1", let device = UInt64(fields[1]), let inode = UInt64(fields[2]), let size = Int64(fields[3]),
              let modified = Int64(fields[4]), let modifiedNanoseconds = Int64(fields[5]), let changed = Int64(fields[6]),
              let changedNanoseconds = Int64(fields[7]) else { return nil }
        (self.device, self.inode, self.size) = (device, inode, size)
        (self.modified, self.modifiedNanoseconds, self.changed, self.changedNanoseconds) = (modified, modifiedNanoseconds, changed, changedNanoseconds)
    }

    var text: String { "stamp/1 \(device) \(inode) \(size) \(modified) \(modifiedNanoseconds) \(changed) \(changedNanoseconds)\n" }
}

extension ArtifactStore {
    /// Whether a string is a blob's name: a SHA-256 digest in lower-case hex.
    static func isDigest(_ name: String) -> Bool {
        name.utf8.count == 64 && name.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    func stampPath(_ digest: String) -> String { "\(root)/stamps/\(digest)" }

    func readStamp(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), data.count < 1 << 20 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes a stamp through a temporary file and a rename, without fsync: a stamp lost in a crash
    /// only costs one re-hash.
    func writeStamp(_ text: String, to path: String) {
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    /// Records the blob of `digest` as verified as it is now on disk.
    func stampBlob(_ digest: String) {
        var info = stat()
        guard lstat(blobPath(digest), &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return }
        writeStamp(BlobStamp(info).text, to: stampPath(digest))
    }

    /// Checks that the blob of `digest` still holds the bytes its digest names, cheaply: one `lstat`
    /// and a comparison with the stamp recorded when it was stored or last hashed; the blob is
    /// re-hashed only when they differ (and stamped again when it is intact).
    ///
    /// - Throws: ``ArtifactIntegrityError`` when the blob is missing, not a regular file, or holds
    ///   other bytes.
    public func verify(digest: String) throws {
        let path = blobPath(digest)
        var before = stat()
        guard lstat(path, &before) == 0 else {
            throw ArtifactIntegrityError(digest: digest, path: path, actual: nil, problem: "it is missing from the store")
        }
        guard before.st_mode & S_IFMT == S_IFREG else {
            throw ArtifactIntegrityError(digest: digest, path: path, actual: nil, problem: "it is \(Self.fileKind(before.st_mode)), not a regular file")
        }
        if let text = readStamp(stampPath(digest)), BlobStamp(text: text) == BlobStamp(before) { return }
        let actual: String
        do { actual = try Self.digest(ofFile: path).0 } catch {
            throw ArtifactIntegrityError(digest: digest, path: path, actual: nil, problem: "it cannot be read (\(error))")
        }
        guard actual == digest else { throw ArtifactIntegrityError(digest: digest, path: path, actual: actual, problem: nil) }
        var after = stat()
        if lstat(path, &after) == 0, BlobStamp(after) == BlobStamp(before) { writeStamp(BlobStamp(before).text, to: stampPath(digest)) }
    }

    /// Hashes the blob of `digest` in full, whatever its stamp says (what `mlp verify` does).
    /// - Returns: nil when the blob is intact, else what is wrong with it.
    public func check(digest: String) -> ArtifactIntegrityError? {
        let path = blobPath(digest)
        var info = stat()
        guard lstat(path, &info) == 0 else { return ArtifactIntegrityError(digest: digest, path: path, actual: nil, problem: "it is missing from the store") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return ArtifactIntegrityError(digest: digest, path: path, actual: nil, problem: "it is \(Self.fileKind(info.st_mode)), not a regular file")
        }
        do {
            let actual = try Self.digest(ofFile: path).0
            if actual != digest { return ArtifactIntegrityError(digest: digest, path: path, actual: actual, problem: nil) }
            stampBlob(digest)
            return nil
        } catch {
            return ArtifactIntegrityError(digest: digest, path: path, actual: nil, problem: "it cannot be read (\(error))")
        }
    }

    /// Every blob in the store: digest, size in bytes and when it was last stored or confirmed
    /// (the later of the blob's change time and its stamp's modification time), sorted by digest.
    /// Files in the store that are not named as blobs are left out.
    public func blobs() -> [StoredBlob] {
        var found: [StoredBlob] = []
        let base = "\(root)/sha256"
        for prefix in ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).sorted() {
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: "\(base)/\(prefix)")) ?? []) where Self.isDigest(name) && name.hasPrefix(prefix) {
                var info = stat()
                guard lstat("\(base)/\(prefix)/\(name)", &info) == 0 else { continue }
                var touched = Double(info.st_ctim.tv_sec) + Double(info.st_ctim.tv_nsec) / 1e9
                var stampInfo = stat()
                if stat(stampPath(name), &stampInfo) == 0 {
                    touched = max(touched, Double(stampInfo.st_mtim.tv_sec) + Double(stampInfo.st_mtim.tv_nsec) / 1e9)
                }
                found.append(StoredBlob(digest: name, size: Int64(info.st_size), lastStored: touched))
            }
        }
        return found.sorted { $0.digest < $1.digest }
    }
}

/// One blob in the artifact store, as ``ArtifactStore/blobs()`` lists it.
public struct StoredBlob: Sendable, Hashable {
    /// Its SHA-256, which is its name.
    public var digest: String
    /// Its size in bytes.
    public var size: Int64
    /// When it was last stored or confirmed present by an ingest (seconds since 1970).
    public var lastStored: Double
}
