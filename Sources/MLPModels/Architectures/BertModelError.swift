/// Why a BERT model could not be built or could not encode its input.
public enum BertModelError: Error, Equatable, CustomStringConvertible {
    /// The configuration is unreadable or describes an impossible model.
    case invalidConfig(String)
    /// A weight the architecture needs is not in the weight source.
    case missingTensor(name: String, tried: [String])
    /// A weight has the wrong shape or element type.
    case badTensor(name: String, problem: String)
    /// The token ids given to ``BertEncoder/encode(_:tokenTypes:)`` do not fit the model.
    case invalidInput(String)

    /// A message saying what was wrong and what to do.
    public var description: String {
        switch self {
        case .invalidConfig(let message):
            return message
        case .missingTensor(let name, let tried):
            return "weight \(name) not found (looked for \(tried.joined(separator: ", "))); is this a BERT checkpoint?"
        case .badTensor(let name, let problem):
            return "weight \(name): \(problem)"
        case .invalidInput(let message):
            return message
        }
    }
}
