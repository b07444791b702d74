import Foundation
import Testing
import MLPCore
import MLPData
import MLPModels
@testable import MLPTrain

/// Damaged model artifacts: whatever bytes or card fields are changed, loading either fails with
/// a ``ModelFileError`` or gives a model that predicts without crashing.
@Suite struct ModelArtifactFuzzTests {
    /// A small gradient-boosted model (its artifact has the most offsets and indices to get wrong)
    /// and a three-layer network, written once.
    static func artifacts() async throws -> (gbt: String, mlp: String, rows: Dataset) {
        let data = try written(try tabular(rows: 200, seed: 21))
        let gbt = try temporaryPath("gbt"), mlp = try temporaryPath("mlp")
        _ = try await GBTTrainer().train(trainingRequest(["target": .string("label"), "max_iter": .int(4), "max_leaf_nodes": .int(6)], data: data, model: gbt))
        _ = try await MLPTrainer().train(trainingRequest(["target": .string("x"), "hidden": .json(.array([.number(3), .number(2)])), "max_epochs": .int(2)],
                                                         data: data, model: mlp))
        return (gbt, mlp, try tabular(rows: 20, seed: 22))
    }

    /// Loads `path` and, when that works, predicts `rows`; anything but a ``ModelFileError`` fails the test.
    static func loadsOrSaysWhy(_ path: String, _ rows: Dataset) -> Bool {
        do {
            _ = try ModelFile.load(path: path).predict(rows)
            return true
        } catch is ModelFileError {
            return false
        } catch {
            Issue.record("\(path): \(error) is not a ModelFileError")
            return false
        }
    }

    @Test func flippedTensorBytesNeverCrashTheLoaderOrThePrediction() async throws {
        let (gbt, mlp, rows) = try await Self.artifacts()
        var generator = SplitMix64(seed: 5)
        var refused = 0, trials = 0
        for folder in [gbt, mlp] {
            let path = "\(folder)/\(ModelCard.tensorFile)"
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            let dataStart = try SafetensorsFile(path: path).dataStart
            for _ in 0..<100 {
                var damaged = original
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    // Mostly the data section (indices, offsets, values), sometimes the header.
                    let inHeader = generator.next() % 4 == 0
                    let position = inHeader ? Int(generator.next() % UInt64(dataStart)) : dataStart + Int(generator.next() % UInt64(original.count - dataStart))
                    damaged[position] = UInt8(truncatingIfNeeded: generator.next())
                }
                try damaged.write(to: URL(fileURLWithPath: path))
                trials += 1
                if !Self.loadsOrSaysWhy(folder, rows) { refused += 1 }
            }
            try original.write(to: URL(fileURLWithPath: path))
            #expect(Self.loadsOrSaysWhy(folder, rows), "the undamaged artifact loads")
        }
        #expect(refused > 0 && refused < trials, "\(refused) of \(trials) damaged artifacts refused")
    }

    @Test func outlandishCardShapesAreRefusedBeforeAnythingIsAllocated() async throws {
        let (gbt, mlp, rows) = try await Self.artifacts()
        let edits: [(String, String, Any)] = [
            (gbt, "iterations", Int.max), (gbt, "iterations", -1), (gbt, "trees_per_iteration", 0), (gbt, "trees_per_iteration", Int.max),
            (mlp, "layer_sizes", [1 << 40, 1]), (mlp, "layer_sizes", [5]), (mlp, "layer_sizes", [5, 0, 1]), (mlp, "epochs", "many"),
        ]
        for (folder, key, value) in edits {
            let cardPath = "\(folder)/\(ModelCard.cardFile)"
            let original = try Data(contentsOf: URL(fileURLWithPath: cardPath))
            var card = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
            var model = try #require(card["model"] as? [String: Any])
            model[key] = value
            card["model"] = model
            try JSONSerialization.data(withJSONObject: card).write(to: URL(fileURLWithPath: cardPath))
            #expect(!Self.loadsOrSaysWhy(folder, rows), "\(key) = \(value) is refused")
            try original.write(to: URL(fileURLWithPath: cardPath))
        }
    }
}
