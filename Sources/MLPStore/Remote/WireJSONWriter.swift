import Foundation
import MLPCore

/// Writes JSON bytes as ``StoreAPI/encoder`` does (sorted keys, unescaped slashes, nil optionals
/// left out, integral doubles without `.0`), by hand: no `Encoder` containers, no boxing.
///
/// Each writer returns false for a value it does not write as Foundation would (a non-finite
/// double, which Foundation refuses; an approval or a model registration, which it leaves to
/// Foundation): the caller then encodes the whole body with Foundation.
struct WireWriter: ~Copyable {
    /// The bytes written so far: `count` of `capacity` malloc'ed bytes, handed to `Data` at the end.
    private var storage: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int
    /// Whether the next key or array element needs a comma before it.
    private var needsComma = false

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        guard let memory = malloc(self.capacity) else { fatalError("out of memory for a \(self.capacity)-byte JSON body") }
        storage = memory.assumingMemoryBound(to: UInt8.self)
    }

    deinit { free(storage) }

    /// The bytes written, as Data that now owns them.
    consuming func data() -> Data {
        let data = Data(bytesNoCopy: storage, count: count, deallocator: .free)
        discard self
        return data
    }

    /// The bytes written, copied (for tests).
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    @inline(__always) private mutating func reserve(_ more: Int) {
        guard capacity - count < more else { return }
        var grown = capacity * 2
        while grown - count < more { grown *= 2 }
        guard let memory = realloc(storage, grown) else { fatalError("out of memory for a \(grown)-byte JSON body") }
        storage = memory.assumingMemoryBound(to: UInt8.self)
        capacity = grown
    }

    @inline(__always) private mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    @inline(__always) private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (storage + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    @inline(__always) private mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    // MARK: Structure

    @inline(__always) mutating func beginObject() {
        append(0x7B)
        needsComma = false
    }

    @inline(__always) mutating func endObject() {
        append(0x7D)
        needsComma = true
    }

    @inline(__always) mutating func beginArray() {
        append(0x5B)
        needsComma = false
    }

    @inline(__always) mutating func endArray() {
        append(0x5D)
        needsComma = true
    }

    /// The comma between array elements.
    @inline(__always) mutating func element() {
        if needsComma { append(0x2C) }
    }

    /// `"name":`, after a comma when a member came before.
    @inline(__always) mutating func key(_ name: StaticString) {
        reserve(name.utf8CodeUnitCount + 4)
        if needsComma {
            storage[count] = 0x2C
            count += 1
        }
        storage[count] = 0x22
        (storage + count + 1).update(from: name.utf8Start, count: name.utf8CodeUnitCount)
        count += name.utf8CodeUnitCount + 1
        storage[count] = 0x22
        storage[count + 1] = 0x3A
        count += 2
        needsComma = true
    }

    // MARK: Scalars

    mutating func string(_ value: String) {
        append(0x22)
        var text = value
        text.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if start < index { append(UnsafeBufferPointer(rebasing: utf8[start..<index])) }
                append(0x5C)
                switch byte {
                case 0x22: append(0x22)
                case 0x5C: append(0x5C)
                case 0x08: append(0x62)  // \b
                case 0x0C: append(0x66)  // \f
                case 0x0A: append(0x6E)  // \n
                case 0x0D: append(0x72)  // \r
                case 0x09: append(0x74)  // \t
                default:
                    let hex: StaticString = "0123456789abcdef"
                    append(0x75)
                    append(0x30)
                    append(0x30)
                    append(hex.utf8Start[Int(byte >> 4)])
                    append(hex.utf8Start[Int(byte & 0xF)])
                }
                start = index + 1
            }
            if start < utf8.count { append(UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        append(0x22)
    }

    mutating func int(_ value: Int64) {
        var magnitude = value.magnitude
        if value < 0 { append(0x2D) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var index = 20
            repeat {
                index -= 1
                digits[index] = UInt8(truncatingIfNeeded: 0x30 + magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            append(UnsafeBufferPointer(rebasing: digits[index...]))
        }
    }

    @inline(__always) mutating func int(_ value: Int) { int(Int64(value)) }
    @inline(__always) mutating func int(_ value: Int32) { int(Int64(value)) }

    /// A double as Foundation writes it: its `description` without a trailing `.0`. False for
    /// NaN and infinities, which Foundation refuses to encode.
    mutating func double(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        // Integral values below 2^53 print as their integer digits (description gives "12.0").
        if value.magnitude < 9_007_199_254_740_992, value == value.rounded(.towardZero) {
            if value == 0, value.sign == .minus {
                append(0x2D)
                append(0x30)
            } else {
                int(Int64(value))
            }
            return true
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        text.withUTF8 { append($0) }
        return true
    }

    @inline(__always) mutating func bool(_ value: Bool) {
        let text: StaticString = value ? "true" : "false"
        append(text)
    }

    // MARK: Optional members (left out when nil, as encodeIfPresent does)

    @inline(__always) mutating func member(_ name: StaticString, _ value: String?) {
        if let value { key(name); string(value) }
    }

    @inline(__always) mutating func member(_ name: StaticString, _ value: Int64?) {
        if let value { key(name); int(value) }
    }

    @inline(__always) mutating func member(_ name: StaticString, _ value: Int?) {
        if let value { key(name); int(value) }
    }

    @inline(__always) mutating func member(_ name: StaticString, _ value: Int32?) {
        if let value { key(name); int(value) }
    }

    @inline(__always) mutating func member(_ name: StaticString, _ value: Bool?) {
        if let value { key(name); bool(value) }
    }

    @inline(__always) mutating func member(_ name: StaticString, _ value: Double?) -> Bool {
        guard let value else { return true }
        key(name)
        return double(value)
    }

    // MARK: Records (keys in sorted order)

    mutating func write(_ step: StepRecord) -> Bool {
        beginObject()
        key("attempts"); int(step.attempts)
        key("cacheHit"); bool(step.cacheHit)
        member("cacheKey", step.cacheKey)
        member("cacheParts", step.cacheParts)
        member("cachedFrom", step.cachedFrom)
        member("childCount", step.childCount)
        member("error", step.error)
        guard member("finishedAt", step.finishedAt) else { return false }
        member("id", step.id)
        member("index", step.index)
        member("item", step.item)
        key("kind"); string(step.kind)
        key("name"); string(step.name)
        member("outputs", step.outputs)
        key("runID"); string(step.runID)
        guard member("startedAt", step.startedAt) else { return false }
        key("status"); string(step.status.rawValue)
        endObject()
        return true
    }

    mutating func write(_ attempt: AttemptRecord) -> Bool {
        beginObject()
        member("error", attempt.error)
        member("exitCode", attempt.exitCode)
        guard member("finishedAt", attempt.finishedAt) else { return false }
        member("handle", attempt.handle)
        member("id", attempt.id)
        key("number"); int(attempt.number)
        key("outcome"); string(attempt.outcome.rawValue)
        key("startedAt"); guard double(attempt.startedAt) else { return false }
        member("stderrPath", attempt.stderrPath)
        member("stdoutPath", attempt.stdoutPath)
        key("stepID"); int(attempt.stepID)
        endObject()
        return true
    }

    mutating func write(_ artifact: ArtifactRecord) -> Bool {
        beginObject()
        key("createdAt"); guard double(artifact.createdAt) else { return false }
        key("digest"); string(artifact.digest)
        key("size"); int(artifact.size)
        key("type"); string(artifact.type.rawValue)
        endObject()
        return true
    }

    mutating func write(_ edge: LineageRecord) -> Bool {
        beginObject()
        key("digest"); string(edge.digest)
        key("direction"); string(edge.direction.rawValue)
        key("port"); string(edge.port)
        key("runID"); string(edge.runID)
        key("stepID"); int(edge.stepID)
        endObject()
        return true
    }

    mutating func write(_ metric: MetricRecord) -> Bool {
        beginObject()
        key("createdAt"); guard double(metric.createdAt) else { return false }
        member("iteration", metric.iteration)
        key("key"); string(metric.key)
        key("runID"); string(metric.runID)
        member("stepID", metric.stepID)
        key("value"); guard double(metric.value) else { return false }
        endObject()
        return true
    }

    mutating func write(_ update: StateChange.RunUpdate) -> Bool {
        beginObject()
        member("error", update.error)
        key("id"); string(update.id)
        key("status"); string(update.status.rawValue)
        endObject()
        return true
    }

    mutating func write(_ change: StateChange) -> Bool {
        // Approvals and registrations are rare (a gate, a register step): Foundation writes them.
        guard change.approval == nil, change.registration == nil else { return false }
        beginObject()
        key("artifacts"); guard array(change.artifacts, { $0.write($1) }) else { return false }
        if let attempt = change.attempt {
            key("attempt"); guard write(attempt) else { return false }
        }
        key("lineage"); guard array(change.lineage, { $0.write($1) }) else { return false }
        key("metrics"); guard array(change.metrics, { $0.write($1) }) else { return false }
        key("newSteps"); guard array(change.newSteps, { $0.write($1) }) else { return false }
        if let run = change.run {
            key("run"); guard write(run) else { return false }
        }
        key("steps"); guard array(change.steps, { $0.write($1) }) else { return false }
        endObject()
        return true
    }

    mutating func write(_ committed: CommittedChange) -> Bool {
        guard committed.approval == nil, committed.registered == nil else { return false }
        beginObject()
        if let attempt = committed.attempt {
            key("attempt"); guard write(attempt) else { return false }
        }
        key("newSteps"); guard array(committed.newSteps, { $0.write($1) }) else { return false }
        endObject()
        return true
    }

    mutating func write(_ run: RunRecord) -> Bool {
        beginObject()
        key("cancelRequested"); bool(run.cancelRequested)
        key("createdAt"); guard double(run.createdAt) else { return false }
        member("error", run.error)
        guard member("finishedAt", run.finishedAt) else { return false }
        member("gitCommit", run.gitCommit)
        member("gitDirty", run.gitDirty)
        key("host"); string(run.host)
        key("id"); string(run.id)
        key("mlpVersion"); string(run.mlpVersion)
        key("noCache"); bool(run.noCache)
        key("parallelism"); int(run.parallelism)
        key("pipeline"); string(run.pipeline)
        key("pipelineDigest"); string(run.pipelineDigest)
        key("pipelineFile"); string(run.pipelineFile)
        key("pipelineText"); string(run.pipelineText)
        key("projectDirectory"); string(run.projectDirectory)
        guard member("startedAt", run.startedAt) else { return false }
        key("status"); string(run.status.rawValue)
        endObject()
        return true
    }

    mutating func write(_ param: ParamRecord) -> Bool {
        beginObject()
        key("name"); string(param.name)
        key("runID"); string(param.runID)
        key("type"); string(param.type.rawValue)
        key("value"); string(param.value)
        endObject()
        return true
    }

    mutating func write(_ request: CommitRequest) -> Bool {
        beginObject()
        key("changes"); guard array(request.changes, { $0.write($1) }) else { return false }
        endObject()
        return true
    }

    mutating func write(_ request: CreateRunRequest) -> Bool {
        beginObject()
        key("params"); guard array(request.params, { $0.write($1) }) else { return false }
        key("run"); guard write(request.run) else { return false }
        key("steps"); guard array(request.steps, { $0.write($1) }) else { return false }
        endObject()
        return true
    }

    mutating func array<Element>(_ elements: [Element], _ write: (inout WireWriter, Element) -> Bool) -> Bool {
        beginArray()
        for element in elements {
            self.element()
            guard write(&self, element) else { return false }
        }
        endArray()
        return true
    }
}
