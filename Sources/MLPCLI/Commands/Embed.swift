import ArgumentParser
import Foundation
import MLPModels
import MLPTensor

extension MLPCommandLine {
    struct Embed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Embed sentences with a BERT sentence-embedding model on the CPU.",
            discussion: """
                The model is a folder (config.json, model.safetensors, vocab.txt) or a .gguf file from `mlp quantize`.
                Prints one JSON line per sentence ({"index": i, "embedding": [...]}), or writes a [n, dim] float32
                matrix with -o out.npy / out.safetensors. Sentences are sorted by length and run --batch at a time.
                """)

        @Option(help: "A model folder or a .gguf file.")
        var model: String

        @Option(help: "For a folder: run the matmul weights in f32, q8_0 or q4_0 (quantized in memory). A .gguf file runs as stored.")
        var dtype: String?

        @Option(help: "Sentences per forward batch.")
        var batch = 32

        @Option(help: "Threads for the kernels (default: the machine's cores).")
        var threads: Int?

        @Option(help: "A text file, one sentence per line.")
        var file: String?

        @Option(name: [.short, .customLong("output")], help: "Write the embeddings to this .npy or .safetensors file instead of stdout (- prints the JSON lines to stdout).")
        var output: String?

        @Argument(help: "Sentences to embed (or use --file).")
        var texts: [String] = []

        func validate() throws {
            guard batch >= 1 else { throw ValidationError("--batch must be at least 1, not \(batch)") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads)") }
            guard (file == nil) != texts.isEmpty else {
                throw ValidationError(texts.isEmpty ? "give sentences as arguments or --file FILE" : "give sentences as arguments or --file, not both")
            }
            if let dtype, DType(rawValue: dtype).map({ [.f32, .q8_0, .q4_0].contains($0) }) != true {
                throw ValidationError("--dtype \(dtype): use f32, q8_0 or q4_0")
            }
            if let output { try OutputFile.validate(output, example: "embeddings.npy") }
        }

        func run() async throws {
            let sentences = try readSentences()
            let loaded = try SentenceEmbeddingModel.load(path: model, dtype: dtype.flatMap(DType.init(rawValue:)),
                                                         threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
            let progress = EmbedProgress(total: sentences.count)
            let embeddings = try Self.embed(sentences, with: loaded, batch: batch, progress: progress)
            progress.finish()
            try Self.checkFinite(embeddings, sentences: sentences, model: model)
            if let output, output != "-" {
                try OutputFile.write(to: output, example: "embeddings.npy") { path in
                    try EmbeddingMatrixWriter.write(embeddings, width: loaded.dimension, to: path)
                }
                return
            }
            try Self.printJSONLines(embeddings)
        }

        private func readSentences() throws -> [String] {
            guard let file else { return texts }
            guard let data = FileManager.default.contents(atPath: file) else {
                throw RuntimeError("--file \(file): cannot be read (no such file?)")
            }
            guard let text = String(data: data, encoding: .utf8) else { throw RuntimeError("--file \(file): not UTF-8 text") }
            var lines = text.components(separatedBy: "\n")
            if lines.last == "" { lines.removeLast() }
            return lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        }

        /// Embeds in batches of sentences of similar token length (as sentence-transformers does),
        /// returning the embeddings in input order.
        static func embed(_ sentences: [String], with model: SentenceEmbeddingModel, batch: Int, progress: EmbedProgress) throws -> [[Float]] {
            let ids = model.tokenIDs(sentences)
            let order = ids.indices.sorted { ids[$0].count > ids[$1].count }
            var out = [[Float]](repeating: [], count: sentences.count)
            var start = 0
            while start < order.count {
                let chunk = Array(order[start..<min(start + batch, order.count)])
                let vectors = try model.encoder.encode(chunk.map { ids[$0] })
                for (slot, index) in chunk.enumerated() { out[index] = vectors[slot] }
                start += chunk.count
                progress.advance(to: start)
            }
            return out
        }

        /// A NaN or an infinity is no embedding (and no JSON number): it means the model's weights
        /// are broken, so nothing is written.
        static func checkFinite(_ embeddings: [[Float]], sentences: [String], model: String) throws {
            guard let row = embeddings.firstIndex(where: { $0.contains { !$0.isFinite } }) else { return }
            let count = embeddings.filter { $0.contains { !$0.isFinite } }.count
            throw RuntimeError("""
                the model \(model) gave non-finite values (NaN or infinity) for \(count) of \(embeddings.count) sentences, \
                the first for sentence \(row) ("\(sentences[row].prefix(40))"); its weights are probably broken \
                (check them with `mlp models inspect \(model)`), so nothing was written
                """)
        }

        static func printJSONLines(_ embeddings: [[Float]]) throws {
            var buffer = ""
            buffer.reserveCapacity(1 << 20)
            let stdout = FileHandle.standardOutput
            for (index, vector) in embeddings.enumerated() {
                buffer += "{\"index\": \(index), \"embedding\": ["
                buffer += vector.map { $0.description }.joined(separator: ", ")
                buffer += "]}\n"
                if buffer.utf8.count > (1 << 20) {
                    try stdout.write(contentsOf: Data(buffer.utf8))
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try stdout.write(contentsOf: Data(buffer.utf8))
        }
    }
}

/// A progress bar on stderr for `mlp embed`, drawn only when stderr is a terminal and the input is
/// large enough to take a while.
final class EmbedProgress {
    /// Inputs below this many sentences get no bar.
    static let minimumSentences = 256
    private let total: Int
    private let enabled: Bool
    private let started = Date()
    private var drawn = false

    init(total: Int) {
        self.total = total
        enabled = total >= Self.minimumSentences && isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    func advance(to done: Int) {
        guard enabled else { return }
        let width = 30
        let filled = total == 0 ? width : done * width / total
        let seconds = Date().timeIntervalSince(started)
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let line = "\r\u{1B}[Kembedding [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            + "] \(done)/\(total)  \(String(format: "%.0f", rate)) sentences/s"
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
