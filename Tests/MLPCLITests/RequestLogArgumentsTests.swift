import Foundation
import Testing
import MLPCore
import MLPData
import MLPEngine
import MLPServe
import MLPStore
import MLPTrain
@testable import MLPCLI

/// `mlp serve --log-requests`' wiring: each sealed segment becomes a dataset artifact recorded as
/// a request log of the deployment, and the oldest are pruned (records and files) to --log-max-mb.
@Suite struct RequestLogArgumentsTests {
    @Test func sealedSegmentsBecomeDatasetArtifactsPrunedToTheBudget() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-request-log-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var state: UInt64 = 3
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let xs = (0..<200).map { _ in uniform() * 4 - 2 }, ys = (0..<200).map { _ in uniform() * 2 - 1 }
        let labels = zip(xs, ys).map { $0 + $1 > 0 ? "yes" : "no" }
        try DatasetFile.write(try Dataset(columns: [.float("x", xs), .float("y", ys), .string("churned", labels)]), to: root + "/data.mlpds")
        _ = try await LogisticTrainer().train(TrainingRequest(config: ["target": .string("churned")], inputPaths: ["data": root + "/data.mlpds"],
                                                              modelDestination: root + "/model.json", seed: 0, logMetric: { _, _, _ in }))
        var models = ModelRepository()
        try models.add(ModelEndpointLoader.load(name: "churn", version: "3", path: root + "/model.json", batching: .unbatched, metrics: ServeMetrics()))

        let arguments = try RequestLogArguments.parse(["--log-requests", "--log-segment-rows", "3000", "--log-max-mb", "1"])
        let logs = try #require(try arguments.make(models: models, metrics: ServeMetrics(), project: try ProjectOptions.parse(["--project", root])))
        let log = try #require(logs.logs["churn"])
        let rows = (0..<100).map { [xs[$0], ys[$0]] }
        let request = InferenceRequest(inputs: [.init(name: "features", shape: [100, 2], datatype: .fp64, data: .numbers(rows.flatMap { $0 }))])
        let response = try await models.endpoint("churn", version: nil).infer(request)
        // Six segments of 3,000 rows (about 0.3 MiB each): more than the 1 MiB the deployment may keep.
        for index in 1...180 {
            log.record(request: request, response: response, version: "3")
            if index % 30 == 0 { await log.flush() }
        }

        let project = Project(root: root)
        let store = try project.openStore(), artifacts = try project.openArtifacts()
        let kept = try store.requestLogs(deployment: "churn")
        let sizes = try kept.map { try store.findArtifact($0.digest).size }
        // The newest segments that fit in 1 MiB are kept: one more of their size would not fit.
        #expect(kept.count >= 2 && kept.count < 6 && kept.allSatisfy { $0.rows == 3000 }, "\(sizes)")
        #expect(sizes.reduce(0, +) <= 1 << 20 && sizes.reduce(0, +) + sizes.min()! > 1 << 20, "\(sizes)")
        #expect(zip(kept, kept.dropFirst()).allSatisfy { $0.firstAt <= $0.lastAt && $0.lastAt <= $1.firstAt })
        // The pruned segments' files are gone, the kept ones are there, and the spool is empty.
        let blobs = try FileManager.default.subpathsOfDirectory(atPath: artifacts.root + "/sha256").filter { $0.count > 64 }
        #expect(Set(blobs.map { String($0.suffix(64)) }) == Set(kept.map(\.digest)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.stateDirectory + "/request-log-spool/churn").isEmpty)
        let segment = try CSVReader.read(path: artifacts.blobPath(kept.last!.digest))
        #expect(segment.columnNames == ["time", "version", "x", "y", "label", "probability_no", "probability_yes"] && segment.rowCount == 3000)
    }

    @Test func logOptionsNeedLogRequestsAndSaneValues() throws {
        #expect(try RequestLogArguments.parse([]).enabled == false)
        let defaults = try RequestLogArguments.parse(["--log-requests"])
        #expect(defaults.sampleRate == 1 && defaults.segmentRows == 10_000 && defaults.maxMegabytes == 256)
        for arguments in [["--log-sample", "0.5"], ["--log-requests", "--log-sample", "1.5"], ["--log-requests", "--log-segment-rows", "0"],
                          ["--log-requests", "--log-max-mb", "0"]] {
            #expect(throws: (any Error).self, "\(arguments)") { try RequestLogArguments.parse(arguments) }
        }
        #expect(try RequestLogArguments.parse([]).make(models: ModelRepository(), metrics: ServeMetrics(), project: ProjectOptions.parse([])) == nil)
    }
}
