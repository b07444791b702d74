import Foundation
import Testing
import MLPCore
import MLPEngine
import MLPTrain
@testable import MLPCLI

/// trainer/gbt as a pipeline step with the plugins the executable ships: the template's
/// breast_cancer CSV is loaded, split (seeded, stratified) and fitted, and the holdout scored.
@Suite struct GBTPipelineTests {
    @Test func csvSplitAndGBTScoreTheBreastCancerHoldout() async throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let csv = repository.appendingPathComponent("templates/tabular-classification/data/breast_cancer.csv").path
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-gbt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: csv, toPath: root + "/data/breast_cancer.csv")
        try """
            name: gbt-breast-cancer
            steps:
              load: {uses: connector/csv, with: {path: data/breast_cancer.csv}}
              split: {uses: split, with: {data: "${{ steps.load.outputs.data }}", target: target, holdout_fraction: 0.2, seed: 7}}
              train:
                uses: trainer/gbt
                with: {data: "${{ steps.split.outputs.train }}", holdout: "${{ steps.split.outputs.holdout }}", target: target, seed: 1}
            """.write(toFile: root + "/mlp.yaml", atomically: true, encoding: .utf8)
        let engine = try Engine(project: Project(root: root), registry: try makeRegistry())
        let run = try await engine.drive(runID: try engine.createRun(RunOptions()).id)
        #expect(run.status == .succeeded, "\(run.error ?? "")")

        let train = try #require(try engine.store.steps(runID: run.id).first { $0.name == "train" })
        let outputs = try JSONValue(parsing: try #require(train.outputs))
        let accuracy = try #require(outputs["metrics"]?["accuracy"]?.doubleValue)
        #expect(accuracy >= 0.93, "holdout accuracy \(accuracy)")
        #expect(outputs["metrics"]?["iterations"]?.doubleValue == 100, "455 rows: no early stopping, max_iter 100")
        let digest = try #require(outputs["model"]?["artifact"]?.stringValue)
        // The model is stored as a folder (model.json + model.safetensors) that loads by its path.
        let ref = ArtifactRef(digest: digest, type: .model, size: 0)
        #expect(engine.artifacts.isFolder(ref))
        let model = try ModelFile.load(path: try engine.artifacts.path(for: ref))
        #expect(model.format == "mlp-gbt/1" && model.encoder.featureNames.count == 30)
        guard case .classification(let classes, _) = try model.predict(FeatureMatrix(rows: 1, columns: 30, values: Array(repeating: 0, count: 30))) else {
            Issue.record("not a classifier")
            return
        }
        #expect(classes == ["0", "1"])
        let losses = try engine.store.metrics(runID: run.id).filter { $0.key == "loss" }
        #expect(losses.count == 100)
    }
}
