import Foundation
import Testing
@testable import MLPServe

@Suite struct ModelEndpointLoaderTests {
    @Test func theModelKindComesFromWhatThePathHolds() async throws {
        let metrics = ServeMetrics()
        let tabular = try ModelEndpointLoader.load(name: "t", version: "3", path: try await trainedTabularModel(), batching: .unbatched, metrics: metrics)
        #expect(tabular.metadata.platform == "mlp-tabular" && tabular.version == "3")

        // A folder without a BERT's config.json and vocab.txt (a tabular model artifact folder) goes
        // to the tabular loader, not to the sentence-embedding one.
        let folder = try temporaryPath("artifact")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(!ModelEndpointLoader.isSentenceEmbeddingFolder(folder))
        let notBERT = try #require(throws: ModelServingError.self) {
            try ModelEndpointLoader.load(name: "f", version: "1", path: folder, batching: .unbatched, metrics: metrics)
        }
        #expect(notBERT.message.hasPrefix("model 'f'") && !notBERT.message.contains("config.json"))
        for file in ["config.json", "vocab.txt"] { FileManager.default.createFile(atPath: "\(folder)/\(file)", contents: Data()) }
        #expect(ModelEndpointLoader.isSentenceEmbeddingFolder(folder))

        let missing = try #require(throws: ModelServingError.self) {
            try ModelEndpointLoader.load(name: "m", version: "1", path: "/nonexistent/model", batching: .unbatched, metrics: metrics)
        }
        #expect(missing.message == "model 'm': /nonexistent/model does not exist")
    }
}
