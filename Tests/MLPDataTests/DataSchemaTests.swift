import Foundation
import Testing
@testable import MLPData

@Suite struct DataSchemaTests {
    let dataset: Dataset = try! Dataset(columns: [
        .int("id", [1, 2, 2, 4, 5]),
        .float("age", [30, -1, 150, nil, 40]),
        .string("plan", ["free", "pro", "gold", "free", nil]),
        .bool("ok", [true, true, false, nil, true]),
    ])

    func only(_ rules: DataSchema.ColumnRules, for column: String) -> [Violation] {
        DataSchema(columns: [column: rules]).check(dataset)
    }

    @Test func aDatasetThatMeetsEveryRuleHasNoViolations() throws {
        let schema = try DataSchema(parsing: """
            rows: {min: 1, max: 10}
            columns:
              id: {type: int, nullable: false}
              age: {type: float, min: -5, max: 200}
              plan: {type: string, allowed: [free, pro, gold]}
              ok: {type: bool}
              gone: {required: false}
            """)
        #expect(schema.check(dataset) == [])
        #expect(schema.check(dataset).report == "all schema rules hold")
    }

    @Test func rowBounds() {
        let low = DataSchema(rows: .init(min: 6)).check(dataset)
        #expect(low.map(\.rule) == [.rowsMin])
        #expect(low[0].description == "dataset: rows.min: has 5 rows, fewer than the minimum 6")
        #expect(DataSchema(rows: .init(max: 4)).check(dataset).map(\.rule) == [.rowsMax])
        #expect(DataSchema(rows: .init(min: 5, max: 5)).check(dataset) == [])
    }

    @Test func missingColumn() {
        let violations = only(.init(type: .int), for: "salary")
        #expect(violations.map(\.rule) == [.missing])
        #expect(violations[0].message.contains("id, age, plan, ok"))
        #expect(only(.init(required: false), for: "salary") == [])
    }

    @Test func type() {
        #expect(only(.init(type: .string), for: "id").map(\.rule) == [.type])
        #expect(only(.init(type: .float), for: "id") == [], "an int column meets float")
        #expect(only(.init(type: .int), for: "age")[0].message == "is float, the schema wants int")
    }

    @Test func nullable() {
        let violations = only(.init(nullable: false), for: "age")
        #expect(violations.map(\.rule) == [.nullable])
        #expect(violations[0].rows == [3])
        #expect(violations[0].values == ["null"])
        #expect(only(.init(nullable: true), for: "age") == [])
    }

    @Test func minAndMax() {
        let violations = only(.init(min: 0, max: 120), for: "age")
        #expect(violations.map(\.rule) == [.min, .max])
        #expect(violations[0].rows == [1])
        #expect(violations[0].description == "column 'age': min: values below the minimum 0 — 1 row, e.g. row 1 = -1.0")
        #expect(violations[1].rows == [2])
        #expect(only(.init(min: 0), for: "plan")[0].message.contains("applies to int and float"))
    }

    @Test func allowed() {
        let violations = only(.init(allowed: ["free", "pro"]), for: "plan")
        #expect(violations.map(\.rule) == [.allowed])
        #expect(violations[0].rows == [2])
        #expect(violations[0].values == ["gold"])
        #expect(only(.init(allowed: ["1", "2", "4", "5"]), for: "id") == [])
        let categorical = try! Dataset(columns: [Column.string("plan", ["free", "gold"]).dictionaryEncoded()])
        #expect(DataSchema(columns: ["plan": .init(allowed: ["free"])]).check(categorical)[0].rows == [1])
    }

    @Test func unique() {
        let violations = only(.init(unique: true), for: "id")
        #expect(violations.map(\.rule) == [.unique])
        #expect(violations[0].rows == [2])
        #expect(violations[0].values == ["2"])
        #expect(only(.init(unique: true), for: "plan").map(\.rule) == [.unique])
        #expect(only(.init(unique: true), for: "age") == [], "nulls are not duplicates")
    }

    @Test func everyViolatedRuleIsReportedAtOnce() throws {
        let schema = try DataSchema(parsing: """
            {"rows": {"min": 100},
             "columns": {"id": {"unique": true}, "age": {"nullable": false, "min": 0, "max": 120},
                         "plan": {"allowed": ["free", "pro"]}, "salary": {"type": "float"}, "ok": {"type": "int"}}}
            """)
        let violations = schema.check(dataset)
        #expect(violations.map(\.rule) == [.rowsMin, .nullable, .min, .max, .unique, .type, .allowed, .missing])
        let report = violations.report
        #expect(report.hasPrefix("8 schema rules are violated:"))
        #expect(report.contains("column 'plan': allowed: values outside the allowed set [free, pro] — 1 row, e.g. row 2 = gold"))
    }

    @Test func examplesAreCappedButCountsAreNot() throws {
        let many = try Dataset(columns: [.int("x", (0..<100).map { _ in Int64(-1) })])
        let violation = DataSchema(columns: ["x": .init(min: 0)]).check(many)[0]
        #expect(violation.count == 100)
        #expect(violation.rows == [0, 1, 2, 3, 4])
    }

    @Test func badSchemaFilesSayWhatIsWrong() throws {
        let badType = try #require(throws: DataSchemaError.self) { try DataSchema(parsing: "columns: {a: {type: integer}}") }
        #expect(badType.description.contains("column types are float, int, bool, string"))
        let path = try temporaryDirectory() + "/schema.yaml"
        try "columns:\n  a: {type: int, unique: true}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try DataSchema(contentsOf: path).columns["a"]?.unique == true)
        #expect(throws: DataSchemaError.self) { try DataSchema(contentsOf: path + ".nope") }
    }
}

@Suite struct ProfileTests {
    @Test func numbersBoolsAndStringsGetTheirStatistics() throws {
        let dataset = try Dataset(columns: [
            .int("n", [1, 2, 3, nil]), .bool("b", [true, nil, true, false]), .string("s", ["a", "b", "a", nil]),
            Column.string("c", ["x", "y", "x", "x"]).dictionaryEncoded(),
        ])
        let profile = Profile(dataset)
        #expect(profile.rows == 4)
        let n = profile.columns[0]
        #expect(n.count == 4 && n.nulls == 1 && n.min == 1 && n.max == 3 && n.mean == 2 && n.std == 1)
        #expect(profile.columns[1].trueCount == 2)
        #expect(profile.columns[2].distinct == 2)
        #expect(profile.columns[2].top == [.init(value: "a", count: 2), .init(value: "b", count: 1)])
        #expect(profile.columns[3].top?.first == .init(value: "x", count: 3))
        let float = Profile(try Dataset(columns: [.float("f", [2, 4, 4, 4, 5, 5, 7, 9])])).columns[0]
        #expect(float.mean == 5)
        #expect(abs(float.std! - 2.138089935299395) < 1e-12)
        let encoded = String(decoding: try JSONEncoder().encode(profile), as: UTF8.self)
        #expect(encoded.contains("\"true_count\":2"))
    }
}

@Suite struct DataSchemaStrictnessTests {
    @Test func aMisspeltRuleIsAnErrorNotASilentlyUncheckedRule() throws {
        let typo = try #require(throws: DataSchemaError.self) { try DataSchema(parsing: "columns: {age: {nulable: false}}") }
        #expect(typo.description.contains("'nulable' is not a column rule key"))
        #expect(typo.description.contains("type, nullable, min, max, allowed, unique, required"))
        let top = try #require(throws: DataSchemaError.self) { try DataSchema(parsing: "row: {min: 1}\ncolumns: {}") }
        #expect(top.description.contains("'row' is not a schema key"))
        let bounds = try #require(throws: DataSchemaError.self) { try DataSchema(parsing: "rows: {min: 1, minimum: 2}") }
        #expect(bounds.description.contains("'minimum' is not a rows key"))
    }

    @Test func aLowerBoundAboveItsUpperBoundIsAnError() throws {
        let column = try #require(throws: DataSchemaError.self) { try DataSchema(parsing: "columns: {age: {min: 10, max: 5}}") }
        #expect(column.description.contains("'columns.age.min': min (10.0) is above max (5.0)"))
        let rows = try #require(throws: DataSchemaError.self) { try DataSchema(parsing: "rows: {min: 10, max: 5}") }
        #expect(rows.description.contains("min (10) is above max (5)"))
    }

    @Test func everyRuleStillDecodes() throws {
        let schema = try DataSchema(parsing: """
            rows: {min: 1, max: 9}
            columns:
              a: {type: int, nullable: false, min: 0, max: 3, allowed: ["1", "2"], unique: true, required: true}
              b: {}
            """)
        #expect(schema == DataSchema(rows: .init(min: 1, max: 9), columns: [
            "a": .init(type: .int, nullable: false, min: 0, max: 3, allowed: ["1", "2"], unique: true, required: true), "b": .init(),
        ]))
    }
}
