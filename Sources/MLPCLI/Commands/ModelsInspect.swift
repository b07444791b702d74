import ArgumentParser
import Foundation
import MLPCore
import MLPModels

extension MLPCommandLine.Models {
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a model file's format, metadata and tensors (safetensors or GGUF).",
            discussion: "The file is checked as it is read: a malformed file gets an error that says what is wrong and where.")

        @OptionGroup var output: OutputOptions

        @Argument(help: "A .safetensors or .gguf file, or a model folder (its model.safetensors).")
        var file: String

        func run() async throws {
            var isFolder: ObjCBool = false
            let path = FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) && isFolder.boolValue ? "\(file)/model.safetensors" : file
            let summary = try ModelFileSummary(path: path)
            if output.json {
                try Format.printJSON(ModelFileViews.json(summary))
                return
            }
            print(ModelFileViews.text(summary))
        }
    }
}

/// Views of a model file summary for `mlp models inspect`.
enum ModelFileViews {
    /// GGUF arrays longer than this are shown by their first values and count.
    static let arrayPreview = 16

    static func text(_ summary: ModelFileSummary) -> String {
        var lines = ["file      \(summary.path)",
                     "format    \(summary.format.rawValue)\(summary.version.map { " v\($0)" } ?? ""), \(summary.fileSize) bytes",
                     "tensors   \(summary.tensors.count), \(summary.tensorBytes) bytes"]
        if summary.metadata.isEmpty {
            lines.append("metadata  none")
        } else {
            var table = TextTable("KEY", "TYPE", "VALUE")
            for (key, value) in summary.metadata {
                switch value {
                case .string(let text): table.add(key, "string", text)
                case .gguf(let value): table.add(key, value.type.name, value.description)
                }
            }
            lines.append("")
            lines.append(table.render())
        }
        var tensors = TextTable("NAME", "DTYPE", "SHAPE", "BYTES")
        for tensor in summary.tensors {
            tensors.add(tensor.name, tensor.dtype, "[" + tensor.shape.map(String.init).joined(separator: ", ") + "]", String(tensor.bytes))
        }
        lines.append("")
        lines.append(tensors.render())
        return lines.joined(separator: "\n")
    }

    static func json(_ summary: ModelFileSummary) -> JSONValue {
        var metadata: [String: JSONValue] = [:]
        for (key, value) in summary.metadata {
            switch value {
            case .string(let text): metadata[key] = .string(text)
            case .gguf(let value): metadata[key] = json(value)
            }
        }
        return .object([
            "path": .string(summary.path),
            "format": .string(summary.format.rawValue),
            "version": summary.version.map { .number(Double($0)) } ?? .null,
            "file_bytes": .number(Double(summary.fileSize)),
            "tensor_bytes": .number(Double(summary.tensorBytes)),
            "metadata": .object(metadata),
            "tensors": .array(summary.tensors.map { tensor in
                .object(["name": .string(tensor.name), "dtype": .string(tensor.dtype), "shape": .array(tensor.shape.map { .number(Double($0)) }),
                         "bytes": .number(Double(tensor.bytes)), "offset": .number(Double(tensor.offset))])
            }),
        ])
    }

    /// A GGUF value as JSON: 64-bit integers past 2^53 as strings (a double would round them),
    /// long arrays as `{type, count, head}`.
    static func json(_ value: GGUFValue) -> JSONValue {
        let exact = 1 << 53
        switch value {
        case .uint64(let number): return number <= UInt64(exact) ? .number(Double(number)) : .string(String(number))
        case .int64(let number): return abs(number) <= Int64(exact) ? .number(Double(number)) : .string(String(number))
        case .float32(let number): return .number(Double(number))
        case .float64(let number): return .number(number)
        case .bool(let flag): return .bool(flag)
        case .string(let text): return .string(text)
        case let .array(elementType, values):
            if values.count <= arrayPreview { return .array(values.map(json)) }
            return .object(["type": .string(elementType.name), "count": .number(Double(values.count)),
                            "head": .array(values.prefix(arrayPreview).map(json))])
        default: return .number(Double(value.intValue ?? 0))
        }
    }
}

extension GGUFValueType {
    /// The type's name as the GGUF specification spells it (`uint32`, `string`, `array`).
    var name: String { String(describing: self) }
}
