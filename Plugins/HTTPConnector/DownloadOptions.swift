import Foundation
import MLPCore
import MLPData

/// The file formats `connector/http` parses.
public enum DownloadFormat: String, Sendable, CaseIterable {
    case csv, jsonl

    /// The format a download's URL (before or after redirects) or `Content-Type` names.
    ///
    /// - Throws: ``HTTPConnectorError/unknownFormat(url:contentType:)`` when none does.
    static func detect(url: String, effectiveURL: String?, contentType: String?) throws -> DownloadFormat {
        for candidate in [url, effectiveURL].compactMap({ $0 }) {
            if let format = fromExtension(candidate) { return format }
        }
        if let contentType, let format = fromContentType(contentType) { return format }
        throw HTTPConnectorError.unknownFormat(url: url, contentType: contentType)
    }

    /// `.csv` → csv; `.jsonl`, `.ndjson` → jsonl; query and fragment ignored.
    static func fromExtension(_ url: String) -> DownloadFormat? {
        var path = Substring(url)
        if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<cut] }
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "csv": return .csv
        case "jsonl", "ndjson": return .jsonl
        default: return nil
        }
    }

    /// `text/csv` → csv; `application/jsonl`, `application/x-ndjson` and their kin → jsonl.
    static func fromContentType(_ contentType: String) -> DownloadFormat? {
        let media = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch media {
        case "text/csv", "application/csv": return .csv
        case "application/jsonl", "application/x-jsonlines", "application/jsonlines", "application/json-lines",
             "application/x-ndjson", "application/ndjson": return .jsonl
        default: return nil
        }
    }
}

/// `connector/http`'s `with:` block, checked.
struct DownloadOptions: Sendable {
    /// The most a single backoff waits, however many retries came before.
    static let longestRetryDelay = 60.0

    var url: String
    /// Lower-case hex.
    var sha256: String?
    var format: DownloadFormat?
    var retries: Int
    var retryDelay: Double
    var timeout: Double?
    var maxBytes: Int64?
    var csv = CSVOptions()

    init(_ config: [String: PortValue]) throws {
        func fail(_ input: String, _ message: String) -> HTTPConnectorError { .input(name: input, message: message) }
        func number(_ name: String) throws -> Double? {
            switch config[name] {
            case nil: return nil
            case .int(let value)?: return Double(value)
            case .float(let value)?: return value
            default: throw fail(name, "must be a number of seconds")
            }
        }

        guard case .string(let url)? = config["url"], !url.isEmpty else {
            throw fail("url", "is required: the http:// or https:// address to download")
        }
        let scheme = url.prefix { $0 != ":" }.lowercased()
        guard url.contains("://"), scheme == "http" || scheme == "https" else {
            throw fail("url", "must start with http:// or https://, not '\(url.prefix(40))'")
        }
        self.url = url

        switch config["sha256"] {
        case nil: sha256 = nil
        case .string(let text)?:
            var hex = text.lowercased()
            if hex.hasPrefix("sha256:") { hex.removeFirst(7) }
            guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                throw fail("sha256", "must be 64 hexadecimal digits (what `sha256sum FILE` prints), not '\(text.prefix(80))'")
            }
            sha256 = hex
        default: throw fail("sha256", "must be a string of 64 hexadecimal digits")
        }

        switch config["format"] {
        case nil: format = nil
        case .string(let text)?:
            guard let known = DownloadFormat(rawValue: text.lowercased()) else {
                throw fail("format", "must be csv or jsonl, not '\(text)'")
            }
            format = known
        default: throw fail("format", "must be csv or jsonl")
        }

        switch config["retries"] {
        case nil: retries = 2
        case .int(let value)? where value >= 0 && value <= 20: retries = Int(value)
        default: throw fail("retries", "must be a whole number from 0 to 20")
        }
        retryDelay = try number("retry_delay") ?? 1
        guard retryDelay >= 0, retryDelay.isFinite else { throw fail("retry_delay", "must be zero or more seconds") }
        timeout = try number("timeout")
        if let timeout, !(timeout > 0 && timeout.isFinite) { throw fail("timeout", "must be more than zero seconds") }

        switch config["max_bytes"] {
        case nil: maxBytes = nil
        case .int(let value)? where value > 0: maxBytes = Int64(value)
        default: throw fail("max_bytes", "must be a positive whole number of bytes")
        }

        if let delimiter = config["delimiter"] {
            guard case .string(let text) = delimiter else { throw fail("delimiter", "must be a one-character string") }
            csv.delimiter = try CSVOptions(delimiter: text == "\\t" ? "\t" : text, source: "connector/http: input 'delimiter'").delimiter
        }
    }
}
