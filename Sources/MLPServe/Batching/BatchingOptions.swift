/// How ``DynamicBatcher`` merges concurrent requests: at most `maxBatchSize` rows in one forward
/// pass, and no request waits more than `maxDelay` for others to join it.
public struct BatchingOptions: Sendable, Equatable {
    /// The most rows one forward pass runs (a single larger request still runs, on its own).
    public var maxBatchSize: Int
    /// The longest a request waits for others before its batch runs (zero: run as soon as the
    /// model is free; requests that arrive while it is busy still run together).
    public var maxDelay: Duration

    /// Options; `maxBatchSize` must be at least 1 and `maxDelay` not negative.
    public init(maxBatchSize: Int = 32, maxDelay: Duration = .milliseconds(2)) {
        precondition(maxBatchSize >= 1 && maxDelay >= .zero, "BatchingOptions: maxBatchSize >= 1 and maxDelay >= 0")
        self.maxBatchSize = maxBatchSize
        self.maxDelay = maxDelay
    }

    /// No merging: each request runs alone.
    public static let unbatched = BatchingOptions(maxBatchSize: 1, maxDelay: .zero)
}
