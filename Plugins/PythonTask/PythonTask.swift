import MLPCore

/// Runs a step as a Python script (`with: {script: steps/train.py}`) or inline code
/// (`with: {code: "…"}`), in the project folder, in a process group of its own.
///
/// The interpreter is `with: {python: …}`, else `$MLP_PYTHON`, else `python3` on the PATH.
/// Inputs and outputs follow the same file protocol as shell steps.
public struct PythonTask: TaskExecutor {
    let processes = LocalProcessTable(executorKey: "executor/python")

    public init() {}

    public var descriptor: StepKindDescriptor {
        StepKindDescriptor(
            uses: "python", version: "1", summary: "runs a Python script",
            inputs: [
                .init("script", [.string, .file], summary: "a .py file, relative to the project; its content joins the cache key"),
                .init("code", [.string], summary: "inline Python code; a ${{ }} reference in it reads an environment variable", language: .python),
                .init("python", [.string], summary: "the interpreter (default $MLP_PYTHON or python3)"),
                .init("args", [.json, .string], summary: "extra command-line arguments"),
                .init("files", [.json, .string], summary: "more project files (helper modules, data read by path) whose content joins the cache key"),
            ],
            acceptsExtraInputs: true, userDeclaresOutputs: true, requiresOneOf: ["script", "code"])
    }

    public func codeFiles(for config: [String: PortValue]) -> [String] {
        var files: [String] = []
        if case .string(let script) = config["script"] { files.append(script) }
        return files + ProjectFiles.list(config["files"])
    }

    func arguments(_ request: TaskRequest) -> [String] {
        var python = request.environment["MLP_PYTHON"] ?? "python3"
        if case .string(let chosen) = request.config["python"] { python = chosen }
        var arguments = [python, "-u"]
        if case .string(let code) = request.config["code"] {
            arguments += ["-c", code]
        } else if case .string(let script) = request.config["script"] {
            arguments.append(script)
        }
        switch request.config["args"] {
        case .json(.array(let items))?: arguments += items.map { $0.stringValue ?? $0.canonicalText }
        case .string(let text)?: arguments += text.split(separator: " ").map(String.init)
        default: break
        }
        return arguments
    }

    public func submit(_ request: TaskRequest) async throws -> TaskHandle {
        try processes.start(arguments(request), for: request)
    }

    public func status(of handle: TaskHandle) async throws -> TaskStatus { processes.status(of: handle) }
    public func wait(for handle: TaskHandle) async throws -> TaskStatus { await processes.wait(for: handle) }
    public func cancel(_ handle: TaskHandle) async throws { await processes.cancel(handle) }

    /// Adds this plugin to a registry.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(executor: PythonTask())
    }
}
