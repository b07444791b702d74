/// How a server's request log samples, cuts and bounds what it writes.
///
/// Defaults: every request is logged (`sampleRate` 1.0, because logging is opt-in with
/// `mlp serve --log-requests` and drift needs rows; lower it for heavy traffic), a segment is
/// sealed at 10,000 rows, 8 MiB, or 5 minutes after its first row, and one model's spool holds at
/// most 256 MiB of segments not yet handed over (beyond that, rows are dropped and counted).
public struct RequestLogOptions: Sendable, Equatable {
    /// The share of requests logged, 0...1 (a sampled request logs all its rows).
    public var sampleRate: Double
    /// A segment is sealed when it holds this many rows.
    public var segmentRows: Int
    /// A segment is sealed when its file reaches this many bytes.
    public var segmentBytes: Int
    /// A segment is sealed this long after its first row, even when it is small.
    public var sealAfter: Duration
    /// The most bytes one model's spool folder holds (sealed segments not yet handed over plus the
    /// open one); rows that would go past it are dropped.
    public var maxBytes: Int64
    /// The most rows waiting between the request path and the writer; more are dropped, so a slow
    /// disk never slows a request down.
    public var bufferRows: Int

    /// Options; each count must be at least 1, `sampleRate` in 0...1 and `sealAfter` positive.
    public init(sampleRate: Double = 1.0, segmentRows: Int = 10_000, segmentBytes: Int = 8 << 20,
                sealAfter: Duration = .seconds(300), maxBytes: Int64 = 256 << 20, bufferRows: Int = 10_000) {
        precondition((0...1).contains(sampleRate), "RequestLogOptions: sampleRate in 0...1")
        precondition(segmentRows >= 1 && segmentBytes >= 1 && maxBytes >= 1 && bufferRows >= 1 && sealAfter > .zero,
                     "RequestLogOptions: counts >= 1 and sealAfter > 0")
        self.sampleRate = sampleRate
        self.segmentRows = segmentRows
        self.segmentBytes = segmentBytes
        self.sealAfter = sealAfter
        self.maxBytes = maxBytes
        self.bufferRows = bufferRows
    }
}
