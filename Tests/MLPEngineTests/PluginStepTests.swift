import Foundation
import Testing
import MLPCore
import MLPStore
@testable import MLPEngine

/// Test doubles for the engine's side of the DataConnector and Trainer protocols; the real
/// connectors and trainers are tested in their own modules.
struct LineConnector: DataConnector {
    var descriptor: StepKindDescriptor {
        StepKindDescriptor(uses: "connector/lines", version: "1", summary: "copies a text file",
                           inputs: [.init("path", [.string], required: true)], outputs: ["data": .dataset, "rows": .int])
    }

    func read(_ request: ConnectorRequest) async throws -> ConnectorResult {
        guard case .string(let path) = request.config["path"] else { throw ResolutionError(message: "no path") }
        let text = try String(contentsOfFile: "\(request.projectDirectory)/\(path)", encoding: .utf8)
        try text.write(toFile: request.destination, atomically: true, encoding: .utf8)
        return ConnectorResult(rows: text.split(separator: "\n").count)
    }
}

struct MeanTrainer: Trainer {
    var descriptor: StepKindDescriptor {
        StepKindDescriptor(uses: "trainer/mean", version: "1", summary: "the mean of numbers, one per line",
                           inputs: [.init("data", [.dataset], required: true), .init("delay", [.float]), .init("seed", [.int])],
                           outputs: ["model": .model, "metrics": .metrics])
    }

    func train(_ request: TrainingRequest) async throws -> TrainingResult {
        if case .float(let delay) = request.config["delay"] { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
        let numbers = try String(contentsOfFile: request.inputPaths["data"]!, encoding: .utf8).split(separator: "\n").compactMap { Double($0) }
        var running = 0.0
        for (index, number) in numbers.enumerated() {
            running += number
            request.logMetric("running_mean", running / Double(index + 1), index)
        }
        let mean = running / Double(max(1, numbers.count))
        try "{\"mean\": \(mean), \"seed\": \(request.seed)}".write(toFile: request.modelDestination, atomically: true, encoding: .utf8)
        return TrainingResult(metrics: ["mean": mean])
    }
}

extension Sandbox {
    /// A sandbox with `numbers.txt` and the `connector/lines` and `trainer/mean` doubles registered.
    static func withPluginDoubles(_ pipeline: String) throws -> Sandbox {
        let sandbox = try Sandbox(pipeline, files: ["numbers.txt": "1\n2\n3\n6\n"])
        try sandbox.engine.registry.register(connector: LineConnector(), as: "lines")
        try sandbox.engine.registry.register(trainer: MeanTrainer(), as: "mean")
        return sandbox
    }
}

@Suite struct PluginStepTests {
    func sandbox(_ pipeline: String) throws -> Sandbox { try .withPluginDoubles(pipeline) }

    let pipeline = """
        name: plugins
        steps:
          load: {uses: connector/lines, with: {path: numbers.txt}}
          fit: {uses: trainer/mean, with: {data: "${{ steps.load.outputs.data }}", seed: 7}}
          gate: {uses: approval, with: {show: "${{ steps.fit.outputs.metrics }}", auto_approve_if: "mean > 2"}}
        """

    @Test func connectorsAndTrainersRunAsStepsWithTheirOutputsAndMetrics() async throws {
        let sandbox = try sandbox(pipeline)
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .succeeded, "\(run.error ?? "")")
        #expect(sandbox.outputs(steps["load"])["rows"] == .number(4))
        #expect(sandbox.outputs(steps["fit"])["metrics"] == .object(["mean": .number(3)]))
        let model = try #require(sandbox.outputs(steps["fit"])["model"]?["artifact"]?.stringValue)
        #expect(try String(contentsOfFile: sandbox.engine.artifacts.blobPath(model), encoding: .utf8) == "{\"mean\": 3.0, \"seed\": 7}")
        let metrics = try sandbox.engine.store.metrics(runID: run.id)
        #expect(metrics.filter { $0.key == "running_mean" }.map(\.iteration) == [0, 1, 2, 3])
        #expect(metrics.contains { $0.key == "mean" && $0.iteration == nil && $0.value == 3 })
        // Lineage: the dataset was produced by load and consumed by fit.
        let data = try #require(sandbox.outputs(steps["load"])["data"]?["artifact"]?.stringValue)
        let edges = try sandbox.engine.store.lineage(digest: data)
        #expect(Set(edges.map { "\($0.direction.rawValue) \($0.step)" }) == ["produced load", "consumed fit"])
    }

    @Test func theSourceFilesContentIsPartOfTheCacheKey() async throws {
        let sandbox = try sandbox(pipeline)
        try await sandbox.run()
        let (_, again) = try await sandbox.run()
        #expect(again["load"]?.status == .cached && again["fit"]?.status == .cached)
        try sandbox.write("numbers.txt", "10\n20\n")
        let (_, edited) = try await sandbox.run()
        #expect(edited["load"]?.status == .succeeded && edited["fit"]?.status == .succeeded)
        #expect(sandbox.outputs(edited["fit"])["metrics"] == .object(["mean": .number(15)]))
    }

    @Test func aTrainerPastItsTimeoutFails() async throws {
        let sandbox = try sandbox("""
            name: slow
            steps:
              load: {uses: connector/lines, with: {path: numbers.txt}}
              fit: {uses: trainer/mean, timeout: 200ms, with: {data: "${{ steps.load.outputs.data }}", delay: 120.0}}
            """)
        let started = ContinuousClock.now
        let (run, steps) = try await sandbox.run()
        // Far less than the trainer's 120 s delay (not tighter: a loaded 2-core machine is slow).
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(run.status == .failed)
        #expect(steps["fit"]?.error == "timed out after 200ms")
    }

    @Test func aRegisterStepRecordsAVersionWithItsLineageAndMovesItsAlias() async throws {
        let sandbox = try sandbox("""
            name: reg
            steps:
              load: {uses: connector/lines, with: {path: numbers.txt}}
              fit: {uses: trainer/mean, with: {data: "${{ steps.load.outputs.data }}"}}
              register:
                uses: register
                with: {model: "${{ steps.fit.outputs.model }}", name: churn, metrics: "${{ steps.fit.outputs.metrics }}", alias: challenger, card: {owner: ana}}
            """)
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .succeeded, "\(run.error ?? "")")
        #expect(sandbox.outputs(steps["register"]) == .object(["version": .number(1), "reference": .string("churn:1")]))
        let version = try sandbox.engine.store.resolveModel("churn@challenger")
        let card = try JSONValue(parsing: version.card)
        let data = try #require(sandbox.outputs(steps["load"])["data"]?["artifact"]?.stringValue)
        #expect(card["data"] == .array([.string(data)]), "the card names the dataset upstream of the model")
        #expect(card["metrics"] == .object(["mean": .number(3)]))
        #expect(card["owner"] == .string("ana"))
        #expect(card["run"] == .string(run.id))
        // A rerun reuses everything cached, and registering the same model again is the same version.
        let (_, again) = try await sandbox.run()
        #expect(again["register"]?.status == .succeeded)
        #expect(try sandbox.engine.store.modelVersions(name: "churn").count == 1)
    }
}
