/// Splits a batch's sentences into groups that each run as one packed matrix: the sentences'
/// tokens back to back, no padding, so the group's size only bounds the activation memory.
public enum PackedGroups {
    /// Consecutive ranges of indices into `lengths`, in order, each holding at most
    /// `maxTokensPerGroup` tokens; a sentence longer than that is a group of its own.
    public static func ranges(lengths: [Int], maxTokensPerGroup: Int = 4096) -> [Range<Int>] {
        var groups: [Range<Int>] = []
        var start = 0, tokens = 0
        for (index, length) in lengths.enumerated() {
            if index > start, tokens + length > maxTokensPerGroup {
                groups.append(start..<index)
                (start, tokens) = (index, 0)
            }
            tokens += length
        }
        if start < lengths.count { groups.append(start..<lengths.count) }
        return groups
    }
}
