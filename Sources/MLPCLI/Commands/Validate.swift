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
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("cannot read \(path)")
            }
            let cwd = FileManager.default.currentDirectoryPath
            let shown = path.hasPrefix(cwd + "/") ? String(path.dropFirst(cwd.count + 1)) : path
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
            if output.json {
                let errors: [JSONValue] = diagnostics.map {
                    .object(["file": .string($0.location.file), "line": .number(Double($0.location.line)), "column": .number(Double($0.location.column)),
                             "message": .string($0.message), "expected": $0.expected.map { .string($0) } ?? .null])
                }
                var result: [String: JSONValue] = ["ok": .bool(diagnostics.isEmpty), "file": .string(shown), "errors": .array(errors)]
                if let spec, diagnostics.isEmpty {
                    result["pipeline"] = .string(spec.name)
                    result["steps"] = .array(spec.steps.map { .string($0.name) })
                }
                try Format.printJSON(JSONValue.object(result))
            } else if diagnostics.isEmpty, let spec {
                print("✓ \(shown): pipeline \(spec.name), \(spec.steps.count) steps, \(spec.params.count) params — everything type-checks")
            } else {
                FileHandle.standardError.write(Data("\(PipelineError(diagnostics))\n".utf8))
            }
            if !diagnostics.isEmpty { throw ExitCode(1) }
        }
    }
}
