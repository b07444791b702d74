import Foundation
import MLPCore
#if canImport(Glibc)
import Glibc
#endif

/// What ``ArtifactStore/collectGarbage(keeping:minimumAge:dryRun:now:)`` removed, or would remove.
public struct GarbageCollection: Sendable {
    /// The blobs removed (or, in a dry run, that would be), with their sizes.
    public var removed: [StoredBlob]
    /// Unreferenced blobs kept because they were stored too recently (a run may be about to record them).
    public var keptRecent: [StoredBlob]
    /// Blobs kept because something references them.
    public var kept: Int
    /// The bytes of ``removed``.
    public var removedBytes: Int64 { removed.reduce(0) { $0 + $1.size } }
}

extension ArtifactStore {
    /// The digests `referenced` names plus, for each that is a directory manifest, the blobs of
    /// the files it lists: everything a reader of those artifacts may need.
    public func closure(of referenced: Set<String>) -> Set<String> {
        var all = referenced
        for digest in referenced {
            let ref = ArtifactRef(digest: digest, type: .file, size: 0)
            guard isFolder(ref), let entries = try? manifestEntries(digest) else { continue }
            for entry in entries { all.insert(entry.digest) }
        }
        return all
    }

    /// Removes every blob that `referenced` (and the manifests among them) does not name, with its
    /// stamp and its rebuilt folder, keeping blobs stored less than `minimumAge` seconds ago: a run
    /// that is writing them may not have recorded them yet.
    ///
    /// - Parameters:
    ///   - referenced: the digests the metadata store refers to (runs, model versions, deployments, request logs).
    ///   - dryRun: say what would be removed, remove nothing.
    public func collectGarbage(keeping referenced: Set<String>, minimumAge: Double, dryRun: Bool,
                               now: Double = Date().timeIntervalSince1970) throws -> GarbageCollection {
        let keep = closure(of: referenced)
        var result = GarbageCollection(removed: [], keptRecent: [], kept: 0)
        for blob in blobs() {
            if keep.contains(blob.digest) { result.kept += 1; continue }
            if now - blob.lastStored < minimumAge { result.keptRecent.append(blob); continue }
            if !dryRun {
                try remove(digest: blob.digest)
            }
            result.removed.append(blob)
        }
        if !dryRun {
            // Rebuilt folders and stamps whose blob is gone are only caches.
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/trees")) ?? [] where Self.isDigest(name) && !keep.contains(name) {
                if !FileManager.default.fileExists(atPath: blobPath(name)) { try? remove(digest: name) }
            }
        }
        return result
    }
}
