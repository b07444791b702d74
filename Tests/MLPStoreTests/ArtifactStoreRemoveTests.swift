import Foundation
import Testing
import MLPCore
@testable import MLPStore

/// ``ArtifactStore/remove(digest:)``: a removed artifact's bytes are gone, other artifacts stay,
/// and removing twice (or removing what was never there) is not an error.
@Suite struct ArtifactStoreRemoveTests {
    @Test func removeDeletesOneArtifactAndIsIdempotent() throws {
        let artifacts = try ArtifactStore(root: try temporaryFolder("artifact-remove") + "/artifacts")
        let kept = try artifacts.ingest(data: Data("kept".utf8), as: .dataset)
        let removed = try artifacts.ingest(data: Data("removed".utf8), as: .dataset)
        let folder = try temporaryFolder("artifact-remove-tree")
        try "a".write(toFile: folder + "/a.txt", atomically: true, encoding: .utf8)
        let tree = try artifacts.ingest(directory: folder)
        let rebuilt = try artifacts.materialize(tree)

        try artifacts.remove(digest: removed.digest)
        #expect(!artifacts.contains(removed) && artifacts.contains(kept))
        try artifacts.remove(digest: removed.digest)
        try artifacts.remove(digest: String(repeating: "0", count: 64))

        try artifacts.remove(digest: tree.digest)
        #expect(!artifacts.contains(tree) && !FileManager.default.fileExists(atPath: rebuilt))
        #expect(try FileManager.default.contentsOfDirectory(atPath: artifacts.root + "/tmp").isEmpty)

        #expect(throws: ArtifactStoreError.self) { try artifacts.remove(digest: "../../etc/passwd") }
    }
}
