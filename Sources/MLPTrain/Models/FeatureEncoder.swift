import MLPData

/// Turns a dataset's columns into model features, the same way at training and at serving time:
/// numbers and bools as they are, text as one-hot columns over the categories seen in training.
public struct FeatureEncoder: Codable, Sendable, Equatable {
    /// How one source column becomes features.
    public enum Encoding: Codable, Sendable, Equatable {
        case numeric
        case oneHot(categories: [String])
    }

    public var columns: [String]
    public var encodings: [Encoding]

    /// The feature names, in matrix order (`colour=red` for one-hot columns).
    public var featureNames: [String] {
        zip(columns, encodings).flatMap { name, encoding -> [String] in
            switch encoding {
            case .numeric: return [name]
            case .oneHot(let categories): return categories.map { "\(name)=\($0)" }
            }
        }
    }

    /// How many features there are (the width of the matrix), without building their names.
    public var featureCount: Int {
        encodings.reduce(0) { count, encoding in
            switch encoding {
            case .numeric: return count + 1
            case .oneHot(let categories): return count + categories.count
            }
        }
    }

    /// Fits the encoding of `columns` (default: every column but `excluding`).
    public init(fitting dataset: Dataset, columns wanted: [String]? = nil, excluding: Set<String> = []) throws {
        columns = wanted ?? dataset.columnNames.filter { !excluding.contains($0) }
        encodings = try columns.map { name in
            guard let column = dataset[name] else { throw TrainingError(message: "no column '\(name)' (columns: \(dataset.columnNames.joined(separator: ", ")))") }
            guard column.nullCount == 0 else {
                throw TrainingError(message: "column '\(name)' has \(column.nullCount) empty values; fill or drop them before training")
            }
            switch column.type {
            case .float, .int, .bool: return .numeric
            case .string: return .oneHot(categories: Set((0..<column.count).compactMap { column[$0]?.description }).sorted())
            }
        }
    }

    /// The feature matrix of a dataset (rows in order). Unknown categories encode as all zeros.
    public func encode(_ dataset: Dataset) throws -> FeatureMatrix {
        let width = featureCount
        var values = Array(repeating: 0.0, count: dataset.rowCount * width)
        var offset = 0
        for (name, encoding) in zip(columns, encodings) {
            guard let column = dataset[name] else { throw TrainingError(message: "the data has no column '\(name)' that the model needs") }
            switch encoding {
            case .numeric:
                for row in 0..<dataset.rowCount {
                    guard let cell = column[row] else { throw TrainingError(message: "column '\(name)' row \(row + 1) is empty") }
                    switch cell {
                    case .float(let value): values[row * width + offset] = value
                    case .int(let value): values[row * width + offset] = Double(value)
                    case .bool(let value): values[row * width + offset] = value ? 1 : 0
                    case .string(let text): throw TrainingError(message: "column '\(name)' row \(row + 1) is text ('\(text)'), the model expects a number")
                    }
                }
                offset += 1
            case .oneHot(let categories):
                let index = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
                for row in 0..<dataset.rowCount {
                    if let text = column[row]?.description, let position = index[text] { values[row * width + offset + position] = 1 }
                }
                offset += categories.count
            }
        }
        return FeatureMatrix(rows: dataset.rowCount, columns: width, values: values)
    }
}
