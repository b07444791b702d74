import ArgumentParser
import Foundation
import MLPTemplates

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

        func run() async throws {
            let library = TemplateLibrary()
            guard let source = library.path(of: template) else {
                throw ValidationError("no template '\(template)'; expected one of: \(library.names.joined(separator: ", "))")
            }
            let fileManager = FileManager.default
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: name, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw ValidationError("\(name) exists and is not a folder") }
                let contents = try fileManager.contentsOfDirectory(atPath: name)
                if !contents.isEmpty, !force { throw ValidationError("\(name) exists and is not empty; pass --force to write into it") }
            }
            try fileManager.createDirectory(atPath: name, withIntermediateDirectories: true)
            let files = try library.copy(template: source, to: name)
            try renamePipeline(in: "\(name)/mlp.yaml", to: URL(fileURLWithPath: name).lastPathComponent)
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
            let safe = projectName.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }
            lines[index] = "name: " + (safe ? projectName : "\"\(projectName.replacingOccurrences(of: "\"", with: ""))\"")
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}
