import Foundation
import Testing
import MLPCore
@testable import MLPStore

/// Models stored as folders (`model.json` + `model.safetensors`, as mlp's trainers write them)
/// next to models stored as one file (a script's, or an earlier mlp's).
@Suite struct ModelArtifactStoreTests {
    let root: String
    let artifacts: ArtifactStore

    init() throws {
        root = try temporaryFolder("model-artifacts")
        artifacts = try ArtifactStore(root: root + "/artifacts")
    }

    @Test func aModelFolderIsStoredAsAModelAndReadBackAsAFolderWithItsCard() throws {
        let folder = root + "/model"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try #"{"kind": "gbt", "metrics": {"accuracy": 0.5}}"#.write(toFile: folder + "/model.json", atomically: true, encoding: .utf8)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
        let ref = try artifacts.ingest(directory: folder, as: .model)
        #expect(ref.type == .model && ref.size == 3 + 45)
        #expect(artifacts.isFolder(ref))
        let path = try artifacts.path(for: ref)
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).sorted() == ["model.json", "model.safetensors"])
        let card = try #require(try artifacts.modelCard(of: ref))
        #expect(card["kind"] == .string("gbt") && card["metrics"]?["accuracy"] == .number(0.5))
    }

    @Test func aModelFileIsNotMistakenForAFolderAndHasNoCard() throws {
        for text in [#"{"format": "mlp-mlp/1"}"#, #"{"entries":[], "kind": "something else"}"#, #"{"entries":["#] {
            let source = root + "/model-\(UUID().uuidString)"
            try text.write(toFile: source, atomically: true, encoding: .utf8)
            let ref = try artifacts.ingest(file: source, as: .model)
            #expect(!artifacts.isFolder(ref), "\(text)")
            #expect(try artifacts.path(for: ref) == artifacts.blobPath(ref.digest))
            #expect(try artifacts.modelCard(of: ref) == nil)
        }
    }

    @Test func aCardThatIsNotJSONIsAnErrorNamingTheFile() throws {
        let folder = root + "/broken"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "{not json".write(toFile: folder + "/model.json", atomically: true, encoding: .utf8)
        let ref = try artifacts.ingest(directory: folder, as: .model)
        let error = try #require(throws: ArtifactStoreError.self) { try artifacts.modelCard(of: ref) }
        #expect(error.path.hasSuffix("/model.json") && error.reason.contains("the model card is not JSON"))
    }
}
