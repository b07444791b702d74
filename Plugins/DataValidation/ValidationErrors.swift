import MLPData

/// A dataset that breaks its schema: the `validate` step's failure, listing every broken rule.
public struct SchemaViolations: Error, CustomStringConvertible, Sendable {
    /// The schema file, as the step named it.
    public let schema: String
    /// Every broken rule, in the order ``DataSchema/check(_:)`` found them.
    public let violations: [Violation]

    public var description: String {
        "the dataset does not meet \(schema): \(violations.report)\n"
            + "fix the data upstream, or change the rule in \(schema) if the data is right"
    }
}

/// A `with:` value `validate` cannot use.
public struct ValidateInputError: Error, CustomStringConvertible, Sendable {
    /// The input at fault.
    public let input: String
    /// What is wrong with it.
    public let message: String

    init(input: String, _ message: String) {
        self.input = input
        self.message = message
    }

    public var description: String { "validate: input '\(input)' \(message)" }
}
