import Foundation
import Testing
@testable import MLPServe

@Suite struct DynamicBatcherTests {
    /// 64 single-row requests sent at once.
    static let rows: [[Double]] = (0..<64).map { (index: Int) -> [Double] in
        let x: Double = Double(index % 17) / 4 - 2
        let y: Double = Double(index % 5) / 2 - 1
        return [x, y]
    }

    static func answers(_ endpoint: BatchedModelEndpoint<TabularServedModel>) async throws -> [InferenceResponse] {
        try await withThrowingTaskGroup(of: (Int, InferenceResponse).self) { group in
            for (index, row) in rows.enumerated() {
                group.addTask { (index, try await endpoint.infer(featuresRequest([row]))) }
            }
            var answers = [InferenceResponse?](repeating: nil, count: rows.count)
            for try await (index, answer) in group { answers[index] = answer }
            return answers.map { $0! }
        }
    }

    @Test func concurrentRequestsShareForwardPassesAndGetTheUnbatchedAnswers() async throws {
        let model = try TabularServedModel(path: try await trainedTabularModel())
        // A delay no test waits out: a pass starts only when 16 rows are queued, so however late
        // the requests arrive on a loaded machine, the 64 of them fill exactly 4 passes.
        let batched = BatchedModelEndpoint(name: "m", version: "1", model: model, batching: BatchingOptions(maxBatchSize: 16, maxDelay: .seconds(60)))
        let unbatched = BatchedModelEndpoint(name: "m", version: "1", model: model, batching: .unbatched)

        let merged = try await Self.answers(batched)
        let alone = try await Self.answers(unbatched)
        #expect(merged.map(\.outputs) == alone.map(\.outputs))

        let mergedPasses = await batched.batcher.forwardPasses, alonePasses = await unbatched.batcher.forwardPasses
        #expect(alonePasses == 64)
        #expect(mergedPasses == 4, "\(mergedPasses) forward passes for 64 concurrent one-row requests at 16 rows a pass")
        #expect(await batched.batcher.rowsRun == 64)
    }

    @Test func aFullBatchRunsWithoutWaitingForTheDelay() async throws {
        let model = try TabularServedModel(path: try await trainedTabularModel())
        let endpoint = BatchedModelEndpoint(name: "m", version: "1", model: model, batching: BatchingOptions(maxBatchSize: 4, maxDelay: .seconds(120)))
        let started = ContinuousClock.now
        // One request of 4 rows fills a batch; a request bigger than the batch runs on its own.
        _ = try await endpoint.infer(featuresRequest(Array(Self.rows.prefix(4))))
        _ = try await endpoint.infer(featuresRequest(Array(Self.rows.prefix(9))))
        // Well under the 120 s delay; not tighter, since the whole test suite shares 2 cores.
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(await endpoint.batcher.forwardPasses == 2)
    }

    @Test func aLoneRequestWaitsAtMostTheDelay() async throws {
        let model = try TabularServedModel(path: try await trainedTabularModel())
        let endpoint = BatchedModelEndpoint(name: "m", version: "1", model: model, batching: BatchingOptions(maxBatchSize: 64, maxDelay: .milliseconds(50)))
        let started = ContinuousClock.now
        let answer = try await endpoint.infer(featuresRequest([Self.rows[0]]))
        let waited = ContinuousClock.now - started
        #expect(answer.outputs[0].shape == [1])
        // At least the delay; the upper bound only says it was not left waiting (the suite shares 2 cores).
        #expect(waited >= .milliseconds(50) && waited < .seconds(20), "\(waited)")
    }

    @Test func aFailingForwardPassFailsEveryRequestInItsBatch() async throws {
        struct Failing: BatchableModel {
            struct Broken: Error {}
            var platform: String { "test" }
            var inputs: [TensorMetadata] { [] }
            var outputs: [TensorMetadata] { [] }
            func rows(from request: InferenceRequest) throws -> [Int] { [1] }
            func forward(_ rows: [Int]) throws -> [Int] { throw Broken() }
            func outputTensors(for results: [Int]) throws -> [InferenceResponse.OutputTensor] { [] }
        }
        // Three one-row requests fill a batch of 3, so they share one pass however late the third
        // arrives (a short delay let a slow third request miss the pass on a loaded 2-core machine).
        let batcher = DynamicBatcher(model: Failing(), options: BatchingOptions(maxBatchSize: 3, maxDelay: .seconds(60)))
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<3 { group.addTask { (try? await batcher.submit([1])) == nil } }
            for await failed in group { #expect(failed) }
        }
        #expect(await batcher.forwardPasses == 1)
    }
}
