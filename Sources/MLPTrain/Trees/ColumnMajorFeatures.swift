/// Features stored one column after another (`values[feature * rows + row]`), with `NaN` for a
/// missing value: the layout tree fitting reads, one feature at a time.
public struct ColumnMajorFeatures: Sendable {
    /// The number of samples.
    public var rows: Int
    /// The number of features.
    public var columns: Int
    /// `columns × rows` values, column after column.
    public var values: [Double]

    /// Features from column-major values; `values.count` must be `rows × columns`.
    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "ColumnMajorFeatures: \(values.count) values for \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// The same features from a row-major matrix.
    public init(_ matrix: FeatureMatrix) {
        var values = [Double](repeating: 0, count: matrix.values.count)
        for row in 0..<matrix.rows {
            for column in 0..<matrix.columns { values[column * matrix.rows + row] = matrix.values[row * matrix.columns + column] }
        }
        self.init(rows: matrix.rows, columns: matrix.columns, values: values)
    }
}
