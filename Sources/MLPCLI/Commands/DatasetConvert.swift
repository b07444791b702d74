import ArgumentParser
import Foundation
import MLPCore
import MLPData

extension MLPCommandLine {
    /// `mlp dataset`: dataset files outside a project.
    struct DatasetCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dataset",
            abstract: "Convert dataset files between Parquet, CSV, JSON lines and mlpds.",
            subcommands: [Convert.self])
    }
}

extension MLPCommandLine.DatasetCommand {
    /// `mlp dataset convert IN OUT`: reads one dataset file and writes it in another format.
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a dataset file and write it in another format (chosen by each file's extension).",
            discussion: """
                Reads .parquet, .csv, .jsonl (or .ndjson) and .mlpds; writes .parquet, .mlpds and .jsonl. Parquet is read \
                and written by mlp's own codec (flat columns; PLAIN, dictionary and RLE encodings; uncompressed, snappy, \
                gzip or zstd pages; see Sources/MLPData/README.md); Parquet DATE and TIMESTAMP columns become integers \
                (days, or the file's time unit, since 1970-01-01). JSON lines output writes one object per row in column \
                order, nulls as null, and non-finite floats as the strings "nan", "inf" and "-inf".

                Example: mlp dataset convert train.csv train.parquet --codec zstd
                """)

        @Argument(help: "The file to read: .parquet, .csv, .jsonl, .ndjson or .mlpds.")
        var input: String

        @Argument(help: "The file to write: .parquet, .jsonl or .mlpds (written atomically).")
        var output: String

        @Option(help: "Parquet page compression: uncompressed, snappy, gzip or zstd.")
        var codec: String = "snappy"

        @Flag(help: "Write every Parquet column PLAIN (no dictionary pages for text).")
        var noDictionary = false

        @Flag(help: "Write Parquet data pages v2 instead of v1.")
        var dataPageV2 = false

        @Option(help: "Rows per Parquet row group.")
        var rowGroupRows: Int = 1 << 20

        func validate() throws {
            guard ParquetCodec(rawValue: codec) != nil else {
                throw ValidationError("--codec must be one of \(ParquetCodec.allCases.map(\.rawValue).joined(separator: ", ")), not '\(codec)'")
            }
            guard rowGroupRows > 0 else { throw ValidationError("--row-group-rows must be positive") }
            for (path, formats) in [(input, ["parquet", "csv", "jsonl", "ndjson", "mlpds"]), (output, ["parquet", "jsonl", "mlpds"])] {
                let ext = (path as NSString).pathExtension.lowercased()
                guard formats.contains(ext) else {
                    throw ValidationError("cannot tell the format of '\(path)' from its extension; use one of .\(formats.joined(separator: ", ."))")
                }
            }
        }

        func run() throws {
            let dataset: Dataset
            switch (input as NSString).pathExtension.lowercased() {
            case "parquet": dataset = try ParquetReader.read(path: input)
            case "csv": dataset = try CSVReader.read(path: input)
            case "jsonl", "ndjson": dataset = try JSONLinesReader.read(path: input)
            default: dataset = try DatasetFile.read(input)
            }
            switch (output as NSString).pathExtension.lowercased() {
            case "parquet":
                var options = ParquetWriteOptions(codec: ParquetCodec(rawValue: codec)!, dictionary: !noDictionary)
                options.dataPageV2 = dataPageV2
                options.rowGroupRows = rowGroupRows
                try ParquetWriter.write(dataset, to: output, options: options)
            case "jsonl": try writeJSONLines(dataset, to: output)
            default: try DatasetFile.write(dataset, to: output)
            }
        }

        func writeJSONLines(_ dataset: Dataset, to path: String) throws {
            var text = ""
            let keys = dataset.columns.map { Self.quoted($0.name) }
            for row in 0..<dataset.rowCount {
                text += "{"
                for (index, column) in dataset.columns.enumerated() {
                    if index > 0 { text += ", " }
                    text += keys[index] + ": "
                    switch column[row] {
                    case nil: text += "null"
                    case .int(let value)?: text += String(value)
                    case .bool(let value)?: text += value ? "true" : "false"
                    case .string(let value)?: text += Self.quoted(value)
                    case .float(let value)?:
                        if value.isNaN { text += "\"nan\"" } else if value.isInfinite { text += value < 0 ? "\"-inf\"" : "\"inf\"" } else { text += "\(value)" }
                    }
                }
                text += "}\n"
            }
            let url = URL(fileURLWithPath: path)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
            try Data(text.utf8).write(to: temporary)
            guard rename(temporary.path, path) == 0 else {
                try? FileManager.default.removeItem(at: temporary)
                throw RuntimeError("cannot rename \(temporary.path) to \(path): \(String(cString: strerror(errno)))")
            }
        }

        /// A JSON string literal, escaped as every JSON mlp writes is.
        static func quoted(_ string: String) -> String { JSONValue.string(string).canonicalText }
    }
}
