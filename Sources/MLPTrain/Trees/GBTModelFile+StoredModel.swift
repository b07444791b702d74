/// `trainer/gbt`'s model as an artifact (kind `gbt`). The trees are flat node arrays, tree
/// after tree: `tree.offset` (trees + 1, I32) says where each tree's nodes start; per node
/// `node.feature`, `node.left`, `node.right` (I32, -1 for a leaf; children index within their
/// tree), `node.threshold` and `node.value` (F64) and `node.missing_left` (BOOL). `baseline` (F64)
/// holds the raw scores before any tree; `bins.offset` (features + 1, I32) and `bins.threshold`
/// (F64) the bin thresholds fitted per feature.
extension GBTModelFile: StoredModel {
    /// The card's fields beyond the common ones.
    struct Details: Codable {
        /// Boosting iterations fitted.
        var iterations: Int
        /// Trees per iteration: the number of classes for multiclass, else 1.
        var treesPerIteration: Int
        /// The settings the model was fitted with.
        var settings: GBTSettings

        enum CodingKeys: String, CodingKey {
            case iterations, settings
            case treesPerIteration = "trees_per_iteration"
        }
    }

    static var kind: String { "gbt" }

    var classLabels: [String] { model.classes }

    func storedParts(into tensors: inout ModelTensorWriter) throws -> StoredModelParts<Details> {
        let nodes = model.trees.joined()
        try tensors.add("tree.offset", int32: offsets(model.trees.map(\.count)))
        try tensors.add("node.feature", int32: nodes.map(\.feature))
        try tensors.add("node.left", int32: nodes.map(\.left))
        try tensors.add("node.right", int32: nodes.map(\.right))
        tensors.add("node.threshold", doubles: nodes.map(\.threshold))
        tensors.add("node.value", doubles: nodes.map(\.value))
        tensors.add("node.missing_left", bools: nodes.map(\.missingGoesLeft))
        tensors.add("baseline", doubles: model.baseline)
        try tensors.add("bins.offset", int32: offsets(model.binThresholds.map(\.count)))
        tensors.add("bins.threshold", doubles: Array(model.binThresholds.joined()))
        return StoredModelParts(preprocessing: .init(), missing: "tree-branch",
                                details: Details(iterations: model.iterations, treesPerIteration: model.treesPerIteration, settings: model.settings))
    }

    init(card: ModelCard, details: Details, tensors: ModelTensorReader) throws {
        let encoder = try card.features.encoder()
        let (treeCount, overflow) = details.iterations.multipliedReportingOverflow(by: details.treesPerIteration)
        guard details.iterations >= 0, details.treesPerIteration >= 1, !overflow, treeCount < Int(Int32.max) else {
            throw TrainingError(message: "\(details.iterations) iterations of \(details.treesPerIteration) trees is not a tree count")
        }
        let treeOffsets = try Self.ranges(try tensors.ints("tree.offset", count: treeCount + 1), of: "tree.offset")
        let nodeCount = treeOffsets.last?.upperBound ?? 0
        let feature = try tensors.ints("node.feature", count: nodeCount), left = try tensors.ints("node.left", count: nodeCount)
        let right = try tensors.ints("node.right", count: nodeCount), threshold = try tensors.doubles("node.threshold", count: nodeCount)
        let value = try tensors.doubles("node.value", count: nodeCount), missingLeft = try tensors.bools("node.missing_left", count: nodeCount)
        let trees = treeOffsets.map { range in
            range.map { TreeNode(feature: feature[$0], threshold: threshold[$0], left: left[$0], right: right[$0], missingGoesLeft: missingLeft[$0], value: value[$0]) }
        }
        let width = encoder.featureCount
        let binRanges = try Self.ranges(try tensors.ints("bins.offset", count: width + 1), of: "bins.offset")
        let binValues = try tensors.doubles("bins.threshold", count: binRanges.last?.upperBound ?? 0)
        let model = GBTModel(task: card.task == .regression ? .regression : .classification, target: card.target, classes: card.classes, encoder: encoder,
                             binThresholds: binRanges.map { Array(binValues[$0]) }, baseline: try tensors.doubles("baseline", count: details.treesPerIteration),
                             treesPerIteration: details.treesPerIteration, iterations: details.iterations, trees: trees, settings: details.settings)
        self.init(model: model)
    }

    /// `[0, c0, c0 + c1, …]`: where each of `counts` starts, and the total.
    private func offsets(_ counts: [Int]) -> [Int] {
        counts.reduce(into: [0]) { $0.append($0.last! + $1) }
    }

    /// The ranges between consecutive `offsets`, which must start at 0 and never decrease.
    private static func ranges(_ offsets: [Int], of name: String) throws -> [Range<Int>] {
        guard offsets.first == 0 else { throw TrainingError(message: "tensor '\(name)' must start at 0, not \(offsets.first.map(String.init) ?? "nothing")") }
        return try (1..<offsets.count).map { index in
            guard offsets[index] >= offsets[index - 1] else {
                throw TrainingError(message: "tensor '\(name)' decreases at element \(index) (\(offsets[index - 1]) then \(offsets[index]))")
            }
            return offsets[index - 1]..<offsets[index]
        }
    }
}
