import MLPTUI

/// Every `print` of this module: like the standard library's, but text that came from outside mlp
/// (model and step names, a step's stderr in an error, a card's fields) cannot drive the terminal:
/// control characters other than `\n` and `\t` are shown as visible escapes
/// (``TerminalText/shown(_:)``). JSON output is unaffected (JSONEncoder already escapes them);
/// `mlp logs` writes a log's raw bytes through FileHandle, the one way to get them.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Swift.print(TerminalText.shown(items.map { "\($0)" }.joined(separator: separator)), terminator: terminator)
}
