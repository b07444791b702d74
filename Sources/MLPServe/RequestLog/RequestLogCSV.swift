import Foundation

/// CSV as RFC 4180 writes it: a field holding a comma, a quote, a line break or edge spaces is
/// quoted, with quotes doubled; lines end with `\n`.
enum RequestLogCSV {
    /// One line (with its `\n`) of `fields`.
    static func line(_ fields: [String]) -> String {
        var line = ""
        for (index, field) in fields.enumerated() {
            if index > 0 { line += "," }
            line += quoted(field)
        }
        return line + "\n"
    }

    /// `field`, quoted when it has to be.
    static func quoted(_ field: String) -> String {
        let needsQuotes = field.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
            || field.first == " " || field.last == " "
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
