import Foundation
import MLPCore
import MLPData

/// `uses: validate`: checks a dataset against a schema file ("unit tests for data").
///
/// When every rule holds, the dataset passes through unchanged as the output `data` (the same
/// artifact digest), so later steps can depend on validated data, and `report` holds what was
/// checked. When any rule is broken the step fails, and its error lists **every** violated rule with
/// the column, the rule, the number of offending rows and the first examples. Runs inside mlp.
public struct ValidateStep: TaskExecutor {
    let tasks = InProcessTaskTable(executorKey: "executor/validate")

    public init() {}

    public var descriptor: StepKindDescriptor {
        StepKindDescriptor(
            uses: "validate", version: "1", summary: "checks a dataset against a schema file; fails listing every violated rule",
            inputs: [
                .init("data", [.dataset], required: true, summary: "the dataset to check"),
                .init("schema", [.string], required: true, summary: "the schema file (YAML or JSON), relative to the project"),
            ],
            outputs: ["data": .dataset, "report": .json])
    }

    /// The schema file: its content joins the cache key, so editing a rule re-runs the check.
    public func codeFiles(for config: [String: PortValue]) -> [String] {
        if case .string(let path) = config["schema"], !path.isEmpty { return [path] }
        return []
    }

    public func submit(_ request: TaskRequest) async throws -> TaskHandle {
        tasks.start { try Self.validate(request) }
    }

    public func status(of handle: TaskHandle) async throws -> TaskStatus { tasks.status(of: handle) }
    public func wait(for handle: TaskHandle) async throws -> TaskStatus { await tasks.wait(for: handle) }
    public func cancel(_ handle: TaskHandle) async throws { tasks.cancel(handle) }

    /// Runs one check: writes `data` and `report` into the outputs folder, or throws ``SchemaViolations``.
    static func validate(_ request: TaskRequest) throws {
        guard case .artifact = request.config["data"], let dataPath = request.environment["MLP_INPUT_DATA"] else {
            throw ValidateInputError(input: "data", "is required: a dataset, such as ${{ steps.load.outputs.data }}")
        }
        guard case .string(let relative)? = request.config["schema"], !relative.isEmpty else {
            throw ValidateInputError(input: "schema", "is required: a schema file (YAML or JSON) relative to the project")
        }
        let schemaPath = relative.hasPrefix("/") ? relative : request.projectDirectory + "/" + relative
        let schema = try DataSchema(contentsOf: schemaPath)
        let dataset = try DatasetLoader.load(dataPath)
        try Task.checkCancellation()
        let violations = schema.check(dataset)
        let report = ValidationReport(schema: relative, rows: dataset.rowCount, rulesChecked: schema.ruleCount, violations: violations)
        let json = try report.jsonText()
        // The step's log holds the readable report and the JSON one (`mlp logs` shows them).
        try? (violations.report + "\n" + json + "\n").write(toFile: request.stdoutPath, atomically: true, encoding: .utf8)
        guard violations.isEmpty else { throw SchemaViolations(schema: relative, violations: violations) }
        try FileManager.default.copyItem(atPath: dataPath, toPath: request.outputsDirectory + "/data")
        try json.write(toFile: request.outputsDirectory + "/report", atomically: true, encoding: .utf8)
    }
}

/// The validation plugin.
public enum DataValidation {
    /// Adds `validate` to a registry.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(executor: ValidateStep())
    }
}
