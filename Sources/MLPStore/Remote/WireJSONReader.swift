import Foundation
import MLPCore

/// A strict, byte-level JSON reader for the store's hot wire types.
///
/// It reads only what it can read exactly as ``StoreAPI/decoder`` would, and gives up (nil) on
/// anything else: a key it does not know, a key twice, a required key missing, a type it does not
/// expect, an integer written as `1.0` or `-0`, a number that overflows or underflows, an escape
/// it does not take (`\u0000`, a lone surrogate), bytes that are not UTF-8, an approval or model
/// registration, bytes after the document. The caller then decodes with Foundation, whose error
/// messages and edge cases therefore stay the ones clients and the API document know. Every
/// read checks the cursor against the end of the bytes, which come from the network.
struct WireReader {
    private let base: UnsafePointer<UInt8>
    private let end: Int
    private(set) var index = 0

    init(_ base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.end = count
    }

    /// Reads a whole document with `body`: nil unless it reads and only whitespace follows.
    static func read<T>(_ data: Data, _ body: (inout WireReader) -> T?) -> T? {
        data.withUnsafeBytes { raw -> T? in
            guard raw.count > 0, let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            var reader = WireReader(base, count: raw.count)
            guard let value = body(&reader) else { return nil }
            reader.whitespace()
            return reader.index == reader.end ? value : nil
        }
    }

    // MARK: Structure

    @inline(__always) mutating func whitespace() {
        while index < end {
            let byte = base[index]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            index += 1
        }
    }

    /// Consumes `byte` (after whitespace) if it is next.
    @inline(__always) mutating func eat(_ byte: UInt8) -> Bool {
        whitespace()
        guard index < end, base[index] == byte else { return false }
        index += 1
        return true
    }

    /// Reads an object whose keys are in `keys`, each once, calling `member` with the key's
    /// position in the table to read its value. Returns the keys seen, as bits.
    mutating func object(_ keys: WireKeys, _ member: (inout WireReader, Int) -> Bool) -> UInt32? {
        guard eat(0x7B) else { return nil }
        var seen: UInt32 = 0
        if eat(0x7D) { return seen }
        while true {
            guard let key = rawKey(), let field = keys.lookup(base, key), seen & (1 << field) == 0 else { return nil }
            seen |= 1 << field
            guard eat(0x3A), member(&self, field) else { return nil }
            if eat(0x2C) { continue }
            return eat(0x7D) ? seen : nil
        }
    }

    /// A key's bytes: a string with no escapes (the keys of these types have none).
    private mutating func rawKey() -> Range<Int>? {
        whitespace()
        guard index < end, base[index] == 0x22 else { return nil }
        let start = index + 1
        var cursor = start
        while cursor < end {
            let byte = base[cursor]
            if byte == 0x22 {
                index = cursor + 1
                return start..<cursor
            }
            if byte == 0x5C || byte < 0x20 { return nil }
            cursor += 1
        }
        return nil
    }

    mutating func array<Element>(_ element: (inout WireReader) -> Element?) -> [Element]? {
        guard eat(0x5B) else { return nil }
        var elements: [Element] = []
        if eat(0x5D) { return elements }
        repeat {
            guard let value = element(&self) else { return nil }
            elements.append(value)
        } while eat(0x2C)
        return eat(0x5D) ? elements : nil
    }

    /// Consumes `null` if it is next.
    mutating func null() -> Bool {
        whitespace()
        guard end - index >= 4, base[index] == 0x6E, base[index + 1] == 0x75, base[index + 2] == 0x6C, base[index + 3] == 0x6C else {
            return false
        }
        index += 4
        return true
    }

    // MARK: Scalars

    mutating func bool() -> Bool? {
        whitespace()
        if end - index >= 4, base[index] == 0x74, base[index + 1] == 0x72, base[index + 2] == 0x75, base[index + 3] == 0x65 {
            index += 4
            return true
        }
        if end - index >= 5, base[index] == 0x66, base[index + 1] == 0x61, base[index + 2] == 0x6C, base[index + 3] == 0x73,
           base[index + 4] == 0x65 {
            index += 5
            return false
        }
        return nil
    }

    mutating func string() -> String? {
        whitespace()
        guard index < end, base[index] == 0x22 else { return nil }
        let start = index + 1
        var cursor = start
        var ascii = true
        while cursor < end {
            let byte = base[cursor]
            if byte == 0x22 {
                index = cursor + 1
                let utf8 = UnsafeBufferPointer(start: base + start, count: cursor - start)
                return ascii ? String(decoding: utf8, as: UTF8.self) : String(validating: utf8, as: UTF8.self)
            }
            if byte == 0x5C { return escapedString(from: start) }
            if byte < 0x20 { return nil }
            if byte >= 0x80 { ascii = false }
            cursor += 1
        }
        return nil
    }

    /// The slow path of ``string()``: a string with escapes, from its first byte.
    private mutating func escapedString(from start: Int) -> String? {
        var utf8: [UInt8] = []
        var cursor = start
        while cursor < end {
            let byte = base[cursor]
            if byte == 0x22 {
                index = cursor + 1
                return String(validating: utf8, as: UTF8.self)
            }
            if byte < 0x20 { return nil }
            guard byte == 0x5C else {
                utf8.append(byte)
                cursor += 1
                continue
            }
            guard cursor + 1 < end else { return nil }
            let escape = base[cursor + 1]
            cursor += 2
            switch escape {
            case 0x22, 0x5C, 0x2F: utf8.append(escape)
            case 0x62: utf8.append(0x08)
            case 0x66: utf8.append(0x0C)
            case 0x6E: utf8.append(0x0A)
            case 0x72: utf8.append(0x0D)
            case 0x74: utf8.append(0x09)
            case 0x75:
                guard let unit = hex4(at: cursor), unit != 0 else { return nil }
                cursor += 4
                var scalar = UInt32(unit)
                if (0xD800...0xDBFF).contains(unit) {
                    guard end - cursor >= 6, base[cursor] == 0x5C, base[cursor + 1] == 0x75, let low = hex4(at: cursor + 2),
                          (0xDC00...0xDFFF).contains(low) else { return nil }
                    cursor += 6
                    scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(unit) {
                    return nil
                }
                guard let character = Unicode.Scalar(scalar) else { return nil }
                utf8.append(contentsOf: UTF8.encode(character)!)
            default:
                return nil
            }
        }
        return nil
    }

    private func hex4(at position: Int) -> UInt16? {
        guard position >= 0, end - position >= 4 else { return nil }
        var value: UInt16 = 0
        for offset in 0..<4 {
            let byte = base[position + offset]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// The extent of a number at the cursor, checked against JSON's grammar, and whether it is
    /// written as an integer (no fraction, no exponent).
    private mutating func number() -> (start: Int, end: Int, integral: Bool)? {
        whitespace()
        let start = index
        var cursor = index
        @inline(__always) func isDigit(_ at: Int) -> Bool { at < end && base[at] >= 0x30 && base[at] <= 0x39 }
        if cursor < end, base[cursor] == 0x2D { cursor += 1 }
        guard cursor < end else { return nil }
        if base[cursor] == 0x30 {
            cursor += 1
        } else if isDigit(cursor) {
            while isDigit(cursor) { cursor += 1 }
        } else {
            return nil
        }
        var integral = true
        if cursor < end, base[cursor] == 0x2E {
            integral = false
            cursor += 1
            let digits = cursor
            while isDigit(cursor) { cursor += 1 }
            guard cursor > digits else { return nil }
        }
        if cursor < end, base[cursor] == 0x65 || base[cursor] == 0x45 {
            integral = false
            cursor += 1
            if cursor < end, base[cursor] == 0x2B || base[cursor] == 0x2D { cursor += 1 }
            let digits = cursor
            while isDigit(cursor) { cursor += 1 }
            guard cursor > digits else { return nil }
        }
        index = cursor
        return (start, cursor, integral)
    }

    /// An integer written as one (`-?digits`), in range; `-0` is left to Foundation.
    mutating func int64() -> Int64? {
        guard let number = number(), number.integral else { return nil }
        let negative = base[number.start] == 0x2D
        var value: Int64 = 0
        for position in (negative ? number.start + 1 : number.start)..<number.end {
            let digit = Int64(base[position] - 0x30)
            let (scaled, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative ? scaled.subtractingReportingOverflow(digit) : scaled.addingReportingOverflow(digit)
            guard !overflow, !overflow2 else { return nil }
            value = next
        }
        if negative, value == 0 { return nil }
        return value
    }

    mutating func double() -> Double? {
        guard let number = number() else { return nil }
        let count = number.end - number.start
        let negative = base[number.start] == 0x2D
        // Up to 15 digits, an integer is exact as a Double: no text conversion.
        if number.integral, count - (negative ? 1 : 0) <= 15 {
            var value: Int64 = 0
            for position in (negative ? number.start + 1 : number.start)..<number.end {
                value = value * 10 + Int64(base[position] - 0x30)
            }
            return negative ? -Double(value) : Double(value)
        }
        let value: Double
        if let exact = fastDouble(number) {
            value = exact
        } else {
            guard count <= 64 else { return nil }
            let text = String(decoding: UnsafeBufferPointer(start: base + number.start, count: count), as: UTF8.self)
            guard let parsed = Double(text), parsed.isFinite else { return nil }
            value = parsed
        }
        if value == 0 {
            // Foundation refuses a non-zero number that rounds to zero, and (its scan for that
            // reads some digits out of order) also some true zeros with an exponent, like 0E4:
            // a zero with an exponent or a non-zero digit is left to it.
            for position in number.start..<number.end {
                let byte = base[position]
                if byte == 0x65 || byte == 0x45 || (byte >= 0x31 && byte <= 0x39) { return nil }
            }
        }
        return value
    }

    private static let powersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { value, _ in value * 10 } }

    /// A decimal whose digits make an integer below 2^53 scaled by at most 10^22: the quotient
    /// (or product) of two exactly represented doubles, which IEEE rounds correctly, so it is
    /// the double `strtod` reads (Clinger's fast path). Nil when the number is not that simple.
    private func fastDouble(_ number: (start: Int, end: Int, integral: Bool)) -> Double? {
        var position = number.start
        let negative = base[position] == 0x2D
        if negative { position += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var inFraction = false
        while position < number.end {
            let byte = base[position]
            if byte == 0x2E {
                inFraction = true
            } else if byte >= 0x30 && byte <= 0x39 {
                if mantissa != 0 || byte != 0x30 { digits += 1 }
                guard digits <= 16 else { return nil }
                mantissa = mantissa * 10 + UInt64(byte - 0x30)
                if inFraction { fraction += 1 }
            } else {
                break
            }
            position += 1
        }
        var exponent = 0
        if position < number.end {
            // [eE][+-]?digits
            position += 1
            var negativeExponent = false
            if base[position] == 0x2B || base[position] == 0x2D {
                negativeExponent = base[position] == 0x2D
                position += 1
            }
            while position < number.end {
                guard exponent < 1000 else { return nil }
                exponent = exponent * 10 + Int(base[position] - 0x30)
                position += 1
            }
            if negativeExponent { exponent = -exponent }
        }
        guard mantissa <= 1 << 53 else { return nil }
        let scale = exponent - fraction
        var value = Double(mantissa)
        if mantissa == 0 {
            value = 0
        } else if scale >= 0 {
            guard scale <= 22 else { return nil }
            value *= Self.powersOfTen[scale]
        } else {
            guard -scale <= 22 else { return nil }
            value /= Self.powersOfTen[-scale]
        }
        return negative ? -value : value
    }

    // MARK: Members into fields

    mutating func read(_ field: inout String) -> Bool {
        guard let value = string() else { return false }
        field = value
        return true
    }

    mutating func read(_ field: inout String?) -> Bool {
        if null() { field = nil; return true }
        guard let value = string() else { return false }
        field = value
        return true
    }

    mutating func read(_ field: inout Int64) -> Bool {
        guard let value = int64() else { return false }
        field = value
        return true
    }

    mutating func read(_ field: inout Int64?) -> Bool {
        if null() { field = nil; return true }
        guard let value = int64() else { return false }
        field = value
        return true
    }

    mutating func read(_ field: inout Int) -> Bool {
        guard let value = int64(), let narrow = Int(exactly: value) else { return false }
        field = narrow
        return true
    }

    mutating func read(_ field: inout Int?) -> Bool {
        if null() { field = nil; return true }
        guard let value = int64(), let narrow = Int(exactly: value) else { return false }
        field = narrow
        return true
    }

    mutating func read(_ field: inout Int32?) -> Bool {
        if null() { field = nil; return true }
        guard let value = int64(), let narrow = Int32(exactly: value) else { return false }
        field = narrow
        return true
    }

    mutating func read(_ field: inout Double) -> Bool {
        guard let value = double() else { return false }
        field = value
        return true
    }

    mutating func read(_ field: inout Double?) -> Bool {
        if null() { field = nil; return true }
        guard let value = double() else { return false }
        field = value
        return true
    }

    mutating func read(_ field: inout Bool) -> Bool {
        guard let value = bool() else { return false }
        field = value
        return true
    }

    mutating func read(_ field: inout Bool?) -> Bool {
        if null() { field = nil; return true }
        guard let value = bool() else { return false }
        field = value
        return true
    }

    mutating func read<E: RawRepresentable>(_ field: inout E) -> Bool where E.RawValue == String {
        guard let text = string(), let value = E(rawValue: text) else { return false }
        field = value
        return true
    }
}

/// The keys of one record type, for ``WireReader/object(_:_:)``, and which of them are required.
struct WireKeys: Sendable {
    let names: [[UInt8]]
    /// Bits of the keys that Foundation requires (non-optional properties).
    let required: UInt32
    /// Each name's bytes packed into two words (names are at most 16 bytes), and its length.
    private let packed: [(UInt64, UInt64, Int)]

    init(_ names: [String], optional: Set<String>) {
        precondition(names.count <= 32)
        self.names = names.map { Array($0.utf8) }
        var required: UInt32 = 0
        for (position, name) in names.enumerated() where !optional.contains(name) { required |= 1 << position }
        self.required = required
        packed = self.names.map { name in
            precondition(name.count <= 16)
            return name.withUnsafeBufferPointer { Self.pack($0.baseAddress!, 0..<name.count)! }
        }
    }

    /// Up to 16 bytes as two little-endian words, zero-padded; nil when longer.
    private static func pack(_ base: UnsafePointer<UInt8>, _ key: Range<Int>) -> (UInt64, UInt64, Int)? {
        guard key.count <= 16 else { return nil }
        var low: UInt64 = 0
        var high: UInt64 = 0
        for offset in 0..<key.count {
            let byte = UInt64(base[key.lowerBound + offset])
            if offset < 8 { low |= byte << (8 * offset) } else { high |= byte << (8 * (offset - 8)) }
        }
        return (low, high, key.count)
    }

    func lookup(_ base: UnsafePointer<UInt8>, _ key: Range<Int>) -> Int? {
        guard let wanted = Self.pack(base, key) else { return nil }
        for position in packed.indices {
            let name = packed[position]
            if name.0 == wanted.0, name.1 == wanted.1, name.2 == wanted.2 { return position }
        }
        return nil
    }

    static let step = WireKeys(
        ["attempts", "cacheHit", "cacheKey", "cacheParts", "cachedFrom", "childCount", "error", "finishedAt", "id", "index",
         "item", "kind", "name", "outputs", "runID", "startedAt", "status"],
        optional: ["cacheKey", "cacheParts", "cachedFrom", "childCount", "error", "finishedAt", "id", "index", "item", "outputs", "startedAt"])
    static let attempt = WireKeys(
        ["error", "exitCode", "finishedAt", "handle", "id", "number", "outcome", "startedAt", "stderrPath", "stdoutPath", "stepID"],
        optional: ["error", "exitCode", "finishedAt", "handle", "id", "stderrPath", "stdoutPath"])
    static let artifact = WireKeys(["createdAt", "digest", "size", "type"], optional: [])
    static let lineage = WireKeys(["digest", "direction", "port", "runID", "stepID"], optional: [])
    static let metric = WireKeys(["createdAt", "iteration", "key", "runID", "stepID", "value"], optional: ["iteration", "stepID"])
    static let runUpdate = WireKeys(["error", "id", "status"], optional: ["error"])
    static let change = WireKeys(
        ["approval", "artifacts", "attempt", "lineage", "metrics", "newSteps", "registration", "run", "steps"],
        optional: ["approval", "attempt", "registration", "run"])
    static let committed = WireKeys(["approval", "attempt", "newSteps", "registered"], optional: ["approval", "attempt", "registered"])
    static let run = WireKeys(
        ["cancelRequested", "createdAt", "error", "finishedAt", "gitCommit", "gitDirty", "host", "id", "mlpVersion", "noCache",
         "parallelism", "pipeline", "pipelineDigest", "pipelineFile", "pipelineText", "projectDirectory", "startedAt", "status"],
        optional: ["error", "finishedAt", "gitCommit", "gitDirty", "startedAt"])
    static let param = WireKeys(["name", "runID", "type", "value"], optional: [])
    static let commitRequest = WireKeys(["changes"], optional: [])
    static let createRunRequest = WireKeys(["params", "run", "steps"], optional: [])
}

// MARK: Records

extension WireReader {
    /// Reads an object of `keys` into `record`; nil unless every required key came.
    @inline(__always)
    private mutating func record<R>(_ record: R, _ keys: WireKeys, _ member: (inout WireReader, inout R, Int) -> Bool) -> R? {
        var record = record
        guard let seen = object(keys, { reader, field in member(&reader, &record, field) }),
              seen & keys.required == keys.required else { return nil }
        return record
    }

    mutating func stepRecord() -> StepRecord? {
        record(StepRecord(runID: "", name: "", kind: ""), .step) { reader, step, field in
            switch field {
            case 0: return reader.read(&step.attempts)
            case 1: return reader.read(&step.cacheHit)
            case 2: return reader.read(&step.cacheKey)
            case 3: return reader.read(&step.cacheParts)
            case 4: return reader.read(&step.cachedFrom)
            case 5: return reader.read(&step.childCount)
            case 6: return reader.read(&step.error)
            case 7: return reader.read(&step.finishedAt)
            case 8: return reader.read(&step.id)
            case 9: return reader.read(&step.index)
            case 10: return reader.read(&step.item)
            case 11: return reader.read(&step.kind)
            case 12: return reader.read(&step.name)
            case 13: return reader.read(&step.outputs)
            case 14: return reader.read(&step.runID)
            case 15: return reader.read(&step.startedAt)
            case 16: return reader.read(&step.status)
            default: return false
            }
        }
    }

    mutating func attemptRecord() -> AttemptRecord? {
        record(AttemptRecord(stepID: 0, number: 0, startedAt: 0, stdoutPath: nil, stderrPath: nil), .attempt) { reader, attempt, field in
            switch field {
            case 0: return reader.read(&attempt.error)
            case 1: return reader.read(&attempt.exitCode)
            case 2: return reader.read(&attempt.finishedAt)
            case 3: return reader.read(&attempt.handle)
            case 4: return reader.read(&attempt.id)
            case 5: return reader.read(&attempt.number)
            case 6: return reader.read(&attempt.outcome)
            case 7: return reader.read(&attempt.startedAt)
            case 8: return reader.read(&attempt.stderrPath)
            case 9: return reader.read(&attempt.stdoutPath)
            case 10: return reader.read(&attempt.stepID)
            default: return false
            }
        }
    }

    mutating func artifactRecord() -> ArtifactRecord? {
        record(ArtifactRecord(digest: "", type: .file, size: 0, createdAt: 0), .artifact) { reader, artifact, field in
            switch field {
            case 0: return reader.read(&artifact.createdAt)
            case 1: return reader.read(&artifact.digest)
            case 2: return reader.read(&artifact.size)
            case 3: return reader.read(&artifact.type)
            default: return false
            }
        }
    }

    mutating func lineageRecord() -> LineageRecord? {
        record(LineageRecord(digest: "", stepID: 0, runID: "", direction: .produced, port: ""), .lineage) { reader, edge, field in
            switch field {
            case 0: return reader.read(&edge.digest)
            case 1: return reader.read(&edge.direction)
            case 2: return reader.read(&edge.port)
            case 3: return reader.read(&edge.runID)
            case 4: return reader.read(&edge.stepID)
            default: return false
            }
        }
    }

    mutating func metricRecord() -> MetricRecord? {
        record(MetricRecord(runID: "", stepID: nil, key: "", value: 0, iteration: nil, createdAt: 0), .metric) { reader, metric, field in
            switch field {
            case 0: return reader.read(&metric.createdAt)
            case 1: return reader.read(&metric.iteration)
            case 2: return reader.read(&metric.key)
            case 3: return reader.read(&metric.runID)
            case 4: return reader.read(&metric.stepID)
            case 5: return reader.read(&metric.value)
            default: return false
            }
        }
    }

    mutating func runUpdate() -> StateChange.RunUpdate? {
        record(StateChange.RunUpdate(id: "", status: .pending), .runUpdate) { reader, update, field in
            switch field {
            case 0: return reader.read(&update.error)
            case 1: return reader.read(&update.id)
            case 2: return reader.read(&update.status)
            default: return false
            }
        }
    }

    mutating func stateChange() -> StateChange? {
        record(StateChange(), .change) { reader, change, field in
            switch field {
            case 0, 6: return reader.null()  // approval, registration: Foundation reads those
            case 1: return reader.readArray(&change.artifacts) { $0.artifactRecord() }
            case 2:
                if reader.null() { return true }
                change.attempt = reader.attemptRecord()
                return change.attempt != nil
            case 3: return reader.readArray(&change.lineage) { $0.lineageRecord() }
            case 4: return reader.readArray(&change.metrics) { $0.metricRecord() }
            case 5: return reader.readArray(&change.newSteps) { $0.stepRecord() }
            case 7:
                if reader.null() { return true }
                change.run = reader.runUpdate()
                return change.run != nil
            case 8: return reader.readArray(&change.steps) { $0.stepRecord() }
            default: return false
            }
        }
    }

    mutating func committedChange() -> CommittedChange? {
        record(CommittedChange(), .committed) { reader, committed, field in
            switch field {
            case 0, 3: return reader.null()  // approval, registered: Foundation reads those
            case 1:
                if reader.null() { return true }
                committed.attempt = reader.attemptRecord()
                return committed.attempt != nil
            case 2: return reader.readArray(&committed.newSteps) { $0.stepRecord() }
            default: return false
            }
        }
    }

    mutating func runRecord() -> RunRecord? {
        let empty = RunRecord(id: "", pipeline: "", projectDirectory: "", pipelineText: "", pipelineFile: "", pipelineDigest: "",
                              status: .pending, gitCommit: nil, gitDirty: nil, mlpVersion: "", host: "", createdAt: 0,
                              parallelism: 0, noCache: false)
        return record(empty, .run) { reader, run, field in
            switch field {
            case 0: return reader.read(&run.cancelRequested)
            case 1: return reader.read(&run.createdAt)
            case 2: return reader.read(&run.error)
            case 3: return reader.read(&run.finishedAt)
            case 4: return reader.read(&run.gitCommit)
            case 5: return reader.read(&run.gitDirty)
            case 6: return reader.read(&run.host)
            case 7: return reader.read(&run.id)
            case 8: return reader.read(&run.mlpVersion)
            case 9: return reader.read(&run.noCache)
            case 10: return reader.read(&run.parallelism)
            case 11: return reader.read(&run.pipeline)
            case 12: return reader.read(&run.pipelineDigest)
            case 13: return reader.read(&run.pipelineFile)
            case 14: return reader.read(&run.pipelineText)
            case 15: return reader.read(&run.projectDirectory)
            case 16: return reader.read(&run.startedAt)
            case 17: return reader.read(&run.status)
            default: return false
            }
        }
    }

    mutating func paramRecord() -> ParamRecord? {
        record(ParamRecord(runID: "", name: "", type: .string, value: ""), .param) { reader, param, field in
            switch field {
            case 0: return reader.read(&param.name)
            case 1: return reader.read(&param.runID)
            case 2: return reader.read(&param.type)
            case 3: return reader.read(&param.value)
            default: return false
            }
        }
    }

    mutating func commitRequest() -> CommitRequest? {
        record(CommitRequest(changes: []), .commitRequest) { reader, request, field in
            field == 0 && reader.readArray(&request.changes) { $0.stateChange() }
        }
    }

    mutating func createRunRequest() -> CreateRunRequest? {
        record(CreateRunRequest(run: RunRecord(id: "", pipeline: "", projectDirectory: "", pipelineText: "", pipelineFile: "",
                                                pipelineDigest: "", status: .pending, gitCommit: nil, gitDirty: nil,
                                                mlpVersion: "", host: "", createdAt: 0, parallelism: 0, noCache: false),
                                params: [], steps: []), .createRunRequest) { reader, request, field in
            switch field {
            case 0: return reader.readArray(&request.params) { $0.paramRecord() }
            case 1:
                guard let run = reader.runRecord() else { return false }
                request.run = run
                return true
            case 2: return reader.readArray(&request.steps) { $0.stepRecord() }
            default: return false
            }
        }
    }

    private mutating func readArray<Element>(_ field: inout [Element], _ element: (inout WireReader) -> Element?) -> Bool {
        guard let elements = array(element) else { return false }
        field = elements
        return true
    }
}
