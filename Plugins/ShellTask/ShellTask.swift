import MLPCore

/// Runs a step as a shell command (`with: {run: "…"}`) or a shell script (`with: {script: steps/x.sh}`)
/// under `/bin/sh`, in the project folder, in a process group of its own.
///
/// Every other `with:` key reaches the script as `$MLP_INPUT_<KEY>` and in `$MLP_INPUTS` (JSON);
/// the script writes each declared output to `$MLP_OUTPUTS/<name>`.
public struct ShellTask: TaskExecutor {
    let processes = LocalProcessTable(executorKey: "executor/shell")

    public init() {}

    public var descriptor: StepKindDescriptor {
        StepKindDescriptor(
            uses: "shell", version: "1", summary: "runs a shell command or script",
            inputs: [
                .init("run", [.string], summary: "the command line, run with sh -c; a ${{ }} reference in it reaches the command as an environment variable", language: .shell),
                .init("script", [.string, .file], summary: "a script file, relative to the project; its content joins the cache key"),
                .init("shell", [.string], summary: "the interpreter (default /bin/sh)"),
                .init("files", [.json, .string], summary: "more project files (helpers, data read by path) whose content joins the cache key"),
            ],
            acceptsExtraInputs: true, userDeclaresOutputs: true, requiresOneOf: ["run", "script"])
    }

    public func codeFiles(for config: [String: PortValue]) -> [String] {
        var files: [String] = []
        if case .string(let script) = config["script"] { files.append(script) }
        return files + ProjectFiles.list(config["files"])
    }

    /// The command line for a request.
    func arguments(_ config: [String: PortValue]) -> [String] {
        var shell = "/bin/sh"
        if case .string(let chosen) = config["shell"] { shell = chosen }
        if case .string(let command) = config["run"] { return [shell, "-c", command] }
        if case .string(let script) = config["script"] { return [shell, script] }
        return [shell, "-c", "echo 'shell step has neither run nor script' >&2; exit 2"]
    }

    public func submit(_ request: TaskRequest) async throws -> TaskHandle {
        try processes.start(arguments(request.config), for: request)
    }

    public func status(of handle: TaskHandle) async throws -> TaskStatus { processes.status(of: handle) }
    public func wait(for handle: TaskHandle) async throws -> TaskStatus { await processes.wait(for: handle) }
    public func cancel(_ handle: TaskHandle) async throws { await processes.cancel(handle) }

    /// Adds this plugin to a registry.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(executor: ShellTask())
    }
}
