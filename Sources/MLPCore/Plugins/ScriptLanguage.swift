/// The language of a step input that is program text (see ``StepKindDescriptor/Input/language``).
public enum ScriptLanguage: String, Sendable, Hashable {
    /// A POSIX shell command line (`sh -c`).
    case shell
    /// Python source (`python -c`).
    case python
}
