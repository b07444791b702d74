import Foundation
import MLPData

/// Reading the target column (and checking the feature columns) of a training or scoring set.
enum TrainingTarget {
    /// The most distinct values a whole-number target may have and still be read as classes.
    static let maximumInferredClasses = 20

    /// The task to learn when `task:` is not given: classification when the target is text or
    /// bool, or when every value is a whole number and there are at most
    /// ``maximumInferredClasses`` distinct values (labels coded 0/1, 1–5 stars); regression otherwise.
    static func inferredTask(_ data: Dataset, target: String) throws -> PredictionTask {
        let column = try self.column(data, target)
        switch column.storage {
        case .string, .categorical, .bool: return .classification
        case .int(let values): return Set(values).count <= maximumInferredClasses ? .classification : .regression
        case .float(let values):
            let wholes = values.allSatisfy { $0 == $0.rounded() }
            return wholes && Set(values).count <= maximumInferredClasses ? .classification : .regression
        }
    }

    static func column(_ data: Dataset, _ target: String) throws -> Column {
        guard let column = data[target] else {
            throw TrainingError(message: "no target column '\(target)' (columns: \(data.columnNames.joined(separator: ", ")))")
        }
        return column
    }

    /// The target as numbers, for regression. Text that is not a number is an error naming the row.
    static func values(_ data: Dataset, target: String) throws -> [Double] {
        let column = try self.column(data, target)
        return try (0..<data.rowCount).map { row in
            switch column[row] {
            case nil: throw TrainingError(message: "target '\(target)' is empty at row \(row + 1); drop or fill those rows")
            case .float(let value)?:
                guard value.isFinite else { throw TrainingError(message: "target '\(target)' is \(value) at row \(row + 1)") }
                return value
            case .int(let value)?: return Double(value)
            case .bool(let value)?: return value ? 1 : 0
            case .string(let text)?:
                guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                    throw TrainingError(message: "target '\(target)' row \(row + 1) is text ('\(text)'); regression needs a number in every row")
                }
                return value
            }
        }
    }

    /// Class indices of each row in `data`, given the classes a model knows.
    static func classIndices(_ data: Dataset, target: String, classes: [String]) throws -> [Int] {
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        return try LogisticTrainer.labelTexts(data, target: target).enumerated().map { row, label in
            guard let known = index[label] else {
                throw TrainingError(message: "row \(row + 1): class '\(label)' of '\(target)' was not in the training data (classes: \(classes.joined(separator: ", ")))")
            }
            return known
        }
    }

    /// Rejects a text feature column that is mostly numbers: a stray word in a numeric column
    /// (`n/a`, `12,5`) would otherwise turn every distinct number into its own one-hot feature.
    static func checkFeatureColumns(_ data: Dataset, columns: [String]) throws {
        for name in columns {
            guard let column = data[name], column.type == .string else { continue }
            var numbers = 0, firstText: (row: Int, text: String)?, present = 0
            for row in 0..<column.count {
                guard let text = column[row]?.description else { continue }
                present += 1
                if Double(text.trimmingCharacters(in: .whitespaces)) != nil { numbers += 1 } else if firstText == nil { firstText = (row, text) }
            }
            if let firstText, numbers * 2 > present {
                throw TrainingError(message: "column '\(name)' is mostly numbers but row \(firstText.row + 1) is text ('\(firstText.text)'); "
                                    + "fix or drop those rows, or leave the column out with 'features:'")
            }
        }
    }
}
