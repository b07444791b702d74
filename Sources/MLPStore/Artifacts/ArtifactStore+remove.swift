import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension ArtifactStore {
    /// Removes an artifact's bytes (and a directory artifact's rebuilt folder), for an artifact the
    /// metadata store no longer refers to. Idempotent: removing a missing artifact does nothing.
    /// Each path disappears at once: the blob is unlinked, and a rebuilt folder is renamed into
    /// `tmp/` before it is deleted, so no reader ever finds half of one under its name.
    ///
    /// - Throws: ``ArtifactStoreError`` when `digest` is not a SHA-256 hex digest or a file cannot be removed.
    public func remove(digest: String) throws {
        guard digest.count == 64, digest.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw ArtifactStoreError(path: root, reason: "'\(digest)' is not a SHA-256 digest (64 lower-case hex digits); nothing was removed")
        }
        let blob = blobPath(digest)
        if unlink(blob) != 0, errno != ENOENT {
            throw ArtifactStoreError(path: blob, reason: "cannot remove: \(String(cString: strerror(errno)))")
        }
        Self.syncDirectory((blob as NSString).deletingLastPathComponent)
        unlink(stampPath(digest))
        unlink("\(root)/stamps/tree-\(digest)")
        let tree = "\(root)/trees/\(digest)"
        let doomed = "\(root)/tmp/removed-\(UUID().uuidString)"
        if rename(tree, doomed) == 0 {
            try? FileManager.default.removeItem(atPath: doomed)
        } else if errno != ENOENT {
            throw ArtifactStoreError(path: tree, reason: "cannot remove: \(String(cString: strerror(errno)))")
        }
    }
}
