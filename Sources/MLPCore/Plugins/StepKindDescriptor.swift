/// What a step kind accepts and produces, so a pipeline can be type-checked before anything runs.
public struct StepKindDescriptor: Sendable {
    /// One input a step kind reads from its `with:` block.
    public struct Input: Sendable {
        public var name: String
        /// The types accepted; a reference or literal of another type is a type error.
        public var types: [PortType]
        public var required: Bool
        public var summary: String
        /// Set when the input is program text (a shell command, Python code): a `${{ }}`
        /// reference inside it reaches the program as an environment variable the text names,
        /// never spliced into the text, so a value cannot inject code.
        public var language: ScriptLanguage?

        public init(_ name: String, _ types: [PortType], required: Bool = false, summary: String = "", language: ScriptLanguage? = nil) {
            self.name = name
            self.types = types
            self.required = required
            self.summary = summary
            self.language = language
        }
    }

    /// The name written after `uses:` (for example `shell` or `connector/csv`).
    public var uses: String
    /// Bumped whenever the kind's behaviour changes, so cached results of the old one miss.
    public var version: String
    public var summary: String
    public var inputs: [Input]
    /// Outputs the kind always produces.
    public var outputs: [String: PortType]
    /// Whether `with:` keys beyond ``inputs`` are passed through to the step (scripts read them).
    public var acceptsExtraInputs: Bool
    /// Whether the pipeline declares the outputs itself (scripts), instead of the kind.
    public var userDeclaresOutputs: Bool
    /// At least one of these inputs must be given (for example `run` or `script`).
    public var requiresOneOf: [String]
    /// `with:` keys refused with a reason (`url` of connector/postgres: a password must not sit in
    /// mlp.yaml); `mlp validate` reports the reason at the key.
    public var refusedInputs: [String: String] = [:]

    public init(uses: String, version: String, summary: String, inputs: [Input] = [], outputs: [String: PortType] = [:],
                acceptsExtraInputs: Bool = false, userDeclaresOutputs: Bool = false, requiresOneOf: [String] = []) {
        self.uses = uses
        self.version = version
        self.summary = summary
        self.inputs = inputs
        self.outputs = outputs
        self.acceptsExtraInputs = acceptsExtraInputs
        self.userDeclaresOutputs = userDeclaresOutputs
        self.requiresOneOf = requiresOneOf
    }

    /// The declared input called `name`, if any.
    public func input(named name: String) -> Input? { inputs.first { $0.name == name } }
}
