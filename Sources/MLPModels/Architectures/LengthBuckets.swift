/// Groups a batch's sentences by length so that each group is padded only to its own longest
/// sentence, not to the batch's.
public enum LengthBuckets {
    /// Groups of indices into `lengths`, each sorted by length. Sentences are taken shortest
    /// first; a sentence joins the current group while the group stays within
    /// `maxTokensPerGroup` padded tokens and its padding stays within `maxPaddingFraction` of them.
    public static func groups(lengths: [Int], maxTokensPerGroup: Int = 4096, maxPaddingFraction: Double = 0.2) -> [[Int]] {
        let order = lengths.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        var groups: [[Int]] = []
        var current: [Int] = []
        var realTokens = 0
        for index in order {
            let length = lengths[index]
            let padded = (current.count + 1) * length
            let padding = Double(padded - realTokens - length) / Double(max(padded, 1))
            if !current.isEmpty, padded > maxTokensPerGroup || padding > maxPaddingFraction {
                groups.append(current)
                current = []
                realTokens = 0
            }
            current.append(index)
            realTokens += length
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }
}
