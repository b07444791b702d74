/// A model whose requests can be cut into rows, run together in one forward pass, and put back
/// together per request. ``DynamicBatcher`` merges the rows of concurrent requests.
public protocol BatchableModel: Sendable {
    /// One row of input, checked and ready for the forward pass.
    associatedtype Row: Sendable
    /// The model's answer for one row.
    associatedtype RowOutput: Sendable

    /// What runs the model (for the metadata's `platform`).
    var platform: String { get }
    /// The inputs a request gives.
    var inputs: [TensorMetadata] { get }
    /// The outputs a response holds.
    var outputs: [TensorMetadata] { get }

    /// The rows of a request, after checking its inputs.
    ///
    /// - Throws: ``ServeError`` (400) when the inputs do not fit the model.
    func rows(from request: InferenceRequest) throws -> [Row]

    /// Runs the model on rows, which may come from several requests; one output per row, in order.
    func forward(_ rows: [Row]) throws -> [RowOutput]

    /// The output tensors for one request's rows.
    func outputTensors(for results: [RowOutput]) throws -> [InferenceResponse.OutputTensor]

    /// Whether a forward pass of one request costs so little (microseconds) that running it on
    /// the connection's thread beats handing it to the batcher, and `forward` may run on several
    /// threads at once. False unless a model says so.
    var runsInline: Bool { get }
}

extension BatchableModel {
    /// Models run through the batcher unless they say otherwise.
    public var runsInline: Bool { false }
}
