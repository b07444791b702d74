import Foundation
import Testing
import MLPCore
@testable import MLPStore
#if canImport(Glibc)
import Glibc
#endif

/// Issue 13, items 4, 5 and 9 at the store: only regular files are stored or hashed, a blob's
/// bytes are verified when it is read, `gc` removes only what nothing refers to, and a model name
/// follows one rule.
@Suite struct ArtifactIntegrityTests {
    let artifacts: ArtifactStore
    let scratch: String

    init() throws {
        scratch = try temporaryFolder("integrity")
        artifacts = try ArtifactStore(root: scratch + "/artifacts")
    }

    /// Replaces a blob's bytes as a careless user or a bad disk would: same size, new content.
    func overwrite(_ digest: String, with text: String) throws {
        let path = artifacts.blobPath(digest)
        chmod(path, 0o644)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test func aChangedBlobIsRefusedOnReadWithBothDigests() throws {
        let ref = try artifacts.ingest(data: Data("label,x\n1,2\n".utf8), as: .dataset)
        #expect(try artifacts.path(for: ref) == artifacts.blobPath(ref.digest))
        try overwrite(ref.digest, with: "label,x\n9,9\n")
        let error = try #require(throws: ArtifactIntegrityError.self) { try artifacts.path(for: ref) }
        #expect(error.digest == ref.digest && error.actual == ArtifactStore.digest(of: Data("label,x\n9,9\n".utf8)))
        #expect(error.description.contains(ref.digest) && error.description.contains("mlp verify"))
        #expect(artifacts.check(digest: ref.digest) != nil)
        // A blob replaced by another file (a new inode) is caught too.
        let other = scratch + "/other"
        try "something else".write(toFile: other, atomically: true, encoding: .utf8)
        #expect(rename(other, artifacts.blobPath(ref.digest)) == 0)
        #expect(throws: ArtifactIntegrityError.self) { try artifacts.path(for: ref) }
    }

    @Test func anIntactBlobWithoutAStampIsHashedOnceAndStamped() throws {
        let ref = try artifacts.ingest(data: Data("bytes".utf8), as: .file)
        let stamp = artifacts.stampPath(ref.digest)
        #expect(FileManager.default.fileExists(atPath: stamp), "storing a blob stamps it")
        unlink(stamp)  // a store written by an earlier mlp
        try artifacts.verify(digest: ref.digest)
        #expect(FileManager.default.fileExists(atPath: stamp))
    }

    @Test func storingTheSameBytesAgainRepairsADamagedBlob() throws {
        let ref = try artifacts.ingest(data: Data("good bytes".utf8), as: .file)
        try overwrite(ref.digest, with: "evil bytes")
        _ = try artifacts.ingest(data: Data("good bytes".utf8), as: .file)
        try artifacts.verify(digest: ref.digest)
        #expect(try String(contentsOfFile: artifacts.blobPath(ref.digest), encoding: .utf8) == "good bytes")
    }

    @Test func aRebuiltFolderWhoseFileChangedIsRebuiltAndADamagedFileBlobIsRefused() throws {
        let folder = scratch + "/model"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "{}".write(toFile: folder + "/model.json", atomically: true, encoding: .utf8)
        try "weights".write(toFile: folder + "/w.bin", atomically: true, encoding: .utf8)
        let ref = try artifacts.ingest(directory: folder)
        let tree = try artifacts.path(for: ref)
        chmod(tree + "/w.bin", 0o644)
        try "WEIGHTS".write(toFile: tree + "/w.bin", atomically: false, encoding: .utf8)
        #expect(try artifacts.path(for: ref) == tree)
        #expect(try String(contentsOfFile: tree + "/w.bin", encoding: .utf8) == "weights", "the folder was rebuilt from its blobs")
        // A damaged file blob is refused when the folder is rebuilt from it.
        try overwrite(ArtifactStore.digest(of: Data("weights".utf8)), with: "WEIGHTS")
        try FileManager.default.removeItem(atPath: tree)
        #expect(throws: ArtifactIntegrityError.self) { try artifacts.path(for: ref) }
    }

    @Test func onlyRegularFilesAreStoredOrHashed() throws {
        let target = scratch + "/target.txt"
        try "mine".write(toFile: target, atomically: true, encoding: .utf8)
        let link = scratch + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let linkError = try #require(throws: ArtifactStoreError.self) { try artifacts.ingest(file: link, as: .file) }
        #expect(linkError.reason.contains("symbolic link") && linkError.reason.contains(target))
        #expect((try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int) == 0o644, "the link's target was not made read-only")

        let fifo = scratch + "/fifo"
        #expect(mkfifo(fifo, 0o644) == 0)
        let fifoError = try #require(throws: ArtifactStoreError.self) { try artifacts.ingest(file: fifo, as: .file) }
        #expect(fifoError.reason.contains("FIFO"))
        #expect(throws: ArtifactStoreError.self) { try ArtifactStore.digest(ofFile: "/dev/zero") }
        #expect(throws: ArtifactStoreError.self) { try ArtifactStore.digest(ofFile: fifo) }
        // A code file may be a link to a regular file.
        #expect(try ArtifactStore.digest(ofFile: link).0 == ArtifactStore.digest(of: Data("mine".utf8)))
    }

    @Test func aFolderHoldingALinkOrAFIFOIsRefusedAndALinkToAFolderIsNotStoredEmpty() throws {
        let outside = scratch + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try "secret".write(toFile: outside + "/s.txt", atomically: true, encoding: .utf8)
        let linked = scratch + "/linked"
        try FileManager.default.createSymbolicLink(atPath: linked, withDestinationPath: outside)
        let error = try #require(throws: ArtifactStoreError.self) { try artifacts.ingest(directory: linked) }
        #expect(error.reason.contains("symbolic link"))

        let withLink = scratch + "/with-link/sub"
        try FileManager.default.createDirectory(atPath: withLink, withIntermediateDirectories: true)
        try "a".write(toFile: withLink + "/a.txt", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: withLink + "/b.txt", withDestinationPath: outside + "/s.txt")
        let inner = try #require(throws: ArtifactStoreError.self) { try artifacts.ingest(directory: scratch + "/with-link") }
        #expect(inner.path.hasSuffix("sub/b.txt") && inner.reason.contains("symbolic link"))
        #expect(FileManager.default.fileExists(atPath: withLink + "/a.txt"), "nothing was consumed before the whole folder was checked")

        let withFIFO = scratch + "/with-fifo"
        try FileManager.default.createDirectory(atPath: withFIFO, withIntermediateDirectories: true)
        #expect(mkfifo(withFIFO + "/pipe", 0o644) == 0)
        let fifo = try #require(throws: ArtifactStoreError.self) { try artifacts.ingest(directory: withFIFO) }
        #expect(fifo.reason.contains("FIFO"))
    }

    @Test func aHardLinkedFileIsCopiedSoTheOtherNameIsNotMadeReadOnly() throws {
        let original = scratch + "/original.txt"
        try "shared".write(toFile: original, atomically: true, encoding: .utf8)
        let output = scratch + "/output"
        #expect(link(original, output) == 0)
        let ref = try artifacts.ingest(file: output, as: .file)
        #expect((try FileManager.default.attributesOfItem(atPath: original)[.posixPermissions] as? Int) == 0o644)
        chmod(original, 0o644)
        try "edited".write(toFile: original, atomically: false, encoding: .utf8)
        try artifacts.verify(digest: ref.digest)
    }

    @Test func gcRemovesOnlyUnreferencedBlobsAndKeepsTheFilesOfReferencedFolders() throws {
        let kept = try artifacts.ingest(data: Data("kept".utf8), as: .dataset)
        let orphan = try artifacts.ingest(data: Data("orphan".utf8), as: .dataset)
        let folder = scratch + "/tree"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "inside".write(toFile: folder + "/f.txt", atomically: true, encoding: .utf8)
        let tree = try artifacts.ingest(directory: folder)
        let referenced: Set<String> = [kept.digest, tree.digest]

        let recent = try artifacts.collectGarbage(keeping: referenced, minimumAge: 3600, dryRun: false)
        #expect(recent.removed.isEmpty && recent.keptRecent.map(\.digest) == [orphan.digest], "a blob stored just now is kept")

        let dry = try artifacts.collectGarbage(keeping: referenced, minimumAge: 0, dryRun: true)
        #expect(dry.removed.map(\.digest) == [orphan.digest] && dry.removedBytes == 6 && artifacts.contains(orphan))

        let done = try artifacts.collectGarbage(keeping: referenced, minimumAge: 0, dryRun: false)
        #expect(done.removed.map(\.digest) == [orphan.digest] && done.kept == 3)
        #expect(!artifacts.contains(orphan) && artifacts.contains(kept))
        #expect(try String(contentsOfFile: try artifacts.path(for: tree) + "/f.txt", encoding: .utf8) == "inside")
    }

    @Test func modelNamesFollowOneRule() throws {
        for good in ["churn", "breast-cancer-logreg", "m.v2", "A_1", String(repeating: "a", count: ModelName.maximumLength)] {
            try ModelName.validate(good)
        }
        for bad in ["", "../x", "a/b", "..", "a..b", "x\u{1B}]0;pwned\u{07}", "line\nbreak", "a@b", "a:b", ".hidden", "-flag", "sp ace", "é",
                    String(repeating: "a", count: ModelName.maximumLength + 1)] {
            #expect(throws: InvalidModelName.self, "\(bad.debugDescription)") { try ModelName.validate(bad) }
        }
        let error = try #require(throws: InvalidModelName.self) { try ModelName.validate("x\u{1B}[2J") }
        #expect(!error.description.contains("\u{1B}") && error.description.contains(ModelName.rule))
    }

    @Test func theRegistryRefusesABadNameOrAlias() throws {
        let store = try SQLiteStore(path: scratch + "/mlp.sqlite")
        let digest = String(repeating: "a", count: 64)
        try store.commit(StateChange(artifacts: [ArtifactRecord(digest: digest, type: .model, size: 1, createdAt: 1)]))
        func register(_ name: String, aliases: [String] = []) throws {
            let version = ModelVersionRecord(name: name, digest: digest, type: .model, runID: nil, stepID: nil, createdAt: 1, createdBy: "ana", card: "{}")
            try store.commit(StateChange(registration: ModelRegistration(version: version, aliases: aliases)))
        }
        #expect(throws: InvalidModelName.self) { try register("../../etc") }
        #expect(throws: InvalidModelName.self) { try register("ok", aliases: ["bad alias"]) }
        #expect(try store.models().isEmpty, "nothing was registered")
        try register("ok", aliases: ["champion"])
        #expect(throws: InvalidModelName.self) { try store.moveAlias(name: "ok", alias: "x\ny", to: 1, by: "ana") }
        #expect(try store.referencedArtifactDigests() == [digest])
    }
}
