import Foundation
import MLPCore
import MLPModels
import MLPTensor
import XCTest

/// The whole pipeline (tokenizer, BERT encoder, pooling) on the real all-MiniLM-L6-v2 against
/// sentence-transformers' embeddings of the 64 fixture sentences (Fixtures/embeddings), in f32,
/// Q8_0 and Q4_0, and a GGUF round trip. Needs the model (scripts/fetch-model.sh); skipped when
/// it is absent. The measured cosines are printed for the record.
final class SentenceEmbeddingModelTests: XCTestCase {
    static let threads = 2

    func modelFolder() throws -> String {
        guard let folder = miniLMFolder() else {
            throw XCTSkip("all-MiniLM-L6-v2 not fetched: run scripts/fetch-model.sh or set MLP_MINILM_DIR")
        }
        return folder.path
    }

    /// The fixture sentences and sentence-transformers' embeddings of them.
    func reference() throws -> (sentences: [String], embeddings: [[Float]]) {
        let folder = fixturesFolder.appendingPathComponent("embeddings")
        let sentences = try JSONDecoder().decode([String].self, from: Data(contentsOf: folder.appendingPathComponent("sentences.json")))
        let raw = try Data(contentsOf: folder.appendingPathComponent("embeddings.f32"))
        let width = 384
        XCTAssertEqual(raw.count, sentences.count * width * 4)
        let values: [Float] = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }.map { Float(bitPattern: $0.bitPattern.littleEndian) }
        return (sentences, (0..<sentences.count).map { Array(values[($0 * width)..<(($0 + 1) * width)]) })
    }

    func cosines(_ a: [[Float]], _ b: [[Float]]) -> [Double] {
        zip(a, b).map { x, y in
            var dot = 0.0, nx = 0.0, ny = 0.0
            for i in x.indices { dot += Double(x[i]) * Double(y[i]); nx += Double(x[i] * x[i]); ny += Double(y[i] * y[i]) }
            return dot / (nx * ny).squareRoot()
        }
    }

    func cosinesAgainstReference(_ dtype: DType) throws -> (min: Double, mean: Double) {
        let (sentences, expected) = try reference()
        let model = try SentenceEmbeddingModel.load(path: try modelFolder(), dtype: dtype, threads: Self.threads)
        XCTAssertEqual(model.weightType, dtype)
        let got = try model.embed(sentences)
        XCTAssertEqual(got.count, sentences.count)
        XCTAssertTrue(got.allSatisfy { $0.count == 384 })
        let values = cosines(got, expected)
        let result = (min: values.min()!, mean: values.reduce(0, +) / Double(values.count))
        print("MiniLM \(dtype.rawValue) vs sentence-transformers, \(sentences.count) sentences: min cosine \(result.min), mean \(result.mean)")
        return result
    }

    func testF32MatchesSentenceTransformers() throws {
        XCTAssertGreaterThanOrEqual(try cosinesAgainstReference(.f32).min, 0.9999)
    }

    func testQ8_0StaysCloseToSentenceTransformers() throws {
        XCTAssertGreaterThanOrEqual(try cosinesAgainstReference(.q8_0).min, 0.995)
    }

    /// The target is a mean cosine of 0.98. Plain Q4_0 (GGML's quantizer) on every matmul
    /// weight measured 0.9578 (min 0.8718) on these 64 sentences; with the searched scales and the
    /// mix (query, key, value and intermediate dense kept in Q8_0, the rest Q4_0) it measured
    /// 0.98868 (min 0.96628) on 2026-12-02.
    func testQ4_0MeanCosine() throws {
        let result = try cosinesAgainstReference(.q4_0)
        XCTAssertGreaterThanOrEqual(result.mean, 0.988)
        XCTAssertGreaterThanOrEqual(result.min, 0.966)
    }

    func testGGUFRoundTripGivesTheInMemoryQ8_0Embeddings() throws {
        let folder = try modelFolder()
        let sentences = Array(try reference().sentences.prefix(16))
        let output = try temporaryFolder(self).appendingPathComponent("minilm-q8_0.gguf").path
        let result = try BertGGUFConverter.convert(folder: folder, to: .q8_0, output: output)
        XCTAssertEqual(result.quantizedCount, 6 * 6, "six matmul weights in each of six layers")
        XCTAssertLessThan(result.outputBytes, result.sourceBytes * 7 / 10, "Q8_0 matmul weights (42.5 MB in f32) take about a quarter; the f32 word embeddings (47 MB) stay")
        let fromFile = try SentenceEmbeddingModel.load(path: output, threads: Self.threads)
        XCTAssertEqual(fromFile.weightType, .q8_0)
        XCTAssertEqual(fromFile.tokenizer.maxLength, 256, "sentence_bert_config.json's max_seq_length survives the round trip")
        let inMemory = try SentenceEmbeddingModel.load(path: folder, dtype: .q8_0, threads: Self.threads)
        XCTAssertEqual(fromFile.tokenIDs(sentences), inMemory.tokenIDs(sentences))
        XCTAssertEqual(try fromFile.embed(sentences), try inMemory.embed(sentences))
        XCTAssertThrowsError(try SentenceEmbeddingModel.load(path: output, dtype: .q4_0, threads: 1)) { error in
            XCTAssertTrue("\(error)".contains("holds q8_0 weights"), "\(error)")
        }
    }

    func testCPUBackendEmbedsBytes() async throws {
        let folder = try modelFolder()
        let backend = CPUInferenceBackend(threads: Self.threads)
        XCTAssertEqual(backend.name, "cpu")
        for dtype in ["f32", "f16", "q8_0", "q4_0"] { XCTAssertTrue(backend.supports(.dtype(dtype)), dtype) }
        XCTAssertFalse(backend.supports(.dtype("q5_k")))
        XCTAssertTrue(backend.supports(.architecture("bert")))
        XCTAssertFalse(backend.supports(.architecture("mlp")))
        let model = try await backend.load(path: folder)
        XCTAssertEqual(model.signature.outputs.first?.shape, [-1, 384])
        let (sentences, expected) = try reference()
        let input = NamedTensor(name: "text", shape: [2], storage: .bytes(sentences.prefix(2).map { Array($0.utf8) }))
        let outputs = try await model.infer([input])
        XCTAssertEqual(outputs.first?.shape, [2, 384])
        guard case .float32(let values)? = outputs.first?.storage else { return XCTFail("expected FP32 output") }
        let rows = [Array(values[0..<384]), Array(values[384..<768])]
        XCTAssertGreaterThanOrEqual(cosines(rows, Array(expected.prefix(2))).min()!, 0.9999)
        do {
            _ = try await model.infer([NamedTensor(name: "text", shape: [1], storage: .int64([1]))])
            XCTFail("INT64 input accepted")
        } catch let error as InferenceInputError {
            XCTAssertTrue(error.description.contains("BYTES"), error.description)
        }
    }

    func testMissingAndMalformedModelsGetClearErrors() throws {
        let folder = try temporaryFolder(self)
        XCTAssertThrowsError(try SentenceEmbeddingModel.load(path: folder.appendingPathComponent("nope").path, threads: 1)) { error in
            XCTAssertEqual(error as? ModelLoadError, .notFound(path: folder.appendingPathComponent("nope").path))
        }
        XCTAssertThrowsError(try SentenceEmbeddingModel.load(path: folder.path, threads: 1)) { error in
            XCTAssertEqual(error as? ModelLoadError, .missingFile(folder: folder.path, file: "config.json"))
        }
        let text = try writeFile(Array("not a model".utf8), named: "model.gguf", in: folder)
        XCTAssertThrowsError(try SentenceEmbeddingModel.load(path: text, threads: 1)) { error in
            XCTAssertTrue("\(error)".contains("not a GGUF file"), "\(error)")
        }
        // A GGUF file without the BERT metadata (the formats' reference file).
        let foreign = fixturesFolder.appendingPathComponent("python-gguf.gguf").path
        XCTAssertThrowsError(try SentenceEmbeddingModel.load(path: foreign, threads: 1)) { error in
            XCTAssertTrue("\(error)".contains("general.architecture"), "\(error)")
        }
    }
}
