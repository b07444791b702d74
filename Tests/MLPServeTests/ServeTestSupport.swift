import Foundation
import MLPCore
import MLPData
import MLPServe
import MLPTrain

/// A fresh temporary folder's path for a file named `name`.
func temporaryPath(_ name: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-serve-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return "\(folder)/\(name)"
}

/// Generated rows: two numeric features; the class (`low`, `mid`, `high`) follows x + 2y.
func threeClassData(rows: Int, seed: UInt64) throws -> Dataset {
    var state = seed
    func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    var xs: [Double?] = [], ys: [Double?] = [], labels: [String?] = []
    for _ in 0..<rows {
        let x = uniform() * 4 - 2, y = uniform() * 2 - 1
        let score = x + 2 * y + (uniform() - 0.5) * 0.3
        xs.append(x); ys.append(y); labels.append(score < -1 ? "low" : score < 1 ? "mid" : "high")
    }
    return try Dataset(columns: [.float("x", xs), .float("y", ys), .string("label", labels)])
}

/// A logistic model trained by `trainer/logistic` on generated data, written to a temporary file.
func trainedTabularModel() async throws -> String {
    let data = try temporaryPath("data.mlpds"), model = try temporaryPath("model.json")
    try DatasetFile.write(try threeClassData(rows: 300, seed: 7), to: data)
    _ = try await LogisticTrainer().train(TrainingRequest(config: ["target": .string("label")], inputPaths: ["data": data],
                                                          modelDestination: model, seed: 0, logMetric: { _, _, _ in }))
    return model
}

/// The all-MiniLM-L6-v2 folder: `MLP_MINILM_DIR`, else where scripts/fetch-model.sh puts it; nil
/// when neither has the files.
func miniLMFolder() -> String? {
    var candidates: [String] = []
    if let path = ProcessInfo.processInfo.environment["MLP_MINILM_DIR"], !path.isEmpty { candidates.append(path) }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(root.appendingPathComponent(".cache/models/all-MiniLM-L6-v2").path)
    return candidates.first { FileManager.default.fileExists(atPath: "\($0)/model.safetensors") }
}

/// Rows of the `[batch, 2]` feature tensor, as a request.
func featuresRequest(_ rows: [[Double]], datatype: TensorDatatype = .fp64) -> InferenceRequest {
    InferenceRequest(inputs: [.init(name: "features", shape: [rows.count, 2], datatype: datatype, data: .numbers(rows.flatMap { $0 }))])
}
