import Foundation
import Testing
import MLPCore
import MLPData
import MLPModels
@testable import MLPTrain

/// Every stored number as its bit pattern, so that "the same prediction" means the same bits.
private func bits(_ prediction: Prediction) -> [UInt64] {
    switch prediction {
    case .classification(_, let probabilities): return probabilities.joined().map(\.bitPattern)
    case .regression(let values): return values.map(\.bitPattern)
    }
}

/// The labels of a classification, the empty list for a regression.
private func classes(_ prediction: Prediction) -> [String] {
    if case .classification(let classes, _) = prediction { return classes }
    return []
}

/// One of each model kind, fitted in memory on `data` (a `label` class and a numeric `x` target).
private func fittedModels(_ data: Dataset) throws -> [String: any StoredModel] {
    let encoder = try FeatureEncoder(fitting: data, excluding: ["label"])
    let x = try encoder.encode(data)
    let (labels, names) = try LogisticTrainer.labels(data, target: "label")
    var models: [String: any StoredModel] = [:]
    models["softmax-regression"] = ClassifierFile(target: "label", classes: names, encoder: encoder,
                                                  model: try SoftmaxRegression.fit(x, labels: labels, classes: names.count, optimizer: LBFGS(maxIterations: 30)))
    let regressionEncoder = try FeatureEncoder(fitting: data, excluding: ["label", "x"])
    let rx = try regressionEncoder.encode(data)
    let xs = try TrainingTarget.values(data, target: "x")
    models["linear-regression"] = LinearRegressionFile(target: "x", encoder: regressionEncoder, model: try LinearRegression.fit(rx, y: xs, l2: 0.1))
    var settings = NeuralNetworkSettings()
    settings.hidden = [6, 5]
    settings.maxEpochs = 4
    models["mlp"] = NeuralNetworkFile(target: "label", classes: names, encoder: encoder,
                                      network: try NeuralNetwork.fit(x, targets: .classes(labels, count: names.count), settings: settings))
    models["mlp-regressor"] = NeuralNetworkFile(target: "x", classes: [], encoder: regressionEncoder,
                                                network: try NeuralNetwork.fit(rx, targets: .values(xs), settings: settings))
    for (name, classification) in [("gbt", true), ("gbt-regressor", false)] {
        let treeEncoder = try FeatureEncoder(fittingAllowingMissing: data, excluding: classification ? ["label"] : ["label", "x"])
        var gbt = GBTSettings()
        gbt.maxIterations = 5
        let targets = classification ? labels.map(Double.init) : xs
        let boosted = try GradientBoosting.fit(try treeEncoder.encodeColumns(data), targets: targets,
                                               objective: classification ? .binaryLogLoss : .squaredError, settings: gbt)
        models[name] = GBTModelFile(model: GBTModel(task: classification ? .classification : .regression, target: classification ? "label" : "x",
                                                    classes: classification ? names : [], encoder: treeEncoder, binThresholds: boosted.binning.thresholds,
                                                    baseline: boosted.baseline, treesPerIteration: boosted.treesPerIteration,
                                                    iterations: boosted.iterations, trees: boosted.trees, settings: gbt))
    }
    return models
}

/// Rewrites the card of the artifact at `folder` through `change`.
private func editCard(_ folder: String, _ change: (inout [String: Any]) -> Void) throws {
    let path = "\(folder)/\(ModelCard.cardFile)"
    var card = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    change(&card)
    try JSONSerialization.data(withJSONObject: card).write(to: URL(fileURLWithPath: path))
}

/// A linear model artifact at a fresh path.
private func linearArtifact() throws -> String {
    let path = try temporaryPath("model")
    let encoder = try FeatureEncoder(fitting: Dataset(columns: [.float("a", [0, 1]), .string("c", ["p", "q"])]))
    try ModelFile.write(LinearRegressionFile(target: "y", encoder: encoder, model: LinearRegression(coefficients: [1, 2, 3], intercept: 0.5, l2: 0, aliased: [])), to: path)
    return path
}

/// The message a load of `path` fails with.
private func loadFailure(_ path: String) throws -> String {
    try #require(throws: ModelFileError.self) { try ModelFile.load(path: path) }.description
}

@Suite struct ModelFileTests {
    @Test func everyModelKindRoundTripsWithBitIdenticalPredictions() throws {
        let data = try tabular(rows: 400, seed: 11), rows = try tabular(rows: 150, seed: 12)
        let models = try fittedModels(data)
        #expect(Set(models.values.map { type(of: $0).kind }) == Set(ModelFile.kinds))
        for (name, model) in models.sorted(by: { $0.key < $1.key }) {
            let path = try temporaryPath("model")
            try ModelFile.write(model, to: path)
            #expect(try FileManager.default.contentsOfDirectory(atPath: path).sorted() == [ModelCard.cardFile, ModelCard.tensorFile], "\(name)")
            let loaded = try ModelFile.load(path: path)
            let before = try model.predict(rows), after = try loaded.predict(rows)
            #expect(bits(before) == bits(after), "\(name): predictions after reload equal before, bit for bit")
            #expect(classes(before) == classes(after), "\(name)")
            #expect(loaded.format == model.format && loaded.task == model.task && loaded.target == model.target && loaded.encoder == model.encoder, "\(name)")
            // The encoded-matrix entry point agrees too (trees take NaN for an empty cell).
            let matrix = name.hasPrefix("gbt") ? try model.encoder.encodeAllowingMissing(rows) : try model.encoder.encode(rows)
            #expect(bits(try model.predict(matrix)) == bits(try loaded.predict(matrix)), "\(name)")
            // The card says what the model is and names exactly the tensors in the file.
            let card = try ModelCard.load(path: path)
            #expect(card.format == "mlp-model/1" && card.kind == type(of: model).kind && card.target == model.target, "\(name)")
            #expect(card.features.encoded == model.encoder.featureNames, "\(name)")
            let file = try SafetensorsFile(path: "\(path)/\(ModelCard.tensorFile)")
            #expect(Set(file.entries.map(\.name)) == Set(card.tensors.keys), "\(name)")
            // Writing what was loaded gives the same bytes: the format is a fixed point.
            let again = try temporaryPath("model")
            let reloaded = try #require(loaded as? any StoredModel)
            try ModelFile.write(reloaded, to: again)
            #expect(try bytes(again) == bytes(path), "\(name)")
        }
    }

    @Test func everyBuiltInTrainersArtifactLoadsAndPredictsLikeTheTrainerScored() async throws {
        let data = try written(try tabular(rows: 300, seed: 1)), holdout = try written(try tabular(rows: 100, seed: 2), "holdout")
        let trainers: [(any Trainer, [String: PortValue])] = [
            (LogisticTrainer(), ["target": .string("label")]),
            (MLPTrainer(), ["target": .string("label"), "hidden": .json(.array([.number(4)])), "max_epochs": .int(3)]),
            (GBTTrainer(), ["target": .string("label"), "max_iter": .int(5)]),
            (LinearTrainer(), ["target": .string("x")]),
        ]
        for (trainer, config) in trainers {
            let path = try temporaryPath("model")
            let scored = try await trainer.train(trainingRequest(config, data: data, holdout: holdout, model: path, seed: 3))
            let model = try ModelFile.load(path: path)
            let metrics = try ModelScoring.metrics(of: model, on: try DatasetLoading.load(holdout))
            let keys = model.task == .classification ? ["accuracy", "auc", "log_loss"] : ["rmse", "r2"]
            for key in keys { #expect(metrics[key] == scored.metrics[key], "\(trainer.descriptor.uses) \(key)") }
            let card = try ModelCard.load(path: path)
            #expect(card.trainer?.name == trainer.descriptor.uses && card.trainer?.seed == 3)
            #expect(card.trainer?.params["target"] == config["target"]?.json)
            for key in keys { #expect(card.metrics[key] == scored.metrics[key], "the card keeps \(key)") }
            #expect(scored.metrics["fit_seconds"] != nil && card.metrics["fit_seconds"] == nil, "times stay out of the card")
        }
    }

    @Test func theCardDescribesFeaturesPreprocessingAndTensors() throws {
        let path = try linearArtifact()
        let card = try ModelCard.load(path: path)
        #expect(card.features.columns == [.init(name: "a", type: "numeric", categories: nil), .init(name: "c", type: "categorical", categories: ["p", "q"])])
        #expect(card.features.encoded == ["a", "c=p", "c=q"] && card.features.missing == "reject" && card.features.unknownCategory == "all-zeros")
        #expect(card.tensors == ["coefficient": .init(dtype: "F64", shape: [3]), "intercept": .init(dtype: "F64", shape: [1])])
        #expect(card.preprocessing == ModelCard.Preprocessing() && card.trainer == nil && card.classes.isEmpty)
        let text = try String(contentsOfFile: "\(path)/\(ModelCard.cardFile)", encoding: .utf8)
        #expect(text.contains(#""unknown_category" : "all-zeros""#) && text.contains(#""model" : {"#))
    }

    @Test func aTruncatedOrCorruptTensorFileSaysSo() throws {
        let path = try linearArtifact()
        let tensors = "\(path)/\(ModelCard.tensorFile)"
        let whole = try Data(contentsOf: URL(fileURLWithPath: tensors))
        for length in [0, 5, 12, whole.count - 1] {
            try whole.prefix(length).write(to: URL(fileURLWithPath: tensors))
            let message = try loadFailure(path)
            #expect(message.contains("has a damaged model.safetensors") && message.contains("retrain the model or restore the artifact"), "\(length): \(message)")
        }
        var corrupt = whole
        let header = try #require(corrupt.range(of: Data(#""F64""#.utf8)))
        corrupt.replaceSubrange(header, with: Data(#""X64""#.utf8))
        try corrupt.write(to: URL(fileURLWithPath: tensors))
        #expect(try loadFailure(path).contains("has dtype 'X64', which safetensors does not define"))
        try FileManager.default.removeItem(atPath: tensors)
        #expect(try loadFailure(path).contains("has model.json but no model.safetensors; the artifact is incomplete"))
    }

    @Test func aCardThatDisagreesWithItsTensorsSaysWhich() throws {
        var path = try linearArtifact()
        try editCard(path) { card in
            var tensors = card["tensors"] as! [String: Any]
            tensors["intercept"] = nil
            card["tensors"] = tensors
        }
        #expect(try loadFailure(path) == "model file \(path) is inconsistent: model.safetensors holds tensor 'intercept', which model.json does not list")

        path = try linearArtifact()
        try editCard(path) { card in
            var tensors = card["tensors"] as! [String: Any]
            tensors["slope"] = ["dtype": "F64", "shape": [3]]
            card["tensors"] = tensors
        }
        #expect(try loadFailure(path).contains("is incomplete: model.json lists tensor 'slope' but model.safetensors has no such tensor"))

        path = try linearArtifact()
        try editCard(path) { card in
            var tensors = card["tensors"] as! [String: Any]
            tensors["coefficient"] = ["dtype": "F32", "shape": [3]]
            card["tensors"] = tensors
        }
        #expect(try loadFailure(path).contains("tensor 'coefficient' is F64 [3] in model.safetensors but F32 [3] in model.json"))

        // A card whose feature schema wants more coefficients than the file holds.
        path = try linearArtifact()
        try editCard(path) { card in
            card["features"] = ["columns": [["name": "a", "type": "numeric"], ["name": "c", "type": "categorical", "categories": ["p", "q", "r"]]],
                                "encoded": ["a", "c=p", "c=q", "c=r"], "missing": "reject", "unknown_category": "all-zeros"]
        }
        #expect(try loadFailure(path).contains("tensor 'coefficient' has 3 elements (shape [3]), a linear-regression model of this shape needs 4"))

        path = try linearArtifact()
        try editCard(path) { card in
            card["features"] = ["columns": [["name": "a", "type": "numeric"], ["name": "c", "type": "categorical", "categories": ["p", "p"]]],
                                "encoded": ["a", "c=p", "c=p"], "missing": "reject", "unknown_category": "all-zeros"]
        }
        #expect(try loadFailure(path).contains("column 'c' lists a category twice"))
    }

    @Test func foldersAndCardsThatAreNotModelsSayWhy() throws {
        var path = try linearArtifact()
        try editCard(path) { $0["kind"] = "xgboost" }
        #expect(try loadFailure(path) == "model file \(path) has model kind 'xgboost', which this mlp cannot read (known: gbt, linear-regression, mlp, softmax-regression)")
        try editCard(path) { $0["format"] = "mlp-model/9" }
        #expect(try loadFailure(path).contains("has format 'mlp-model/9'; this mlp reads mlp-model/1"))
        try editCard(path) { $0["features"] = nil }
        #expect(try loadFailure(path).contains("model.json is not a model card: missing 'features'"))
        path = try linearArtifact()
        try editCard(path) { $0["model"] = nil }
        #expect(try loadFailure(path).contains("has a model.json that is not a valid 'linear-regression' card: missing 'model'"))
        path = try linearArtifact()
        try editCard(path) { $0["task"] = "classification" }
        #expect(try loadFailure(path).contains("is inconsistent: the card says classification but a linear-regression model of these tensors does regression"))
        try FileManager.default.removeItem(atPath: "\(path)/\(ModelCard.cardFile)")
        #expect(try loadFailure(path) == "model file \(path) is a folder without model.json, so not an mlp model artifact")
        // The card's own path loads the folder.
        path = try linearArtifact()
        #expect(try ModelFile.load(path: "\(path)/\(ModelCard.cardFile)").format == "mlp-linear-regression/1")
    }

    @Test func legacyJSONFilesStillLoadAndBadOnesSayWhy() throws {
        let encoder = try FeatureEncoder(fitting: Dataset(columns: [.float("a", [0, 1]), .float("b", [1, 2])]))
        var file = LinearRegressionFile(target: "y", encoder: encoder, model: LinearRegression(coefficients: [1, 2], intercept: 0, l2: 0, aliased: []))
        let legacy = try temporaryPath("model")
        try JSONEncoder().encode(file).write(to: URL(fileURLWithPath: legacy))
        let loaded = try #require(try ModelFile.load(path: legacy) as? LinearRegressionFile)
        #expect(loaded.model == file.model && loaded.format == "mlp-linear-regression/1")
        file.model.coefficients = [1]
        let short = try #require(throws: ModelFileError.self) { try ModelFile.load(try JSONEncoder().encode(file), source: "m.json") }
        #expect(short.description == "model file m.json is inconsistent: 1 coefficients for 2 features")

        let notJSON = try #require(throws: ModelFileError.self) { try ModelFile.load(Data("PK\u{3}\u{4}".utf8), source: "m.bin") }
        #expect(notJSON.description.hasPrefix("model file m.bin is not an mlp model (expected a folder with model.json and model.safetensors"))
        let unknown = try #require(throws: ModelFileError.self) { try ModelFile.load(Data(#"{"format": "xgboost/2"}"#.utf8), source: "m.json") }
        #expect(unknown.description.hasPrefix("model file m.json has format 'xgboost/2', which this mlp cannot read (known: mlp-gbt/1, mlp-linear-regression/1"))
        let incomplete = try #require(throws: ModelFileError.self) { try ModelFile.load(Data(#"{"format": "mlp-mlp/1", "target": "y"}"#.utf8), source: "m.json") }
        #expect(incomplete.description.hasPrefix("model file m.json is not a valid 'mlp-mlp/1' file: missing"))
        let missing = try #require(throws: ModelFileError.self) { try ModelFile.load(path: "/nonexistent/model") }
        #expect(missing.description == "model file /nonexistent/model no such file")
    }

    @Test func writesAreAtomicReplaceWhatWasThereAndLeaveNoTemporaryFiles() throws {
        let path = try linearArtifact()
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["model"])
        let encoder = try FeatureEncoder(fitting: Dataset(columns: [.float("a", [0, 1])]))
        try ModelFile.write(LinearRegressionFile(target: "z", encoder: encoder, model: LinearRegression(coefficients: [4], intercept: 0, l2: 0, aliased: [])), to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["model"])
        #expect(try ModelFile.load(path: path).target == "z")
        // An inconsistent model is refused before anything is written.
        let bad = LinearRegressionFile(target: "y", encoder: encoder, model: LinearRegression(coefficients: [1, 2], intercept: 0, l2: 0, aliased: []))
        let refused = try #require(throws: ModelFileError.self) { try ModelFile.write(bad, to: path) }
        #expect(refused.description.contains("cannot be written: the model is inconsistent: 2 coefficients for 1 features"))
        #expect(try ModelFile.load(path: path).target == "z" && FileManager.default.contentsOfDirectory(atPath: folder) == ["model"])
    }
}
