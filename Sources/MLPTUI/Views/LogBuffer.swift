import Foundation

/// The lines of a step's log files, read incrementally as they grow.
///
/// Each poll reads only the bytes added since the last one; a partial last line waits for its
/// end. Lines from stderr are marked. A very large log starts at its last ``maxInitialBytes``.
public struct LogBuffer: Sendable {
    /// One line of a log, and whether it came from stderr.
    public struct Line: Equatable, Sendable {
        public var text: String
        public var isError: Bool
    }

    /// How much of a file the first read takes at most: its last 2 MiB.
    public static let maxInitialBytes: UInt64 = 2 << 20
    /// Lines kept at most; older ones are dropped.
    public static let maxLines = 200_000

    /// Every complete line read so far, in the order read.
    public private(set) var lines: [Line] = []
    /// Whether the start of a large file was skipped.
    public private(set) var truncated = false
    private var offsets: [String: UInt64] = [:]
    private var partial: [String: Data] = [:]
    /// Files read from the middle, whose first (cut) line is dropped.
    private var cut: Set<String> = []

    /// An empty buffer.
    public init() {}

    /// Reads what was added to `path` since the last call; returns whether lines were added.
    @discardableResult
    public mutating func poll(_ path: String, isError: Bool) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        var offset = offsets[path] ?? 0
        if offsets[path] == nil, let size = try? handle.seekToEnd(), size > Self.maxInitialBytes {
            offset = size - Self.maxInitialBytes
            truncated = true
            cut.insert(path)
        }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd(), !data.isEmpty else {
            offsets[path] = offset
            return false
        }
        offsets[path] = offset + UInt64(data.count)
        return append(data, key: path, isError: isError)
    }

    /// Reads what was added to a log kept elsewhere (a shared server's copy, named by `key`) since
    /// the last call: `read(offset)` answers the bytes from `offset` (empty: nothing new, or unreachable).
    @discardableResult
    public mutating func poll(source key: String, isError: Bool, read: (UInt64) -> Data) -> Bool {
        let offset = offsets[key] ?? 0
        let data = read(offset)
        guard !data.isEmpty else { return false }
        offsets[key] = offset + UInt64(data.count)
        return append(data, key: key, isError: isError)
    }

    /// Splits new bytes of the log `key` into lines; returns whether lines were added.
    private mutating func append(_ data: Data, key path: String, isError: Bool) -> Bool {
        var pending = (partial[path] ?? Data()) + data
        if cut.contains(path), let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            pending = pending.subdata(in: pending.index(after: newline)..<pending.endIndex)
            cut.remove(path)
        }
        var added = false
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let raw = pending.subdata(in: pending.startIndex..<newline)
            lines.append(Line(text: Self.clean(String(decoding: raw, as: UTF8.self)), isError: isError))
            pending = pending.subdata(in: pending.index(after: newline)..<pending.endIndex)
            added = true
        }
        partial[path] = pending
        if lines.count > Self.maxLines {
            lines.removeFirst(lines.count - Self.maxLines)
            truncated = true
        }
        return added
    }

    /// The unfinished last line of each file, shown once the step has ended.
    public mutating func flushPartials(errorPaths: Set<String>) {
        for (path, data) in partial.sorted(by: { $0.key < $1.key }) where !data.isEmpty {
            lines.append(Line(text: Self.clean(String(decoding: data, as: UTF8.self)), isError: errorPaths.contains(path)))
            partial[path] = Data()
        }
    }

    /// Tabs expanded, carriage returns and terminal escape sequences dropped.
    public static func clean(_ text: String) -> String {
        guard text.contains(where: { $0 == "\t" || $0 == "\r" || $0 == "\u{1B}" }) else { return text }
        var result = ""
        var escape = false
        var column = 0
        for character in text {
            if escape {
                // CSI sequences end with a letter; the rest of the sequence is dropped.
                if character.isLetter || character == "~" { escape = false }
                continue
            }
            switch character {
            case "\u{1B}": escape = true
            case "\r": continue
            case "\t":
                let spaces = 8 - column % 8
                result += String(repeating: " ", count: spaces)
                column += spaces
            default:
                result.append(character)
                column += 1
            }
        }
        return result
    }
}
