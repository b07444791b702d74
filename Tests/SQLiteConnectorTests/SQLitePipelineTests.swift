import Foundation
import MLPCore
import MLPData
import MLPEngine
import MLPStore
import Testing
import DataSteps
import DataValidation
import SQLiteConnector

/// `connector/sqlite → validate → split` driven by the engine over a real SQLite file.
@Suite struct SQLitePipelineTests {
    let pipeline = """
        name: shop
        steps:
          load: {uses: connector/sqlite, with: {path: data/shop.sqlite, query: "SELECT id, age, plan, spend FROM customers ORDER BY id"}}
          check: {uses: validate, with: {data: "${{ steps.load.outputs.data }}", schema: schema.yaml}}
          split: {uses: split, with: {data: "${{ steps.check.outputs.data }}", holdout_fraction: 0.34, seed: 3}}
        """

    let schema = """
        rows: {min: 3, max: 100}
        columns:
          id: {type: int, nullable: false, unique: true}
          age: {type: int, min: 0, max: 130}
          plan: {type: string, allowed: [free, pro, team]}
          spend: {type: float, min: 0}
        """

    func project(schema: String) throws -> (TestDatabase, Engine) {
        let database = try TestDatabase(shop)
        try pipeline.write(toFile: database.folder + "/mlp.yaml", atomically: true, encoding: .utf8)
        try schema.write(toFile: database.folder + "/schema.yaml", atomically: true, encoding: .utf8)
        let registry = PluginRegistry()
        try SQLiteConnector.register(into: registry)
        try DataValidation.register(into: registry)
        try DataSteps.register(into: registry)
        return (database, try Engine(project: Project(root: database.folder), registry: registry))
    }

    func run(_ engine: Engine) async throws -> (RunRecord, [String: StepRecord]) {
        let created = try engine.createRun(RunOptions())
        let finished = try await engine.drive(runID: created.id)
        return (finished, Dictionary(uniqueKeysWithValues: try engine.store.steps(runID: finished.id).map { ($0.name, $0) }))
    }

    func outputs(_ step: StepRecord?) -> JSONValue { (step?.outputs).flatMap { try? JSONValue(parsing: $0) } ?? .null }

    @Test func validatedDataFlowsDownstreamAndEditsRerunTheRightSteps() async throws {
        let (database, engine) = try project(schema: schema)
        let (run, steps) = try await run(engine)
        #expect(run.status == .succeeded, "\(run.error ?? "") \(steps.mapValues { $0.error ?? "" })")
        #expect(outputs(steps["load"])["rows"] == .number(3))
        let loaded = outputs(steps["load"])["data"]?["artifact"]
        #expect(loaded != nil && outputs(steps["check"])["data"]?["artifact"] == loaded, "validate passes the same dataset through")
        let report = try #require(outputs(steps["check"])["report"])
        #expect(report["valid"] == .bool(true) && report["rows"] == .number(3) && report["violations"] == .array([]))
        #expect(report["rules_checked"] == .number(16))
        #expect(outputs(steps["split"])["train_rows"] == .number(2) && outputs(steps["split"])["holdout_rows"] == .number(1))

        let (_, again) = try await self.run(engine)
        #expect(again.values.allSatisfy { $0.status == .cached })

        // A new rule re-runs the check only (the data did not change, so split hits the cache).
        try (schema + "\n  extra: {required: false}\n").write(toFile: database.folder + "/schema.yaml", atomically: true, encoding: .utf8)
        let (_, edited) = try await self.run(engine)
        #expect(edited["load"]?.status == .cached && edited["check"]?.status == .succeeded && edited["split"]?.status == .cached)

        // A changed database re-runs everything.
        try TestDatabase.execute("INSERT INTO customers VALUES (4, 29, 'pro', 8.0, NULL, NULL);", at: database.path)
        let (_, grown) = try await self.run(engine)
        #expect(grown["load"]?.status == .succeeded && grown["check"]?.status == .succeeded && grown["split"]?.status == .succeeded)
        #expect(outputs(grown["load"])["rows"] == .number(4))
    }

    @Test func aViolatedSchemaFailsTheRunListingEveryRule() async throws {
        let strict = """
            rows: {min: 5}
            columns:
              age: {nullable: false, max: 40}
              plan: {allowed: [free, pro]}
            """
        let (_, engine) = try project(schema: strict)
        let (run, steps) = try await run(engine)
        #expect(run.status == .failed)
        #expect(steps["split"]?.status != .succeeded)
        let error = try #require(steps["check"]?.error)
        #expect(error.contains("4 schema rules are violated"))
        #expect(error.contains("dataset: rows.min"))
        #expect(error.contains("column 'age': nullable") && error.contains("row 1 = null"))
        #expect(error.contains("column 'age': max") && error.contains("row 2 = 51"))
        #expect(error.contains("column 'plan': allowed") && error.contains("row 2 = team"))
    }
}
