import ArgumentParser
import Foundation
import MLPTemplates
import MLPTUI

extension MLPCommandLine {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a project from a template.",
            discussion: "`mlp templates` lists the templates. The new folder gets mlp.yaml, its scripts and data, and a README.")

        @Argument(help: "The folder to create.")
        var name: String

        @Option(name: [.customShort("t"), .long], help: "The template.")
        var template = "tabular-classification"

        @Flag(help: "Write into the folder even if it exists and is not empty.")
        var force = false

        func validate() throws {
            guard !name.isEmpty else { throw ValidationError("the project folder's name is empty; give one, such as `mlp init churn`") }
            if let bad = name.unicodeScalars.first(where: TerminalText.isControl) {
                throw ValidationError("the project folder's name holds a control character (U+\(String(format: "%04X", bad.value))); use letters, digits, '-', '_' or '.'")
            }
            let library = TemplateLibrary()
            guard library.path(of: template) != nil else {
                throw ValidationError("no template '\(template)'; expected one of: \(library.names.joined(separator: ", "))")
            }
        }

        func run() async throws {
            let library = TemplateLibrary()
            guard let source = library.path(of: template) else {
                throw ValidationError("no template '\(template)'; expected one of: \(library.names.joined(separator: ", "))")
            }
            let fileManager = FileManager.default
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: name, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw RuntimeError("\(name) exists and is not a folder; give a new folder's name") }
                let contents = try fileManager.contentsOfDirectory(atPath: name)
                if !contents.isEmpty, !force { throw RuntimeError("\(name) exists and is not empty; pass --force to write into it") }
            }
            do {
                try fileManager.createDirectory(atPath: name, withIntermediateDirectories: true)
            } catch {
                throw RuntimeError("cannot create the folder \(name): \((error as NSError).localizedFailureReason ?? "permission denied or a file in the way"); check the path and its parent folders")
            }
            let files = try library.copy(template: source, to: name)
            try renamePipeline(in: "\(name)/mlp.yaml", to: URL(fileURLWithPath: name).standardizedFileURL.lastPathComponent)
            let ignore = "\(name)/.gitignore"
            if !fileManager.fileExists(atPath: ignore) {
                try ".mlp/\n__pycache__/\n".write(toFile: ignore, atomically: true, encoding: .utf8)
            }
            print("created \(name) from template \(template) (\(files) files)")
            print("next:\n  cd \(name)\n  mlp validate\n  mlp run")
        }

        /// Gives the new project's pipeline the project's name (the first top-level `name:` line).
        func renamePipeline(in path: String, to projectName: String) throws {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
            var lines = text.components(separatedBy: "\n")
            guard let index = lines.firstIndex(where: { $0.hasPrefix("name:") }) else { return }
            lines[index] = "name: " + Self.yamlScalar(projectName)
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }

        /// `text` as a YAML scalar that reads back as exactly `text`: plain when it is letters,
        /// digits, `-`, `_` and `.` (and does not start with a digit, `-` or `.`), else double-quoted
        /// with `\\`, `\"` and every control character escaped.
        static func yamlScalar(_ text: String) -> String {
            let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
                && text.unicodeScalars.first.map { CharacterSet.letters.contains($0) || $0 == "_" } == true
                && !["true", "false", "yes", "no", "on", "off", "null", "y", "n"].contains(text.lowercased())
            if plain { return text }
            var quoted = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\\": quoted += "\\\\"
                case "\"": quoted += "\\\""
                case _ where TerminalText.isControl(scalar) || scalar.value == 0xFEFF: quoted += String(format: "\\u%04X", scalar.value)
                default: quoted.unicodeScalars.append(scalar)
                }
            }
            return quoted + "\""
        }
    }
}
