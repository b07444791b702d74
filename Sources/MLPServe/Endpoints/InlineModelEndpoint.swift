/// An endpoint that can answer on the calling thread without suspending: a model whose forward
/// pass costs less than handing the request to a task and back (a tabular model served with no
/// batching delay). The HTTP server answers such a model's infer requests on the connection's
/// event loop (``InferFastPathHandler``) and the rest through the router.
public protocol InlineModelEndpoint: ModelEndpoint {
    /// Whether ``inferInline(_:)`` may answer now; false sends requests down the async path.
    var answersInline: Bool { get }
    /// Answers one request on the calling thread, as ``ModelEndpoint/infer(_:)`` would.
    ///
    /// - Throws: ``ServeError`` (a 4xx) when the request does not fit the model.
    func inferInline(_ request: InferenceRequest) throws -> InferenceResponse
}

extension ModelEndpoint {
    /// This endpoint as one that answers inline now; nil when it is not an
    /// ``InlineModelEndpoint`` or its ``InlineModelEndpoint/answersInline`` is false.
    var answeringInline: (any InlineModelEndpoint)? {
        guard let inline = self as? any InlineModelEndpoint, inline.answersInline else { return nil }
        return inline
    }
}
