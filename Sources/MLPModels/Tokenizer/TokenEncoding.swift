/// A text's token ids as a BERT model takes them: `[CLS] … [SEP]`, with an attention mask.
public struct TokenEncoding: Sendable, Equatable {
    /// The token ids, `[CLS]` first and `[SEP]` last (then `[PAD]` in a padded batch).
    public var ids: [Int]
    /// 1 for a real token, 0 for padding.
    public var attentionMask: [Int]
    /// The segment of each token: all 0 for a single text.
    public var typeIDs: [Int]
    /// Whether the text had more tokens than fitted and was cut.
    public var truncated: Bool

    /// An encoding of `ids`, all attended, all segment 0.
    public init(ids: [Int], truncated: Bool = false) {
        self.ids = ids
        attentionMask = Array(repeating: 1, count: ids.count)
        typeIDs = Array(repeating: 0, count: ids.count)
        self.truncated = truncated
    }

    /// Appends `count` padding tokens of id `padID`, masked out.
    mutating func pad(to length: Int, with padID: Int) {
        let count = length - ids.count
        guard count > 0 else { return }
        ids += Array(repeating: padID, count: count)
        attentionMask += Array(repeating: 0, count: count)
        typeIDs += Array(repeating: 0, count: count)
    }
}
