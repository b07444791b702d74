import Foundation
import MLPCore
import MLPData
import Testing
@testable import DataValidation

/// A folder laid out as the engine lays out one attempt of a `validate` step.
struct ValidateSandbox {
    let root: String

    init(schema: String, dataset: Dataset) throws {
        root = NSTemporaryDirectory() + "mlp-validate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/attempt/outputs", withIntermediateDirectories: true)
        try schema.write(toFile: root + "/schema.yaml", atomically: true, encoding: .utf8)
        try dataset.writeArtifact(to: root + "/input.mlpds")
    }

    var request: TaskRequest {
        TaskRequest(runID: "r", step: "check", index: nil, attempt: 1, projectDirectory: root,
                    config: ["data": .artifact(ArtifactRef(digest: String(repeating: "a", count: 64), type: .dataset, size: 1)),
                             "schema": .string("schema.yaml")],
                    outputsDirectory: root + "/attempt/outputs", stdoutPath: root + "/attempt/stdout.log",
                    stderrPath: root + "/attempt/stderr.log", environment: ["MLP_INPUT_DATA": root + "/input.mlpds"])
    }

    /// Runs the step through its executor interface, as the engine does.
    func run() async throws -> TaskStatus {
        let step = ValidateStep()
        return try await step.wait(for: try await step.submit(request))
    }
}

@Suite struct ValidateStepTests {
    let data: Dataset = try! Dataset(columns: [
        .int("id", [1, 2, 2, 4, 5, 6]),
        .float("age", [30, -1, 150, nil, 40, 41]),
        .string("plan", ["free", "pro", "gold", "free", nil, "pro"]),
        .string("score", ["a", "b", "c", "d", "e", "f"]),
    ])

    @Test func registersAsValidateWithTheSchemaFileInTheCacheKey() throws {
        let registry = PluginRegistry()
        try DataValidation.register(into: registry)
        #expect(registry.keys.map(\.description) == ["executor/validate"])
        let descriptor = try #require(registry.stepKind(uses: "validate"))
        #expect(descriptor.outputs == ["data": .dataset, "report": .json])
        #expect(descriptor.input(named: "data")?.types == [.dataset])
        #expect(ValidateStep().codeFiles(for: ["schema": .string("checks/schema.yaml")]) == ["checks/schema.yaml"])
    }

    @Test func validDataPassesThroughWithAReport() async throws {
        let sandbox = try ValidateSandbox(schema: """
            rows: {min: 1, max: 6}
            columns:
              id: {type: int, nullable: false}
              age: {type: float, min: -5, max: 200}
              plan: {allowed: [free, pro, gold]}
            """, dataset: data)
        let status = try await sandbox.run()
        #expect(status.phase == .succeeded, "\(status.message)")
        let passed = try Data(contentsOf: URL(fileURLWithPath: sandbox.root + "/attempt/outputs/data"))
        #expect(passed == (try Data(contentsOf: URL(fileURLWithPath: sandbox.root + "/input.mlpds"))), "the dataset passes through byte for byte")
        let report = try JSONValue(parsing: String(contentsOfFile: sandbox.root + "/attempt/outputs/report", encoding: .utf8))
        #expect(report == .object(["schema": .string("schema.yaml"), "valid": .bool(true), "rows": .number(6),
                                   "rules_checked": .number(11), "violations": .array([])]))
    }

    @Test func everyRuleViolatedOnceIsReportedAtOnce() async throws {
        let sandbox = try ValidateSandbox(schema: """
            rows: {min: 10}
            columns:
              id: {unique: true}
              age: {nullable: false, min: 0, max: 120}
              plan: {allowed: [free, pro]}
              score: {type: float}
              salary: {type: float}
            """, dataset: data)
        let status = try await sandbox.run()
        #expect(status.phase == .failed)
        let message = status.message
        #expect(message.hasPrefix("the dataset does not meet schema.yaml: 8 schema rules are violated:"))
        for line in [
            "dataset: rows.min: has 6 rows, fewer than the minimum 10",
            "column 'age': nullable: nulls are not allowed — 1 row, e.g. row 3 = null",
            "column 'age': min: values below the minimum 0 — 1 row, e.g. row 1 = -1.0",
            "column 'age': max: values above the maximum 120 — 1 row, e.g. row 2 = 150.0",
            "column 'id': unique: values repeat; each must be distinct — 1 row, e.g. row 2 = 2",
            "column 'plan': allowed: values outside the allowed set [free, pro] — 1 row, e.g. row 2 = gold",
            "column 'salary': missing: the dataset has no such column (it has id, age, plan, score)",
            "column 'score': type: is string, the schema wants float",
        ] {
            #expect(message.contains(line), "missing: \(line)")
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/attempt/outputs/data"), "a failed check passes nothing on")
        let log = try String(contentsOfFile: sandbox.root + "/attempt/stdout.log", encoding: .utf8)
        let json = try JSONValue(parsing: String(log.split(separator: "\n").last!))
        #expect(json["valid"] == .bool(false))
        #expect(json["violations"]?.arrayValue?.count == 8)
        #expect(json["violations"]?.arrayValue?.first?["rule"] == .string("rows.min"))

        // The one rule a dataset cannot break together with rows.min (a schema with min above max is refused).
        let tooMany = try ValidateSandbox(schema: "rows: {max: 5}", dataset: data)
        let status2 = try await tooMany.run()
        #expect(status2.phase == .failed)
        #expect(status2.message.contains("1 schema rule is violated:\n  - dataset: rows.max: has 6 rows, more than the maximum 5"))
    }

    @Test func aMissingOrBrokenSchemaFileSaysSo() async throws {
        let sandbox = try ValidateSandbox(schema: "columns: {id: {type: integer}}", dataset: data)
        let broken = try await sandbox.run()
        #expect(broken.phase == .failed && broken.message.contains("schema.yaml") && broken.message.contains("column types are"))
        try FileManager.default.removeItem(atPath: sandbox.root + "/schema.yaml")
        let missing = try await sandbox.run()
        #expect(missing.phase == .failed && missing.message.contains("cannot read the schema file"))
    }
}
