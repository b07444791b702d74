import ArgumentParser
import Foundation
import MLPCore
import MLPModels
import MLPTensor

extension MLPCommandLine {
    struct Quantize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a BERT model folder into one GGUF file with quantized matmul weights.",
            discussion: """
                The layers' query/key/value, attention output, intermediate and output dense weights become q8_0 or q4_0;
                embeddings, LayerNorms and biases stay f32; config and tokenizer go into the GGUF metadata.
                A q4_0 file is a mix, as llama.cpp's 4-bit types are: it keeps each layer's query, key, value and intermediate dense weights in q8_0
                (the weights whose Q4_0 error costs the most accuracy, measured by Benchmarks/embed/q4_sensitivity.py),
                and the rest in q4_0.
                With --eval FILE (one sentence per line) the quantized model's embeddings are compared with the f32 model's.
                """)

        @OptionGroup var outputOptions: OutputOptions

        @Argument(help: "A model folder (config.json, model.safetensors, vocab.txt).")
        var model: String

        @Option(help: "q8_0 or q4_0 (f32 writes an unquantized GGUF).")
        var to: String

        @Option(name: [.short, .customLong("output")], help: "The GGUF file to write (default: MODEL-TYPE.gguf beside the folder; - writes it to standard output).")
        var output: String?

        @Option(help: "A text file, one sentence per line: report min/mean cosine of quantized vs f32 embeddings.")
        var eval: String?

        @Option(help: "Threads for --eval.")
        var threads: Int?

        func validate() throws {
            if DType(rawValue: to).map({ [.f32, .q8_0, .q4_0].contains($0) }) != true {
                throw ValidationError("--to \(to): use q8_0 or q4_0 (or f32)")
            }
            if let output { try OutputFile.validate(output, example: "model-\(to).gguf") }
        }

        func run() async throws {
            let type = DType(rawValue: to)!
            let folder = URL(fileURLWithPath: model).standardizedFileURL
            let path = output ?? folder.deletingLastPathComponent().appendingPathComponent("\(folder.lastPathComponent)-\(to).gguf").path
            var converted: BertGGUFConverter.Result?
            var cosines: [Double]?
            let destination = try OutputFile.write(to: path, example: "model-\(to).gguf", defaultExtension: "gguf") { written in
                converted = try BertGGUFConverter.convert(folder: model, to: type, output: written)
                if let eval {
                    cosines = try Self.compare(folder: model, gguf: written, sentencesFile: eval,
                                               threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
                }
            }
            guard let result = converted else { throw RuntimeError("\(path): the conversion wrote nothing") }
            let shownPath = destination == .standardOutput ? "-" : path
            var report: [String: JSONValue] = [
                "output": .string(shownPath), "type": .string(to),
                "source_bytes": .number(Double(result.sourceBytes)), "output_bytes": .number(Double(result.outputBytes)),
                "tensors": .number(Double(result.tensorCount)), "quantized_tensors": .number(Double(result.quantizedCount)),
                "kept_at_q8_0": .number(Double(result.keptAtQ8_0Count)),
            ]
            var evalLine: String?
            if let cosines {
                let minimum = cosines.min() ?? .nan, mean = cosines.isEmpty ? .nan : cosines.reduce(0, +) / Double(cosines.count)
                report["eval"] = .object(["sentences": .number(Double(cosines.count)), "min_cosine": .number(minimum), "mean_cosine": .number(mean)])
                evalLine = String(format: "eval      %ld sentences vs f32: min cosine %.6f, mean cosine %.6f", cosines.count, minimum, mean)
            }
            // With -o - the GGUF file owns standard output: the report goes to standard error.
            guard destination != .standardOutput else {
                FileHandle.standardError.write(Data("wrote \(result.outputBytes) bytes of GGUF to standard output\n".utf8))
                if let evalLine { FileHandle.standardError.write(Data((evalLine + "\n").utf8)) }
                return
            }
            if outputOptions.json {
                try Format.printJSON(JSONValue.object(report))
                return
            }
            let ratio = Double(result.outputBytes) / Double(max(result.sourceBytes, 1))
            print("wrote     \(path)")
            print("source    \(result.sourceBytes) bytes (model.safetensors)")
            print("output    \(result.outputBytes) bytes (" + String(format: "%.1f", ratio * 100)
                  + "% of the source), \(result.tensorCount) tensors, \(result.quantizedCount) quantized to \(to)"
                  + (result.keptAtQ8_0Count > 0 ? " (\(result.keptAtQ8_0Count) of them kept at q8_0)" : ""))
            if let evalLine { print(evalLine) }
        }

        /// Cosines between the f32 folder model's and the GGUF model's embedding of each sentence.
        static func compare(folder: String, gguf: String, sentencesFile: String, threads: Int) throws -> [Double] {
            guard let data = FileManager.default.contents(atPath: sentencesFile), let text = String(data: data, encoding: .utf8) else {
                throw RuntimeError("--eval \(sentencesFile): cannot be read as UTF-8 text")
            }
            let sentences = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            guard !sentences.isEmpty else { throw RuntimeError("--eval \(sentencesFile): no sentences (one per line)") }
            let reference = try SentenceEmbeddingModel.load(path: folder, dtype: .f32, threads: threads).embed(sentences)
            let quantized = try SentenceEmbeddingModel.load(path: gguf, threads: threads).embed(sentences)
            return zip(reference, quantized).map { a, b in
                var dot = 0.0, na = 0.0, nb = 0.0
                for i in a.indices { dot += Double(a[i]) * Double(b[i]); na += Double(a[i]) * Double(a[i]); nb += Double(b[i]) * Double(b[i]) }
                return dot / max((na * nb).squareRoot(), .leastNonzeroMagnitude)
            }
        }
    }
}
