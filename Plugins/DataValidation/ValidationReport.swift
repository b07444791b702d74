import Foundation
import MLPData

/// What `validate` checked and found, written as its `report` output and to its log.
struct ValidationReport: Codable, Equatable {
    /// The schema file, as the step named it.
    var schema: String
    /// Whether every rule holds.
    var valid: Bool
    /// The dataset's row count.
    var rows: Int
    /// How many rules the schema states (each bound, type, flag and allowed set counts once).
    var rulesChecked: Int
    /// Every broken rule.
    var violations: [Violation]

    enum CodingKeys: String, CodingKey {
        case schema, valid, rows, violations
        case rulesChecked = "rules_checked"
    }

    init(schema: String, rows: Int, rulesChecked: Int, violations: [Violation]) {
        self.schema = schema
        self.valid = violations.isEmpty
        self.rows = rows
        self.rulesChecked = rulesChecked
        self.violations = violations
    }

    /// The report as compact JSON with sorted keys.
    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension DataSchema {
    /// The number of rules the schema states: each row bound, and per column its existence (when
    /// required), type, non-nullability, bounds, allowed set and uniqueness.
    var ruleCount: Int {
        var count = (rows?.min == nil ? 0 : 1) + (rows?.max == nil ? 0 : 1)
        for rules in columns.values {
            count += (rules.required ?? true) ? 1 : 0
            count += rules.type == nil ? 0 : 1
            count += rules.nullable == false ? 1 : 0
            count += (rules.min == nil ? 0 : 1) + (rules.max == nil ? 0 : 1)
            count += rules.allowed == nil ? 0 : 1
            count += rules.unique == true ? 1 : 0
        }
        return count
    }
}
