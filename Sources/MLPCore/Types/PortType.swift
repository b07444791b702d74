/// The type of a step input or output, of a pipeline parameter, or of a reference.
///
/// Scalar types (`int`, `float`, `string`, `bool`) and structured values (`json`, `metrics`)
/// travel inline in the metadata store. Artifact types (`file`, `directory`, `dataset`,
/// `model`) travel as content-addressed artifacts.
public enum PortType: String, Codable, CaseIterable, Sendable, CustomStringConvertible {
    case int, float, string, bool, file, directory, dataset, model, metrics, json

    /// Whether values of this type are stored as content-addressed artifacts.
    public var isArtifact: Bool {
        switch self {
        case .file, .directory, .dataset, .model: return true
        default: return false
        }
    }

    /// Whether a value of type `source` may flow into a port of this type.
    ///
    /// Widening is allowed where no information is lost or reinterpreted: `int` into `float`,
    /// `metrics` into `json`, and the file-backed artifact types (`dataset`, `model`) into `file`.
    public func accepts(_ source: PortType) -> Bool {
        if source == self { return true }
        switch (self, source) {
        case (.float, .int), (.json, .metrics), (.file, .dataset), (.file, .model): return true
        default: return false
        }
    }

    public var description: String { rawValue }

    /// Every type name, comma separated, for error messages.
    public static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
