import MLPData

extension FeatureEncoder {
    /// Fits the encoding of `columns` (default: every column but `excluding`) where empty values are
    /// allowed: trees send them down a learned missing-value branch.
    ///
    /// Numbers and bools are used as they are; text becomes one-hot columns over the categories
    /// seen (an empty text value sets none of them).
    public init(fittingAllowingMissing dataset: Dataset, columns wanted: [String]? = nil, excluding: Set<String> = []) throws {
        let names = wanted ?? dataset.columnNames.filter { !excluding.contains($0) }
        guard !names.isEmpty else { throw TrainingError(message: "there are no feature columns (the data has only \(dataset.columnNames.joined(separator: ", ")))") }
        columns = names
        encodings = try names.map { name in
            guard let column = dataset[name] else { throw TrainingError(message: "no column '\(name)' (columns: \(dataset.columnNames.joined(separator: ", ")))") }
            switch column.type {
            case .float, .int, .bool: return .numeric
            case .string: return .oneHot(categories: Set((0..<column.count).compactMap { column[$0]?.description }).sorted())
            }
        }
    }

    /// The features of `dataset`, column after column, with `NaN` for an empty numeric value.
    ///
    /// - Parameter rejectingInfinity: throw on an infinite number (training data: a tree cannot
    ///   place a threshold beyond infinity).
    /// - Throws: ``TrainingError`` naming the column (and row) that is missing or of the wrong type.
    public func encodeColumns(_ dataset: Dataset, rejectingInfinity: Bool = false) throws -> ColumnMajorFeatures {
        let rows = dataset.rowCount
        var values = [Double](repeating: 0, count: rows * featureCount)
        try values.withUnsafeMutableBufferPointer { out in
            var offset = 0
            for (name, encoding) in zip(columns, encodings) {
                guard let column = dataset[name] else { throw TrainingError(message: "the data has no column '\(name)' that the model needs") }
                let validity = column.validity
                switch encoding {
                case .numeric:
                    let base = offset * rows
                    switch column.storage {
                    case .float(let numbers):
                        for row in 0..<rows { out[base + row] = numbers[row] }
                    case .int(let numbers):
                        for row in 0..<rows { out[base + row] = Double(numbers[row]) }
                    case .bool(let flags):
                        for row in 0..<rows { out[base + row] = flags[row] ? 1 : 0 }
                    case .string, .categorical:
                        let text = (0..<rows).lazy.compactMap { column[$0]?.description }.first ?? ""
                        throw TrainingError(message: "column '\(name)' is text ('\(text)'), the model expects a number")
                    }
                    if let validity {
                        for row in 0..<rows where !validity[row] { out[base + row] = .nan }
                    }
                    if rejectingInfinity, let row = (0..<rows).first(where: { out[base + $0].isInfinite }) {
                        throw TrainingError(message: "column '\(name)' row \(row + 1) is \(out[base + row]); replace infinite values (an empty value counts as missing)")
                    }
                    offset += 1
                case .oneHot(let categories):
                    let index = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
                    for row in 0..<rows {
                        if let text = column[row]?.description, let position = index[text] { out[(offset + position) * rows + row] = 1 }
                    }
                    offset += categories.count
                }
            }
        }
        return ColumnMajorFeatures(rows: rows, columns: featureCount, values: values)
    }

    /// The row-major feature matrix of `dataset` with `NaN` for an empty numeric value, as
    /// ``GBTModel`` predicts from. Unknown categories encode as all zeros.
    public func encodeAllowingMissing(_ dataset: Dataset) throws -> FeatureMatrix {
        let byColumn = try encodeColumns(dataset)
        var values = [Double](repeating: 0, count: byColumn.values.count)
        for column in 0..<byColumn.columns {
            for row in 0..<byColumn.rows { values[row * byColumn.columns + column] = byColumn.values[column * byColumn.rows + row] }
        }
        return FeatureMatrix(rows: byColumn.rows, columns: byColumn.columns, values: values)
    }
}
