/// One node of a tree in a gradient-boosted model. A split node sends a row left when its value
/// of `feature` is at most `threshold` (a missing value goes left when `missingGoesLeft`); a leaf
/// has `feature`, `left` and `right` set to -1 and adds `value` to the row's raw score.
public struct TreeNode: Codable, Sendable, Equatable {
    /// The feature a split node tests (index into the encoder's features); -1 for a leaf.
    public var feature: Int
    /// Values at most this go left. `+infinity` (written `"Infinity"`) splits missing from non-missing values.
    public var threshold: Double
    /// The left child's index in the tree's node array; -1 for a leaf.
    public var left: Int
    /// The right child's index; -1 for a leaf.
    public var right: Int
    /// Where a missing (`NaN`) value goes.
    public var missingGoesLeft: Bool
    /// A leaf's contribution to the raw score (learning rate applied); 0 for a split node.
    public var value: Double

    /// Whether this node is a leaf.
    public var isLeaf: Bool { left < 0 }

    /// A leaf adding `value`.
    public static func leaf(_ value: Double) -> TreeNode {
        TreeNode(feature: -1, threshold: 0, left: -1, right: -1, missingGoesLeft: false, value: value)
    }
}
