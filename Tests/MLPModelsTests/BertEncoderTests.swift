import Foundation
import MLPTensor
import XCTest

@testable import MLPModels

final class BertEncoderTests: XCTestCase {
    static let config = BertConfig(vocabSize: 100, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4,
                                   intermediateSize: 64, maxPositionEmbeddings: 40, typeVocabSize: 2)

    /// A tiny BERT with seeded random weights under Hugging Face names, as plain arrays.
    static func randomWeights(seed: UInt64, config: BertConfig = config) -> [String: ([Int], [Float])] {
        var state = seed
        func uniform(_ count: Int, _ low: Float, _ high: Float) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return low + (high - low) * Float(state >> 40) / Float(1 << 24)
            }
        }
        let (h, i) = (config.hiddenSize, config.intermediateSize)
        var w: [String: ([Int], [Float])] = [:]
        func matrix(_ name: String, _ rows: Int, _ cols: Int, _ scale: Float) { w[name] = ([rows, cols], uniform(rows * cols, -scale, scale)) }
        func vector(_ name: String, _ count: Int, _ center: Float, _ spread: Float) { w[name] = ([count], uniform(count, center - spread, center + spread)) }
        matrix("embeddings.word_embeddings.weight", config.vocabSize, h, 1)
        matrix("embeddings.position_embeddings.weight", config.maxPositionEmbeddings, h, 0.5)
        matrix("embeddings.token_type_embeddings.weight", config.typeVocabSize, h, 0.5)
        vector("embeddings.LayerNorm.weight", h, 1, 0.1)
        vector("embeddings.LayerNorm.bias", h, 0, 0.1)
        for n in 0..<config.numHiddenLayers {
            let p = "encoder.layer.\(n)."
            for part in ["query", "key", "value"] {
                matrix(p + "attention.self.\(part).weight", h, h, 0.3)
                vector(p + "attention.self.\(part).bias", h, 0, 0.1)
            }
            matrix(p + "attention.output.dense.weight", h, h, 0.3)
            vector(p + "attention.output.dense.bias", h, 0, 0.1)
            vector(p + "attention.output.LayerNorm.weight", h, 1, 0.1)
            vector(p + "attention.output.LayerNorm.bias", h, 0, 0.1)
            matrix(p + "intermediate.dense.weight", i, h, 0.3)
            vector(p + "intermediate.dense.bias", i, 0, 0.1)
            matrix(p + "output.dense.weight", h, i, 0.2)
            vector(p + "output.dense.bias", h, 0, 0.1)
            vector(p + "output.LayerNorm.weight", h, 1, 0.1)
            vector(p + "output.LayerNorm.bias", h, 0, 0.1)
        }
        return w
    }

    static func tensors(_ weights: [String: ([Int], [Float])], prefix: String = "") throws -> [String: Tensor] {
        try Dictionary(uniqueKeysWithValues: weights.map { (prefix + $0.key, try Tensor(shape: $0.value.0, values: $0.value.1)) })
    }

    /// The forward pass written out plainly in Double: no kernels, no batching, no padding.
    static func referenceEmbedding(_ ids: [Int32], types: [Int32]? = nil, weights w: [String: ([Int], [Float])], config: BertConfig = config) -> [Double] {
        let (h, inter, heads) = (config.hiddenSize, config.intermediateSize, config.numAttentionHeads)
        let d = h / heads
        let eps = Double(config.layerNormEps)
        func p(_ name: String) -> [Double] { w[name]!.1.map(Double.init) }
        func layerNorm(_ x: [Double], _ gamma: [Double], _ beta: [Double]) -> [Double] {
            let mean = x.reduce(0, +) / Double(x.count)
            let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)
            return x.indices.map { (x[$0] - mean) / (variance + eps).squareRoot() * gamma[$0] + beta[$0] }
        }
        func linear(_ x: [Double], _ weight: [Double], _ bias: [Double], out: Int) -> [Double] {
            (0..<out).map { o in bias[o] + x.indices.reduce(0) { $0 + x[$1] * weight[o * x.count + $1] } }
        }
        let words = p("embeddings.word_embeddings.weight"), positions = p("embeddings.position_embeddings.weight")
        let typeTable = p("embeddings.token_type_embeddings.weight")
        var x: [[Double]] = ids.enumerated().map { j, id in
            let t = Int(types?[j] ?? 0)
            let row = (0..<h).map { words[Int(id) * h + $0] + positions[j * h + $0] + typeTable[t * h + $0] }
            return layerNorm(row, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"))
        }
        for n in 0..<config.numHiddenLayers {
            let pre = "encoder.layer.\(n)."
            let q = x.map { linear($0, p(pre + "attention.self.query.weight"), p(pre + "attention.self.query.bias"), out: h) }
            let k = x.map { linear($0, p(pre + "attention.self.key.weight"), p(pre + "attention.self.key.bias"), out: h) }
            let v = x.map { linear($0, p(pre + "attention.self.value.weight"), p(pre + "attention.self.value.bias"), out: h) }
            var context = [[Double]](repeating: [Double](repeating: 0, count: h), count: x.count)
            for head in 0..<heads {
                for i in x.indices {
                    let scores = x.indices.map { j in (0..<d).reduce(0.0) { $0 + q[i][head * d + $1] * k[j][head * d + $1] } / Double(d).squareRoot() }
                    let top = scores.max()!
                    let e = scores.map { exp($0 - top) }
                    let total = e.reduce(0, +)
                    for c in 0..<d { context[i][head * d + c] = x.indices.reduce(0) { $0 + e[$1] / total * v[$1][head * d + c] } }
                }
            }
            let attended = x.indices.map { i -> [Double] in
                let projected = linear(context[i], p(pre + "attention.output.dense.weight"), p(pre + "attention.output.dense.bias"), out: h)
                return layerNorm(projected.indices.map { projected[$0] + x[i][$0] }, p(pre + "attention.output.LayerNorm.weight"), p(pre + "attention.output.LayerNorm.bias"))
            }
            x = attended.map { a in
                let hidden = linear(a, p(pre + "intermediate.dense.weight"), p(pre + "intermediate.dense.bias"), out: inter).map { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }
                let out = linear(hidden, p(pre + "output.dense.weight"), p(pre + "output.dense.bias"), out: h)
                return layerNorm(out.indices.map { out[$0] + a[$0] }, p(pre + "output.LayerNorm.weight"), p(pre + "output.LayerNorm.bias"))
            }
        }
        let mean = (0..<h).map { c in x.reduce(0) { $0 + $1[c] } / Double(x.count) }
        let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return mean.map { $0 / norm }
    }

    static func cosine(_ a: [Float], _ b: [Double]) -> Double {
        let dot = zip(a, b).reduce(0) { $0 + Double($1.0) * $1.1 }
        let na = a.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot(), nb = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return dot / (na * nb)
    }

    /// Sentences of uneven lengths, so the batch splits into groups and pads inside them.
    static let sentences: [[Int32]] = [
        [1, 5, 9, 2], [1, 17, 33, 50, 61, 7, 8, 99, 2], [1, 2], [1, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 2],
        [1, 3, 4, 2], [1, 60, 61, 62, 63, 64, 65, 66, 67, 68, 2], [1, 70, 71, 72, 73, 2], [1, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 2],
    ]

    /// The seed-42 model's weights and its reference embeddings of ``sentences`` (computed once).
    static let seed42: (weights: [String: ([Int], [Float])], references: [[Double]]) = {
        let raw = randomWeights(seed: 42)
        return (raw, sentences.map { referenceEmbedding($0, weights: raw) })
    }()

    func testF32ForwardMatchesReference() throws {
        let raw = Self.seed42.weights
        let encoder = try BertEncoder(config: Self.config, source: try Self.tensors(raw), threads: 2)
        let embeddings = try encoder.encode(Self.sentences)
        XCTAssertEqual(embeddings.count, Self.sentences.count)
        for (index, (ids, embedding)) in zip(Self.sentences, embeddings).enumerated() {
            XCTAssertEqual(embedding.count, 32)
            let reference = Self.seed42.references[index]
            XCTAssertGreaterThanOrEqual(Self.cosine(embedding, reference), 0.99999, "sentence of \(ids.count) tokens")
            XCTAssertLessThan(zip(embedding, reference).map { abs(Double($0) - $1) }.max()!, 1e-4)
        }
    }

    func testTokenTypesAndPrefixedHalfWeights() throws {
        let raw = Self.randomWeights(seed: 7)
        // `bert.`-prefixed names, stored as f16: the reference uses the same f16-rounded values.
        let halves = try Self.tensors(raw, prefix: "bert.").mapValues { try $0.converted(to: .f16) }
        let rounded = try halves.reduce(into: [String: ([Int], [Float])]()) { $0[String($1.key.dropFirst(5))] = ($1.value.shape, try $1.value.floats()) }
        let encoder = try BertEncoder(config: Self.config, source: halves, threads: 1)
        let ids: [[Int32]] = [[1, 10, 20, 2, 30, 40, 2], [1, 11, 2]]
        let types: [[Int32]] = [[0, 0, 0, 0, 1, 1, 1], [0, 1, 1]]
        let embeddings = try encoder.encode(ids, tokenTypes: types)
        for (index, embedding) in embeddings.enumerated() {
            XCTAssertGreaterThanOrEqual(Self.cosine(embedding, Self.referenceEmbedding(ids[index], types: types[index], weights: rounded)), 0.99999)
        }
    }

    func testQuantizedWeightsStayClose() throws {
        let f32 = try Self.tensors(Self.seed42.weights)
        for (dtype, minimum) in [(DType.q8_0, 0.999), (.q4_0, 0.98)] {
            let quantized = try BertWeights.quantizingMatmulWeights(f32, to: dtype)
            // A q4_0 model keeps query, key, value and intermediate dense in q8_0 (the mix).
            let kept: DType = dtype == .q4_0 ? .q8_0 : dtype
            XCTAssertEqual(quantized["encoder.layer.1.intermediate.dense.weight"]?.dtype, kept)
            XCTAssertEqual(quantized["encoder.layer.1.output.dense.weight"]?.dtype, dtype)
            XCTAssertEqual(quantized["encoder.layer.1.attention.output.dense.weight"]?.dtype, dtype)
            XCTAssertEqual(quantized["encoder.layer.1.intermediate.dense.bias"]?.dtype, .f32)
            XCTAssertEqual(quantized["embeddings.word_embeddings.weight"]?.dtype, .f32)
            let encoder = try BertEncoder(config: Self.config, source: quantized, threads: 2)
            XCTAssertEqual(encoder.weights.layers[0].qkvWeight.dtype, kept)
            XCTAssertEqual(encoder.weights.layers[0].outputWeight.dtype, dtype)
            for (index, (ids, embedding)) in zip(Self.sentences, try encoder.encode(Self.sentences)).enumerated() {
                let similarity = Self.cosine(embedding, Self.seed42.references[index])
                XCTAssertGreaterThanOrEqual(similarity, minimum, "\(dtype) \(ids.count) tokens")
                XCTAssertLessThan(similarity, 1.0 - 1e-9, "\(dtype) should differ from f32 at all")
            }
        }
    }

    /// Sentences packed together, in one group or split over several, encode as they do alone.
    func testPackingAndGroupingDoNotChangeResults() throws {
        let encoder = try BertEncoder(config: Self.config, source: try Self.tensors(Self.randomWeights(seed: 3)), threads: 2)
        let together = try encoder.encode(Self.sentences)
        encoder.maxTokensPerGroup = 12 // several groups, and sentences longer than a group alone
        let split = try encoder.encode(Self.sentences)
        for (index, ids) in Self.sentences.enumerated() {
            let alone = try encoder.encode([ids])[0]
            XCTAssertLessThan(zip(alone, together[index]).map { abs($0 - $1) }.max()!, 1e-5)
            XCTAssertLessThan(zip(alone, split[index]).map { abs($0 - $1) }.max()!, 1e-5)
        }
    }

    func testPackedGroups() {
        XCTAssertEqual(PackedGroups.ranges(lengths: [10, 3, 10, 4, 30, 11], maxTokensPerGroup: 4096), [0..<6])
        XCTAssertEqual(PackedGroups.ranges(lengths: [5, 5, 5, 5], maxTokensPerGroup: 10), [0..<2, 2..<4])
        XCTAssertEqual(PackedGroups.ranges(lengths: [3, 20, 4, 4, 4], maxTokensPerGroup: 10), [0..<1, 1..<2, 2..<4, 4..<5])
        XCTAssertEqual(PackedGroups.ranges(lengths: []), [])
    }

    func testBadWeightsAndInputsAreReported() throws {
        var raw = try Self.tensors(Self.randomWeights(seed: 1))
        XCTAssertThrowsError(try BertEncoder(config: Self.config, source: raw.filter { $0.key != "encoder.layer.1.output.dense.bias" }, threads: 1)) { error in
            XCTAssertEqual(error as? BertModelError, .missingTensor(name: "encoder.layer.1.output.dense.bias", tried: ["encoder.layer.1.output.dense.bias", "bert.encoder.layer.1.output.dense.bias"]))
        }
        raw["encoder.layer.0.intermediate.dense.weight"] = try Tensor(zeros: [64, 31])
        XCTAssertThrowsError(try BertEncoder(config: Self.config, source: raw, threads: 1)) { error in
            XCTAssertTrue("\(error)".contains("encoder.layer.0.intermediate.dense.weight: shape [64, 31], expected [64, 32]"), "\(error)")
        }
        let encoder = try BertEncoder(config: Self.config, source: try Self.tensors(Self.randomWeights(seed: 1)), threads: 1)
        XCTAssertThrowsError(try encoder.encode([[1, 100]]))
        XCTAssertThrowsError(try encoder.encode([[]]))
        XCTAssertThrowsError(try encoder.encode([[Int32](repeating: 1, count: 41)]))
        XCTAssertThrowsError(try encoder.encode([[1, 2]], tokenTypes: [[0, 2]]))
    }

    func testConfigFromJSON() throws {
        let json = Data("""
        {"architectures": ["BertModel"], "vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6,
         "num_attention_heads": 12, "intermediate_size": 1536, "max_position_embeddings": 512,
         "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu"}
        """.utf8)
        let config = try BertConfig.parse(json)
        XCTAssertEqual(config, BertConfig(vocabSize: 30522, hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12, intermediateSize: 1536))
        XCTAssertEqual(config.headSize, 32)
        XCTAssertThrowsError(try BertConfig.parse(Data(#"{"vocab_size": 10, "hidden_size": 30, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8}"#.utf8))) { error in
            XCTAssertTrue("\(error)".contains("not a multiple of num_attention_heads"), "\(error)")
        }
        XCTAssertThrowsError(try BertConfig.parse(Data(#"{"hidden_size": 32}"#.utf8)))
        XCTAssertThrowsError(try BertConfig.parse(Data(#"{"vocab_size": 10, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, "hidden_act": "relu"}"#.utf8)))
    }
}
