import Foundation
import Testing
import MLPCore
import MLPData
@testable import DataSteps

@Suite struct SplitStepTests {
    func run(_ config: [String: PortValue], data: Dataset) async throws -> (Dataset, Dataset) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-split-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/outputs", withIntermediateDirectories: true)
        try DatasetFile.write(data, to: folder + "/data")
        var full = config
        full["data"] = .artifact(ArtifactRef(digest: String(repeating: "0", count: 64), type: .dataset, size: 0))
        let request = TaskRequest(runID: "r", step: "split", index: nil, attempt: 1, projectDirectory: folder, config: full,
                                  outputsDirectory: folder + "/outputs", stdoutPath: folder + "/o", stderrPath: folder + "/e",
                                  environment: ["MLP_INPUT_DATA": folder + "/data"])
        let step = SplitStep()
        let status = try await step.wait(for: try await step.submit(request))
        guard status.phase == .succeeded else { throw DataStepError(message: status.message) }
        return (try DatasetFile.read(folder + "/outputs/train"), try DatasetFile.read(folder + "/outputs/holdout"))
    }

    let data: Dataset = {
        let ids = (0..<1000).map { Int64($0) }
        let labels = (0..<1000).map { $0 % 10 == 0 ? "rare" : "common" }
        return try! Dataset(columns: [.int("id", ids), .string("label", labels)])
    }()

    @Test func aStratifiedSplitKeepsTheBalanceAndPartitionsTheRows() async throws {
        let (train, holdout) = try await run(["target": .string("label"), "holdout_fraction": .float(0.2), "seed": .int(3)], data: data)
        #expect(train.rowCount == 800 && holdout.rowCount == 200)
        let rare = (0..<holdout.rowCount).filter { holdout["label"]?[$0]?.description == "rare" }.count
        #expect(rare == 20, "10% rare in the data, so 20 of the 200 held out")
        let ids = Set((0..<train.rowCount).map { train["id"]![$0]!.description } + (0..<holdout.rowCount).map { holdout["id"]![$0]!.description })
        #expect(ids.count == 1000)
    }

    @Test func theSameSeedGivesTheSameSplitAndAnotherSeedAnother() async throws {
        let (a, _) = try await run(["seed": .int(1)], data: data)
        let (b, _) = try await run(["seed": .int(1)], data: data)
        let (c, _) = try await run(["seed": .int(2)], data: data)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func aBadFractionIsRefused() async throws {
        await #expect(throws: DataStepError.self) { try await run(["holdout_fraction": .float(1.5)], data: data) }
    }
}
