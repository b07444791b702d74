import ArgumentParser
import Foundation
import MLPCore
import MLPEngine

extension MLPCommandLine {
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Type-check mlp.yaml without running anything.",
            discussion: """
                Reports every problem at once, each as FILE:LINE:COLUMN: what is wrong (what was expected):
                unknown steps, outputs, params or step kinds, type mismatches, cycles, missing inputs and params.
                Exit status 1 when there is any problem.
                """)

        @OptionGroup var project: ProjectOptions
        @OptionGroup var output: OutputOptions

        @Option(name: .customLong("param"), help: ArgumentHelp("A param value, as for `mlp run` (repeatable).", valueName: "name=value"))
        var params: [String] = []

        @Argument(help: "The pipeline file (default: the project's mlp.yaml).")
        var file: String?

        func run() async throws {
            let registry = try makeRegistry()
            let path: String
            if let file { path = file } else { path = try project.locate().pipelineFile }
            let cwd = FileManager.default.currentDirectoryPath
            let shown = path.hasPrefix(cwd + "/") ? String(path.dropFirst(cwd.count + 1)) : path
            let text: String
            do {
                text = try Project.readPipeline(at: path, shownAs: shown)
            } catch let error as Project.PipelineFileError {
                if output.json {
                    let at = error.location ?? SourceLocation(file: shown, line: 1, column: 1)
                    try Format.printJSON(JSONValue.object([
                        "ok": .bool(false), "file": .string(shown),
                        "errors": .array([.object(["file": .string(shown), "line": .number(Double(at.line)), "column": .number(Double(at.column)),
                                                    "message": .string(error.reason), "expected": .null])]),
                    ]))
                } else {
                    FileHandle.standardError.write(Data("\(error.location.map { "\($0)" } ?? error.path): error: \(error.reason)\n".utf8))
                }
                throw ExitCode(1)
            }
            let supplied = try parseParams(params)
            var diagnostics: [Diagnostic] = []
            var spec: PipelineSpec?
            let (parsed, parseDiagnostics) = PipelineParser.parseCollecting(text, file: shown)
            diagnostics = parseDiagnostics
            if let parsed {
                let checker = PipelineChecker(registry: registry)
                diagnostics += checker.check(parsed, suppliedParams: Set(supplied.keys))
                spec = parsed
                for (name, raw) in supplied.sorted(by: { $0.key < $1.key }) {
                    guard let param = parsed.param(name) else {
                        diagnostics.append(Diagnostic(SourceLocation(file: shown, line: 1, column: 1), "--param \(name): the pipeline has no param '\(name)'"))
                        continue
                    }
                    do { _ = try PortValue.parse(raw, as: param.type) } catch {
                        diagnostics.append(Diagnostic(param.location, "--param \(name)=\(raw): \(error)", expected: param.type.rawValue))
                    }
                }
            }
            diagnostics.sort { $0.location < $1.location }
            let warnings = spec.map { PipelineChecker(registry: registry).migrationNotes($0) } ?? []
            func view(_ diagnostic: Diagnostic) -> JSONValue {
                .object(["file": .string(diagnostic.location.file), "line": .number(Double(diagnostic.location.line)),
                         "column": .number(Double(diagnostic.location.column)), "message": .string(diagnostic.message),
                         "expected": diagnostic.expected.map { .string($0) } ?? .null])
            }
            if output.json {
                var result: [String: JSONValue] = ["ok": .bool(diagnostics.isEmpty), "file": .string(shown),
                                                   "errors": .array(diagnostics.map(view)), "warnings": .array(warnings.map(view))]
                if let spec, diagnostics.isEmpty {
                    result["pipeline"] = .string(spec.name)
                    result["steps"] = .array(spec.steps.map { .string($0.name) })
                }
                try Format.printJSON(JSONValue.object(result))
            } else if diagnostics.isEmpty, let spec {
                if !warnings.isEmpty {
                    let count = warnings.count
                    let lines = warnings.map(\.description) + ["\(count) warning\(count == 1 ? "" : "s")"]
                    FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
                }
                print("✓ \(shown): pipeline \(spec.name), \(spec.steps.count) steps, \(spec.params.count) params — everything type-checks")
            } else {
                let all = (diagnostics + warnings).sorted { $0.location < $1.location }
                let count = diagnostics.count
                let lines = all.map(\.description) + ["\(count) error\(count == 1 ? "" : "s")"]
                FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            }
            if !diagnostics.isEmpty { throw ExitCode(1) }
        }
    }
}
