/// When a gradient-boosted tree fit holds out a validation set and stops once it no longer improves.
public enum EarlyStopping: String, Codable, Sendable, CaseIterable {
    /// On when the training set has more than 10,000 rows (scikit-learn's `early_stopping="auto"`).
    case auto
    /// Always hold out a validation set and stop early.
    case on
    /// Never stop early: fit every iteration on all rows.
    case off
}

/// The settings of a gradient-boosted tree fit. The defaults are those of scikit-learn's
/// `HistGradientBoostingClassifier` / `HistGradientBoostingRegressor`, so results compare fairly.
public struct GBTSettings: Codable, Sendable, Equatable {
    /// The shrinkage applied to every leaf value.
    public var learningRate = 0.1
    /// The most boosting iterations (each adds one tree per class, or one tree for binary and regression).
    public var maxIterations = 100
    /// The most leaves a tree has; `nil` for no limit. Trees grow best-first (leaf-wise) up to it.
    public var maxLeafNodes: Int? = 31
    /// The deepest a leaf may be (the root is at depth 0); `nil` for no limit.
    public var maxDepth: Int?
    /// The fewest training rows a leaf may hold.
    public var minSamplesLeaf = 20
    /// The L2 penalty on leaf values (added to the hessian sum).
    public var l2Regularization = 0.0
    /// The most bins for the non-missing values of one feature (2...255); missing values get a bin of their own.
    public var maxBins = 255
    /// Whether to hold out a validation set and stop early.
    public var earlyStopping = EarlyStopping.auto
    /// The share of training rows held out for early stopping (stratified by class for classifiers).
    public var validationFraction = 0.1
    /// Stop when none of the last this many iterations improved the validation loss by more than ``tolerance``.
    public var iterationsWithoutChange = 10
    /// The least improvement of the validation loss that counts.
    public var tolerance = 1e-7
    /// Seeds the validation split and the row sample used to find bin thresholds.
    public var seed: UInt64 = 0

    /// A split needs at least this much hessian on each side (scikit-learn's `min_hessian_to_split`).
    static let minHessianToSplit = 1e-3
    /// Bin thresholds are computed from at most this many rows (scikit-learn's binning subsample).
    static let binningSampleSize = 200_000

    /// scikit-learn's defaults.
    public init() {}

    /// Whether a fit on `rows` training rows stops early.
    public func stopsEarly(rows: Int) -> Bool {
        switch earlyStopping {
        case .auto: return rows > 10_000
        case .on: return true
        case .off: return false
        }
    }

    /// Checks every setting's range.
    ///
    /// - Throws: ``TrainingError`` naming the setting (by its `trainer/gbt` input name) and the range it must be in.
    public func validate() throws {
        func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw TrainingError(message: "trainer/gbt: \(message())") }
        }
        try check(learningRate > 0 && learningRate.isFinite, "learning_rate must be a positive number, not \(learningRate)")
        try check(maxIterations >= 1, "max_iter must be at least 1, not \(maxIterations)")
        try check((maxLeafNodes ?? 2) >= 2, "max_leaf_nodes must be at least 2, not \(maxLeafNodes ?? 0)")
        try check((maxDepth ?? 1) >= 1, "max_depth must be at least 1, not \(maxDepth ?? 0)")
        try check(minSamplesLeaf >= 1, "min_samples_leaf must be at least 1, not \(minSamplesLeaf)")
        try check(l2Regularization >= 0 && l2Regularization.isFinite, "l2_regularization must be 0 or more, not \(l2Regularization)")
        try check((2...255).contains(maxBins), "max_bins must be between 2 and 255, not \(maxBins)")
        try check(validationFraction > 0 && validationFraction < 1, "validation_fraction must be between 0 and 1 (exclusive), not \(validationFraction)")
        try check(iterationsWithoutChange >= 1, "n_iter_no_change must be at least 1, not \(iterationsWithoutChange)")
        try check(tolerance >= 0 && tolerance.isFinite, "tol must be 0 or more, not \(tolerance)")
    }
}
