/// The `files:` input that script executors share: project files whose content joins a step's
/// cache key besides its script (helper modules it imports, data it reads by path).
public enum ProjectFiles {
    /// The paths in a `files:` value: one string, or a list of strings.
    public static func list(_ value: PortValue?) -> [String] {
        switch value {
        case .string(let path)?: return [path]
        case .json(.array(let items))?: return items.compactMap(\.stringValue)
        default: return []
        }
    }
}
