import Foundation
import MLPCore

/// A hand-written JSON codec for the bodies a reported run sends and receives by the thousand
/// (group commits, created runs, step lists), which Foundation's `JSONEncoder`/`JSONDecoder`
/// spend most of a reported run's CPU on, on both sides.
///
/// It writes what ``StoreAPI/encoder`` writes (sorted keys, the same numbers and escapes) and
/// reads what ``StoreAPI/decoder`` reads, but only exactly: for anything else it answers nil and
/// the caller uses Foundation (``StoreAPI/encodeBody(_:)``, ``StoreAPI/decodeBody(_:from:)``).
/// Hot types: ``CommitRequest``, ``CreateRunRequest``, ``StepRecord`` and ``RunRecord``, and
/// arrays of ``StepRecord``, ``CommittedChange``, ``AttemptRecord``, ``ArtifactRecord``,
/// ``LineageRecord``, ``MetricRecord``, ``RunRecord`` and ``ParamRecord``.
public enum WireJSON {
    /// The JSON of a hot type, or nil: not a hot type, or a value left to Foundation (an
    /// approval or model registration inside, a double that is not finite).
    public static func encode<T>(_ value: T) -> Data? {
        if T.self == CommitRequest.self {
            let request = value as! CommitRequest
            return write(capacity: 64 + request.changes.count * 512) { $0.write(request) }
        } else if T.self == [CommittedChange].self {
            let changes = value as! [CommittedChange]
            return write(capacity: 16 + changes.count * 64) { $0.array(changes) { $0.write($1) } }
        } else if T.self == [StepRecord].self {
            let steps = value as! [StepRecord]
            return write(capacity: 16 + steps.count * 320) { $0.array(steps) { $0.write($1) } }
        } else if T.self == CreateRunRequest.self {
            let request = value as! CreateRunRequest
            return write(capacity: 4096 + request.run.pipelineText.utf8.count + request.steps.count * 320) { $0.write(request) }
        } else if T.self == StepRecord.self {
            return write { $0.write(value as! StepRecord) }
        } else if T.self == RunRecord.self {
            return write { $0.write(value as! RunRecord) }
        } else if T.self == [AttemptRecord].self {
            return write { $0.array(value as! [AttemptRecord]) { $0.write($1) } }
        } else if T.self == [ArtifactRecord].self {
            return write { $0.array(value as! [ArtifactRecord]) { $0.write($1) } }
        } else if T.self == [LineageRecord].self {
            return write { $0.array(value as! [LineageRecord]) { $0.write($1) } }
        } else if T.self == [MetricRecord].self {
            return write { $0.array(value as! [MetricRecord]) { $0.write($1) } }
        } else if T.self == [RunRecord].self {
            return write { $0.array(value as! [RunRecord]) { $0.write($1) } }
        } else if T.self == [ParamRecord].self {
            return write { $0.array(value as! [ParamRecord]) { $0.write($1) } }
        }
        return nil
    }

    private static func write(capacity: Int = 1024, _ body: (inout WireWriter) -> Bool) -> Data? {
        var writer = WireWriter(capacity: capacity)
        guard body(&writer) else { return nil }
        return writer.data()
    }

    /// A hot type read from JSON, or nil: not a hot type, or bytes the strict reader does not
    /// read exactly as Foundation would (see ``WireReader``); Foundation decides those.
    public static func decode<T>(_ type: T.Type, from data: Data) -> T? {
        let value: Any?
        if T.self == CommitRequest.self {
            value = WireReader.read(data) { $0.commitRequest() }
        } else if T.self == [CommittedChange].self {
            value = WireReader.read(data) { $0.array { $0.committedChange() } }
        } else if T.self == [StepRecord].self {
            value = WireReader.read(data) { $0.array { $0.stepRecord() } }
        } else if T.self == CreateRunRequest.self {
            value = WireReader.read(data) { $0.createRunRequest() }
        } else if T.self == StepRecord.self {
            value = WireReader.read(data) { $0.stepRecord() }
        } else if T.self == RunRecord.self {
            value = WireReader.read(data) { $0.runRecord() }
        } else if T.self == [AttemptRecord].self {
            value = WireReader.read(data) { $0.array { $0.attemptRecord() } }
        } else if T.self == [ArtifactRecord].self {
            value = WireReader.read(data) { $0.array { $0.artifactRecord() } }
        } else if T.self == [LineageRecord].self {
            value = WireReader.read(data) { $0.array { $0.lineageRecord() } }
        } else if T.self == [MetricRecord].self {
            value = WireReader.read(data) { $0.array { $0.metricRecord() } }
        } else if T.self == [RunRecord].self {
            value = WireReader.read(data) { $0.array { $0.runRecord() } }
        } else if T.self == [ParamRecord].self {
            value = WireReader.read(data) { $0.array { $0.paramRecord() } }
        } else {
            return nil
        }
        return value as? T
    }
}

extension StoreAPI {
    /// Encodes a body as ``encoder`` does: the hot wire types by hand (``WireJSON``), the rest,
    /// and whatever the hand-written writer leaves, by Foundation (which throws what it throws).
    public static func encodeBody<T: Encodable>(_ value: T) throws -> Data {
        if let data = WireJSON.encode(value) { return data }
        return try encoder.encode(value)
    }

    /// Decodes a body as ``decoder`` does: the hot wire types by the strict reader of
    /// ``WireJSON``, and anything it does not read exactly by Foundation, so a malformed body
    /// fails with Foundation's own error.
    public static func decodeBody<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        if let value = WireJSON.decode(type, from: data) { return value }
        return try decoder.decode(type, from: data)
    }
}
