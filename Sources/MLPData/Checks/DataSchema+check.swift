extension DataSchema {
    /// Checks `dataset` against every rule and returns **every** violation (empty when all hold), in the
    /// order: row count, then columns in schema-name order, rules in the order the schema lists them.
    public func check(_ dataset: Dataset) -> [Violation] {
        var violations: [Violation] = []
        if let low = rows?.min, dataset.rowCount < low {
            violations.append(Violation(column: nil, rule: .rowsMin, message: "has \(dataset.rowCount) rows, fewer than the minimum \(low)",
                                        count: 0, rows: [], values: []))
        }
        if let high = rows?.max, dataset.rowCount > high {
            violations.append(Violation(column: nil, rule: .rowsMax, message: "has \(dataset.rowCount) rows, more than the maximum \(high)",
                                        count: 0, rows: [], values: []))
        }
        for name in columns.keys.sorted() {
            let rules = columns[name]!
            guard let column = dataset.column(named: name) else {
                if rules.required ?? true {
                    violations.append(Violation(column: name, rule: .missing,
                                                message: "the dataset has no such column (it has \(dataset.columnNames.joined(separator: ", ")))",
                                                count: 0, rows: [], values: []))
                }
                continue
            }
            violations += Self.check(column, rules)
        }
        return violations
    }

    static func check(_ column: Column, _ rules: ColumnRules) -> [Violation] {
        var violations: [Violation] = []
        func rowRule(_ rule: Violation.Rule, _ message: String, where broken: (CellValue?) -> Bool) {
            var count = 0
            var rows: [Int] = []
            var values: [String] = []
            for row in 0..<column.count {
                let value = column[row]
                guard broken(value) else { continue }
                count += 1
                if rows.count < Violation.exampleCount {
                    rows.append(row)
                    values.append(value?.description ?? "null")
                }
            }
            if count > 0 { violations.append(Violation(column: column.name, rule: rule, message: message, count: count, rows: rows, values: values)) }
        }

        if let type = rules.type, type != column.type, !(type == .float && column.type == .int) {
            violations.append(Violation(column: column.name, rule: .type, message: "is \(column.type), the schema wants \(type)",
                                        count: 0, rows: [], values: []))
        }
        if rules.nullable == false {
            rowRule(.nullable, "nulls are not allowed") { $0 == nil }
        }
        let numeric = column.type == .int || column.type == .float
        for (rule, bound) in [(Violation.Rule.min, rules.min), (.max, rules.max)] {
            guard let bound else { continue }
            guard numeric else {
                violations.append(Violation(column: column.name, rule: rule, message: "\(rule.rawValue) applies to int and float columns, this one is \(column.type)",
                                            count: 0, rows: [], values: []))
                continue
            }
            let text = JSONText.number(bound)
            if rule == .min {
                rowRule(.min, "values below the minimum \(text)") { value in value?.numeric.map { $0 < bound || $0.isNaN } ?? false }
            } else {
                rowRule(.max, "values above the maximum \(text)") { value in value?.numeric.map { $0 > bound || $0.isNaN } ?? false }
            }
        }
        if let allowed = rules.allowed {
            let set = Set(allowed)
            rowRule(.allowed, "values outside the allowed set [\(allowed.joined(separator: ", "))]") { value in
                value.map { !set.contains($0.description) } ?? false
            }
        }
        if rules.unique == true {
            var seen = Set<CellValue>()
            rowRule(.unique, "values repeat; each must be distinct") { value in
                guard let value else { return false }
                return !seen.insert(value).inserted
            }
        }
        return violations
    }
}

/// Numbers printed as users wrote them (`0`, not `0.0`).
enum JSONText {
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
