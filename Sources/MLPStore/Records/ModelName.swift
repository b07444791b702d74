/// A name in the model registry is not a registered name: the rule every registered model name and
/// alias follows, and why a name breaks it.
public struct InvalidModelName: Error, CustomStringConvertible, Sendable {
    /// The name given.
    public let name: String
    /// What is wrong with it.
    public let reason: String

    public var description: String {
        "'\(ModelName.printable(name))' is not a valid model \(reason.hasPrefix("alias") ? "alias" : "name"): \(reason). \(ModelName.rule)"
    }
}

/// The one rule for model names and aliases, checked wherever a name enters the registry (the
/// store itself, `mlp models register`, the `register` step, `mlp models alias`).
///
/// A name is printed in tables, used in URLs (`/v2/models/NAME`), in references (`NAME:3`,
/// `NAME@champion`) and in file names, so it is kept to characters that are safe in all of them.
public enum ModelName {
    /// The longest name accepted, in characters.
    public static let maximumLength = 128

    /// The rule, in words, as `--help` and errors state it.
    public static let rule = "A model name or alias is 1 to \(maximumLength) characters: letters, digits, '.', '_' and '-', starting with a letter or digit, with no '..'."

    /// Throws ``InvalidModelName`` unless `name` follows ``rule``.
    /// - Parameter what: `name` or `alias`, for the message.
    public static func validate(_ name: String, what: String = "name") throws {
        func fail(_ reason: String) -> InvalidModelName { InvalidModelName(name: name, reason: what == "alias" ? "alias \(reason)" : reason) }
        guard !name.isEmpty else { throw fail("it is empty") }
        guard name.count <= maximumLength else { throw fail("it is \(name.count) characters long, over \(maximumLength)") }
        func allowed(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
        }
        if let bad = name.unicodeScalars.first(where: { !allowed($0) }) {
            let shown = bad.properties.generalCategory == .control || !bad.isASCII ? "U+\(String(bad.value, radix: 16, uppercase: true))" : "'\(bad)'"
            throw fail("it holds \(shown)")
        }
        guard let first = name.unicodeScalars.first, first != ".", first != "-", first != "_" else { throw fail("it starts with '\(name.first!)'") }
        guard !name.contains("..") else { throw fail("it holds '..'") }
    }

    /// `name` with control characters and non-ASCII shown as escapes, for an error message.
    static func printable(_ name: String) -> String {
        let shown = name.unicodeScalars.map { $0.isASCII && $0.properties.generalCategory != .control ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined()
        return shown.count > 200 ? String(shown.prefix(200)) + "…" : shown
    }
}
