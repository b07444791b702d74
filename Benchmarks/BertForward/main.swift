// Throughput of the BERT encoder forward pass on a MiniLM-shaped model with random weights
// (hidden 384, 6 layers, 12 heads, intermediate 1536, vocab 30522), and of its GEMMs alone.
//
//   swift build -c release --product bert-forward-bench
//   .build/release/bert-forward-bench [--threads 2] [--batch 32] [--batches 20] [--dtype f32|q8_0|q4_0|all]
import CKernels
import Foundation
import MLPModels
import MLPTensor

struct Options {
    var threads = 2
    var batch = 32
    var batches = 20
    var dtypes: [DType] = [.f32, .q8_0, .q4_0]

    init(_ arguments: [String]) throws {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw BenchError("\(flag) needs a value") }
            switch flag {
            case "--threads": threads = try Options.positive(value, flag)
            case "--batch": batch = try Options.positive(value, flag)
            case "--batches": batches = try Options.positive(value, flag)
            case "--dtype":
                if value == "all" { continue }
                guard let dtype = DType(rawValue: value), [.f32, .q8_0, .q4_0].contains(dtype) else { throw BenchError("--dtype must be f32, q8_0, q4_0 or all") }
                dtypes = [dtype]
            default: throw BenchError("unknown option \(flag); options: --threads N --batch N --batches N --dtype f32|q8_0|q4_0|all")
            }
        }
    }

    static func positive(_ text: String, _ flag: String) throws -> Int {
        guard let value = Int(text), value > 0 else { throw BenchError("\(flag) needs a positive integer, not \(text)") }
        return value
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// SplitMix64, so every run sees the same model and sentences.
struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomTensor(_ shape: [Int], scale: Float, center: Float = 0, _ rng: inout Generator) throws -> Tensor {
    let count = shape.reduce(1, *)
    return try Tensor(shape: shape, values: (0..<count).map { _ in center + Float.random(in: -scale...scale, using: &rng) })
}

func miniLMWeights(_ config: BertConfig, _ rng: inout Generator) throws -> [String: Tensor] {
    let (h, i) = (config.hiddenSize, config.intermediateSize)
    var w: [String: Tensor] = [
        "embeddings.word_embeddings.weight": try randomTensor([config.vocabSize, h], scale: 0.1, &rng),
        "embeddings.position_embeddings.weight": try randomTensor([config.maxPositionEmbeddings, h], scale: 0.1, &rng),
        "embeddings.token_type_embeddings.weight": try randomTensor([config.typeVocabSize, h], scale: 0.1, &rng),
        "embeddings.LayerNorm.weight": try randomTensor([h], scale: 0.05, center: 1, &rng),
        "embeddings.LayerNorm.bias": try randomTensor([h], scale: 0.05, &rng),
    ]
    for n in 0..<config.numHiddenLayers {
        let p = "encoder.layer.\(n)."
        for (name, shape) in [("attention.self.query", [h, h]), ("attention.self.key", [h, h]), ("attention.self.value", [h, h]),
                              ("attention.output.dense", [h, h]), ("intermediate.dense", [i, h]), ("output.dense", [h, i])] {
            w[p + name + ".weight"] = try randomTensor(shape, scale: 1 / Float(shape[1]).squareRoot(), &rng)
            w[p + name + ".bias"] = try randomTensor([shape[0]], scale: 0.02, &rng)
        }
        for norm in ["attention.output.LayerNorm", "output.LayerNorm"] {
            w[p + norm + ".weight"] = try randomTensor([h], scale: 0.05, center: 1, &rng)
            w[p + norm + ".bias"] = try randomTensor([h], scale: 0.05, &rng)
        }
    }
    return w
}

/// The fp32 GFLOP/s `threads` threads reach together with nothing but FMAs, each measured while
/// all run (``ck_fma_peak_flops``): the machine's peak with its boost clock, which the clock in
/// /proc/cpuinfo (2.445 GHz here, against ~3.1 measured) does not show. nil without AVX2 and FMA.
func measuredPeakGFLOPS(threads: Int) throws -> Double? {
    let pool = try ThreadPool(threadCount: threads)
    let lock = NSLock()
    var total = 0.0
    pool.parallelFor(threads) { _ in
        let flops = ck_fma_peak_flops(100_000_000)
        lock.withLock { total += flops }
    }
    return total > 0 ? total / 1e9 : nil
}

/// Wall-clock seconds and this process's CPU seconds (all threads) that `body` takes; on a
/// shared machine the CPU time shows how much of the wall time the process actually ran.
func seconds(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    func cpuNow() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
    let (start, cpuStart) = (DispatchTime.now().uptimeNanoseconds, cpuNow())
    try body()
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpuNow() - cpuStart)
}

func run() throws {
    let options = try Options(CommandLine.arguments)
    let config = BertConfig(vocabSize: 30522, hiddenSize: 384, numHiddenLayers: 6, numAttentionHeads: 12, intermediateSize: 1536)
    var rng = Generator(state: 2024)
    let f32Weights = try miniLMWeights(config, &rng)
    // Realistic sentence lengths: 8 to 40 tokens, [CLS] ... [SEP].
    let batches: [[[Int32]]] = (0..<options.batches).map { _ in
        (0..<options.batch).map { _ in
            let length = Int.random(in: 8...40, using: &rng)
            return [101] + (0..<(length - 2)).map { _ in Int32.random(in: 1000..<30522, using: &rng) } + [102]
        }
    }
    let tokens = batches.joined().reduce(0) { $0 + $1.count }
    let peak = try measuredPeakGFLOPS(threads: options.threads)
    print("MiniLM-shaped BERT (hidden 384, 6 layers, 12 heads, intermediate 1536), \(options.threads) threads, batch \(options.batch), \(options.batches) batches, \(tokens) tokens, kernels \(KernelPath.current)")
    if let peak { print(String(format: "fp32 peak, measured: %d threads of FMAs alone reach %.1f GFLOP/s (%.2f GHz x 32 FLOP/cycle each)", options.threads, peak, peak / Double(options.threads) / 32)) }
    for dtype in options.dtypes {
        let weights = dtype == .f32 ? f32Weights : try BertWeights.quantizingMatmulWeights(f32Weights, to: dtype)
        let encoder = try BertEncoder(config: config, source: weights, threads: options.threads)
        encoder.maxTokensPerGroup = 1 << 20
        _ = try encoder.encode(batches[0]) // warm-up
        let forward = try seconds { for batch in batches { _ = try encoder.encode(batch) } }
        let sentences = options.batch * options.batches
        // The GEMMs alone, at the shapes one packed group of a batch gives them (all tokens as rows).
        let rows = tokens / options.batches
        let layer = encoder.weights.layers[0]
        let x = try randomTensor([rows, 384], scale: 1, &rng), hidden = try randomTensor([rows, 1536], scale: 1, &rng)
        let shapes: [(Tensor, Tensor)] = [(x, layer.qkvWeight), (x, layer.attentionOutputWeight), (x, layer.intermediateWeight), (hidden, layer.outputWeight)]
        let outputs = try shapes.map { try Tensor(zeros: [rows, $0.1.shape[0]]) }
        // Prepared once, as the encoder prepares its own (quantized weights repacked).
        let prepared = try shapes.map { try LinearWeight($0.1, pool: encoder.pool) }
        let repeats = 6 * options.batches
        var flops = 0.0
        let gemm = try seconds {
            for _ in 0..<repeats {
                for (index, (input, weight)) in shapes.enumerated() {
                    try Tensor.linear(input, weight: prepared[index], bias: nil, into: outputs[index], pool: encoder.pool)
                    flops += 2 * Double(rows) * Double(weight.shape[0]) * Double(weight.shape[1])
                }
            }
        }
        let gflops = flops / gemm.wall / 1e9
        var line = String(format: "%@: %.1f sentences/s (%.1f ms per batch of %d, %.2f CPU-s per batch); GEMMs alone %.1f GFLOP/s wall, %.1f GFLOP per CPU-second",
                          dtype.rawValue, Double(sentences) / forward.wall, forward.wall / Double(options.batches) * 1000, options.batch,
                          forward.cpu / Double(options.batches), gflops, flops / gemm.cpu / 1e9)
        if let peak { line += String(format: "; wall GFLOP/s = %.0f%% of the measured fp32 peak", 100 * gflops / peak) }
        print(line)
    }
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("bert-forward-bench: \(error)\n".utf8))
    exit(1)
}
