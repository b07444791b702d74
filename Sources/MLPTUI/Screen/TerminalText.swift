/// Text from outside mlp (a step's stderr, a model's name, an error message) made safe to show on
/// a terminal: control characters, which a terminal would obey (set the window title, clear the
/// screen, move the cursor), become visible caret escapes instead, as `cat -v` shows them.
///
/// `ESC` becomes `^[`, `BEL` `^G`, `DEL` `^?`, and a C1 control such as U+009B `<9b>`. `mlp logs` is
/// the way to get a log's raw bytes; everything else shows text through this.
public enum TerminalText {
    /// `text` with every control character but `\n` and `\t` made visible: for multi-line text such as
    /// a log or an error message.
    public static func shown(_ text: String) -> String {
        escaped(text, keeping: ["\n", "\t"])
    }

    /// `text` with every control character, `\n` and `\t` included, made visible: for one line, such
    /// as a table cell or a name.
    public static func oneLine(_ text: String) -> String {
        escaped(text, keeping: [])
    }

    /// Whether `scalar` is a C0 control, DEL or a C1 control.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    private static func escaped(_ text: String, keeping kept: Set<Unicode.Scalar>) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && !kept.contains($0) }) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard isControl(scalar), !kept.contains(scalar) else {
                result.append(scalar)
                continue
            }
            let visible: String
            switch scalar.value {
            case 0x7F: visible = "^?"
            case ..<0x20: visible = "^" + String(Character(Unicode.Scalar(UInt8(scalar.value) + 0x40)))
            default: visible = "<" + String(scalar.value, radix: 16) + ">"
            }
            result.append(contentsOf: visible.unicodeScalars)
        }
        return String(result)
    }
}
