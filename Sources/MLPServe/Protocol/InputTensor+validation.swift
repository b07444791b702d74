extension InferenceRequest.InputTensor {
    /// The most dimensions a shape may have (as deep as data may be nested).
    static let maximumRank = 32

    /// The number of elements the shape holds, after checking that it can be trusted: at most
    /// ``maximumRank`` dimensions, none negative, a product counted with overflow-checked
    /// arithmetic, and equal to the number of elements `data` holds. So a checked shape is
    /// bounded by the body the data came in, and no allocation sized by it can be larger.
    ///
    /// Every infer request's inputs pass this check as the body is read (``InferenceBody``), on
    /// the inline fast path and through the router alike, before any model sees the request.
    ///
    /// - Throws: ``ServeError`` (400) naming the input, its shape and what to send instead.
    func checkedElementCount() throws -> Int {
        guard shape.count <= Self.maximumRank else {
            throw ServeError.badRequest("input '\(name)': shape has \(shape.count) dimensions, more than the \(Self.maximumRank) allowed")
        }
        var elements = 1
        for dimension in shape {
            guard dimension >= 0 else {
                throw ServeError.badRequest("input '\(name)': shape \(shape) has a negative dimension; every dimension is a count of 0 or more")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw ServeError.badRequest("input '\(name)': shape \(shape) has more elements than can be counted; the shape's product must be the number of elements in data (\(data.count))")
            }
            elements = product
        }
        guard elements == data.count else {
            throw ServeError.badRequest("input '\(name)': shape \(shape) holds \(elements) elements but data has \(data.count)")
        }
        return elements
    }

    /// Checks the tensor against itself and against what the model takes: a known datatype that
    /// is one of `allowed`, no negative dimension, a shape whose element count (overflow-checked)
    /// is the number of elements sent, and elements of the kind and range the datatype says.
    ///
    /// - Returns: the datatype.
    /// - Throws: ``ServeError`` (400) naming the input and what to send instead.
    func validated(allowed: [TensorDatatype]) throws -> TensorDatatype {
        var allowedNames: String { allowed.map(\.rawValue).joined(separator: " or ") }
        guard let type = TensorDatatype(rawValue: datatype) else {
            throw ServeError.badRequest("input '\(name)': datatype '\(datatype)' is not a protocol datatype (\(TensorDatatype.names)); this input takes \(allowedNames)")
        }
        guard allowed.contains(type) else {
            throw ServeError.badRequest("input '\(name)' has datatype \(type.rawValue), but the model takes \(allowedNames)")
        }
        let elements = try checkedElementCount()
        guard elements > 0 else { return type }
        switch (type, data) {
        case (.bytes, .strings), (.bool, .bools): break
        case (_, .numbers(let values)) where type.isNumeric:
            if let range = type.integerRange, let bad = values.first(where: { !range.contains($0) || $0.rounded() != $0 }) {
                throw ServeError.badRequest("input '\(name)': \(bad) is not a \(type.rawValue) value (a whole number in \(Int64(range.lowerBound))...\(range.upperBound))")
            }
            if type == .fp32 || type == .fp16, let bad = values.first(where: { $0.isFinite && abs($0) > Double(type == .fp16 ? 65504 : Float.greatestFiniteMagnitude) }) {
                throw ServeError.badRequest("input '\(name)': \(bad) is out of the \(type.rawValue) range")
            }
        case (_, .floats) where type.isNumeric: break
        default:
            let expected = type == .bytes ? "strings" : type == .bool ? "booleans" : "numbers"
            throw ServeError.badRequest("input '\(name)' is \(type.rawValue), so its data must be \(expected), not \(data.kind)")
        }
        return type
    }
}

extension InferenceRequest {
    /// Checks every input's shape against its data (``InputTensor/checkedElementCount()``).
    ///
    /// - Throws: ``ServeError`` (400) for the first input whose shape cannot be trusted.
    func checkShapes() throws {
        for input in inputs { _ = try input.checkedElementCount() }
    }

    /// The input named `name`, after checking that the request names no input the model does not take.
    ///
    /// - Throws: ``ServeError`` (400) when it is missing, given twice, or another name is sent.
    func input(named name: String, among known: [TensorMetadata]) throws -> InputTensor {
        var knownNames: [String] { known.map(\.name) }
        if let unknown = inputs.first(where: { input in !known.contains { $0.name == input.name } }) {
            throw ServeError.badRequest("the model has no input '\(unknown.name)'; its inputs are \(knownNames.map { "'\($0)'" }.joined(separator: ", "))")
        }
        guard let index = inputs.firstIndex(where: { $0.name == name }) else {
            throw ServeError.badRequest("input '\(name)' is missing; the model's inputs are \(knownNames.map { "'\($0)'" }.joined(separator: ", ")) (see GET /v2/models/{name})")
        }
        let count = inputs[index...].reduce(0) { $0 + ($1.name == name ? 1 : 0) }
        guard count == 1 else { throw ServeError.badRequest("input '\(name)' is given \(count) times") }
        return inputs[index]
    }
}
