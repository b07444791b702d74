import Foundation
import Testing
@testable import MLPServe

/// The MiniLM encoder behind an endpoint; skipped when all-MiniLM-L6-v2 is absent
/// (scripts/fetch-model.sh puts it in .cache/models, or set MLP_MINILM_DIR).
@Suite(.enabled(if: miniLMFolder() != nil, "all-MiniLM-L6-v2 is absent: run scripts/fetch-model.sh or set MLP_MINILM_DIR"))
struct SentenceEmbeddingEndpointTests {
    static let sentences = ["A man is eating food.", "A cheetah chases its prey across a field.", "The new movie is awesome", ""]

    static func request(_ texts: [String]) -> InferenceRequest {
        InferenceRequest(inputs: [.init(name: "text", shape: [texts.count], datatype: .bytes, data: .strings(texts))])
    }

    @Test func concurrentSentencesAreBatchedAndEmbedLikeOneAtATime() async throws {
        let model = try SentenceEmbeddingServedModel(path: try #require(miniLMFolder()), threads: 2)
        // The batch holds exactly the four sentences and the delay is never waited out, so they
        // share one pass however late the last one arrives on a loaded machine.
        let endpoint = BatchedModelEndpoint(name: "minilm", version: "1", model: model,
                                            batching: BatchingOptions(maxBatchSize: Self.sentences.count, maxDelay: .seconds(60)))
        #expect(endpoint.metadata.inputs == [TensorMetadata(name: "text", datatype: .bytes, shape: [-1])])
        #expect(endpoint.metadata.outputs == [TensorMetadata(name: "embedding", datatype: .fp32, shape: [-1, 384])])

        let alone = try Self.sentences.map { try model.model.embed([$0])[0] }
        let answers = try await withThrowingTaskGroup(of: (Int, InferenceResponse).self) { group in
            for (index, sentence) in Self.sentences.enumerated() {
                group.addTask { (index, try await endpoint.infer(Self.request([sentence]))) }
            }
            var answers = [InferenceResponse?](repeating: nil, count: Self.sentences.count)
            for try await (index, answer) in group { answers[index] = answer }
            return answers.map { $0! }
        }
        #expect(await endpoint.batcher.forwardPasses == 1)
        for (answer, expected) in zip(answers, alone) {
            #expect(answer.outputs.count == 1 && answer.outputs[0].shape == [1, 384] && answer.outputs[0].datatype == .fp32)
            guard case .floats(let got) = answer.outputs[0].data else { Issue.record("FP32 data comes back as floats"); continue }
            let cosine = zip(got, expected).reduce(Float(0)) { $0 + $1.0 * $1.1 }   // both are L2-normalised
            #expect(cosine > 0.9999, "cosine \(cosine)")
        }
    }

    @Test func textMustBeBytesOfOneSentencePerRow() async throws {
        let model = try SentenceEmbeddingServedModel(path: try #require(miniLMFolder()), threads: 2)
        let numbers = try #require(throws: ServeError.self) {
            try model.rows(from: InferenceRequest(inputs: [.init(name: "text", shape: [1], datatype: .fp32, data: .numbers([1]))]))
        }
        #expect(numbers.message.contains("has datatype FP32, but the model takes BYTES"))
        let shape = try #require(throws: ServeError.self) {
            try model.rows(from: InferenceRequest(inputs: [.init(name: "text", shape: [1, 2], datatype: .bytes, data: .strings(["a", "b"]))]))
        }
        #expect(shape.message.contains("must have shape [batch] or [batch, 1]"))
    }
}
