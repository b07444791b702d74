import Foundation
import Testing
import MLPCore
@testable import MLPStore

/// The hand-written wire codec against Foundation's: what one writes the other reads to the same
/// value, and the strict reader gives up (nil) on anything it does not read exactly.
@Suite struct WireJSONTests {
    // MARK: Random records (seeded, so a failure reproduces)

    struct Random {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance() -> Bool { next() & 1 == 0 }
        mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

        static let pieces = ["", "a", "train", "é", "😀", "日本語", "\"", "\\", "/", "\n", "\t", "\r\n", "\u{1}", "\u{8}", "\u{c}",
                             "\u{1f}", "\u{7f}", "\u{2028}", "\u{fffd}", "{\"json\": [1, 2]}", " ", "a\\u0041", "\u{10ffff}"]
        mutating func string() -> String { (0..<below(4)).map { _ in pick(Self.pieces) }.joined() }
        mutating func optionalString() -> String? { chance() ? nil : string() }

        mutating func double() -> Double {
            switch below(6) {
            case 0: return pick([0, -0.0, 0.1, 1e300, -1e300, 5e-324, -5e-324, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                 .leastNormalMagnitude, 1, -1, 9_007_199_254_740_992, 9_007_199_254_740_994, 1e16, 1e15,
                                 123_456_789_012_345, 1e-5, 0.5, 1_765_137_356.123456, 2.5e-308])
            case 1: return Double(Int64(bitPattern: next()) >> Int64(below(64)))
            case 2: return Double(next() % 10_000_000_000) / 1000 + 1_700_000_000
            default:
                var value = Double(bitPattern: next())
                while !value.isFinite { value = Double(bitPattern: next()) }
                return value
            }
        }
        mutating func optionalDouble() -> Double? { chance() ? nil : double() }

        mutating func int64() -> Int64 {
            switch below(4) {
            case 0: return pick([0, 1, -1, .min, .max, 9_007_199_254_740_993, -9_007_199_254_740_993])
            case 1: return Int64(bitPattern: next())
            default: return Int64(below(100_000))
            }
        }
        mutating func optionalInt64() -> Int64? { chance() ? nil : int64() }
        mutating func int() -> Int { Int(int64()) }
        mutating func optionalInt() -> Int? { chance() ? nil : int() }

        mutating func step() -> StepRecord {
            var step = StepRecord(runID: string(), name: string(), index: optionalInt(), kind: string(),
                                  status: pick(StepStatus.allCases), item: optionalString())
            step.id = optionalInt64()
            step.attempts = int()
            step.cacheKey = optionalString()
            step.cacheHit = chance()
            step.cachedFrom = optionalInt64()
            step.cacheParts = optionalString()
            step.startedAt = optionalDouble()
            step.finishedAt = optionalDouble()
            step.error = optionalString()
            step.outputs = optionalString()
            step.childCount = optionalInt()
            return step
        }

        mutating func attempt() -> AttemptRecord {
            var attempt = AttemptRecord(stepID: int64(), number: int(), startedAt: double(), stdoutPath: optionalString(),
                                        stderrPath: optionalString())
            attempt.id = optionalInt64()
            attempt.outcome = pick([.running, .succeeded, .failed, .timedOut, .cancelled, .interrupted])
            attempt.handle = optionalString()
            attempt.finishedAt = optionalDouble()
            attempt.exitCode = chance() ? nil : pick([0, 1, -9, .min, .max])
            attempt.error = optionalString()
            return attempt
        }

        mutating func change() -> StateChange {
            StateChange(
                run: chance() ? nil : .init(id: string(), status: pick(RunStatus.allCases), error: optionalString()),
                steps: (0..<below(3)).map { _ in step() },
                newSteps: (0..<below(3)).map { _ in step() },
                attempt: chance() ? nil : attempt(),
                artifacts: (0..<below(3)).map { _ in
                    ArtifactRecord(digest: string(), type: pick(PortType.allCases), size: int64(), createdAt: double())
                },
                lineage: (0..<below(3)).map { _ in
                    LineageRecord(digest: string(), stepID: int64(), runID: string(), direction: chance() ? .produced : .consumed, port: string())
                },
                metrics: (0..<below(3)).map { _ in
                    MetricRecord(runID: string(), stepID: optionalInt64(), key: string(), value: double(), iteration: optionalInt(),
                                 createdAt: double())
                })
        }

        mutating func run() -> RunRecord {
            var run = RunRecord(id: string(), pipeline: string(), projectDirectory: string(), pipelineText: string(), pipelineFile: string(),
                                pipelineDigest: string(), status: pick(RunStatus.allCases), gitCommit: optionalString(),
                                gitDirty: chance() ? nil : chance(), mlpVersion: string(), host: string(), createdAt: double(),
                                parallelism: int(), noCache: chance())
            run.startedAt = optionalDouble()
            run.finishedAt = optionalDouble()
            run.error = optionalString()
            run.cancelRequested = chance()
            return run
        }

        mutating func committed() -> CommittedChange {
            CommittedChange(newSteps: (0..<below(3)).map { _ in step() }, attempt: chance() ? nil : attempt())
        }

        mutating func createRun() -> CreateRunRequest {
            CreateRunRequest(run: run(),
                             params: (0..<below(3)).map { _ in ParamRecord(runID: string(), name: string(), type: pick(PortType.allCases), value: string()) },
                             steps: (0..<below(4)).map { _ in step() })
        }
    }

    /// Foundation's canonical bytes of a value: two values are the same when these are (every
    /// field, doubles to the bit, -0 apart from 0, strings to the byte).
    func canonical<T: Encodable>(_ value: T) throws -> Data { try StoreAPI.encoder.encode(value) }

    /// Checks all three directions for one value: fast write → Foundation read, Foundation write
    /// → fast read, fast → fast; and that the fast writer's bytes are Foundation's own.
    func checkRoundTrips<T: Codable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let foundationBytes = try canonical(value)
        let fastBytes = try #require(WireJSON.encode(value), sourceLocation: sourceLocation)
        #expect(String(decoding: fastBytes, as: UTF8.self) == String(decoding: foundationBytes, as: UTF8.self), sourceLocation: sourceLocation)
        let foundationRead = try StoreAPI.decoder.decode(T.self, from: fastBytes)
        #expect(try canonical(foundationRead) == foundationBytes, sourceLocation: sourceLocation)
        let fastRead = try #require(WireJSON.decode(T.self, from: foundationBytes), sourceLocation: sourceLocation)
        #expect(try canonical(fastRead) == foundationBytes, sourceLocation: sourceLocation)
        let fastFast = try #require(WireJSON.decode(T.self, from: fastBytes), sourceLocation: sourceLocation)
        #expect(try canonical(fastFast) == foundationBytes, sourceLocation: sourceLocation)
    }

    /// A property added to a record must be added to the codec too, or the hand-written writer
    /// would drop it: each type's stored properties are exactly the keys the reader knows (and
    /// the writer writes, which the byte-for-byte round trips check).
    @Test func theCodecKnowsEveryStoredPropertyOfItsTypes() {
        func properties(_ value: Any) -> Set<String> { Set(Mirror(reflecting: value).children.compactMap(\.label)) }
        func keys(_ table: WireKeys) -> Set<String> { Set(table.names.map { String(decoding: $0, as: UTF8.self) }) }
        var random = Random(seed: 1)
        #expect(properties(random.step()) == keys(.step))
        #expect(properties(random.attempt()) == keys(.attempt))
        #expect(properties(ArtifactRecord(digest: "", type: .file, size: 0, createdAt: 0)) == keys(.artifact))
        #expect(properties(LineageRecord(digest: "", stepID: 0, runID: "", direction: .produced, port: "")) == keys(.lineage))
        #expect(properties(MetricRecord(runID: "", stepID: nil, key: "", value: 0, iteration: nil, createdAt: 0)) == keys(.metric))
        #expect(properties(StateChange.RunUpdate(id: "", status: .pending)) == keys(.runUpdate))
        #expect(properties(StateChange()) == keys(.change))
        #expect(properties(CommittedChange()) == keys(.committed))
        #expect(properties(random.run()) == keys(.run))
        #expect(properties(ParamRecord(runID: "", name: "", type: .int, value: "")) == keys(.param))
        #expect(properties(CommitRequest(changes: [])) == keys(.commitRequest))
        #expect(properties(random.createRun()) == keys(.createRunRequest))
    }

    // MARK: Round trips

    @Test func randomCommitRequestsRoundTrip() throws {
        var random = Random(seed: 14)
        for _ in 0..<300 {
            try checkRoundTrips(CommitRequest(changes: (0..<random.below(4)).map { _ in random.change() }))
        }
        try checkRoundTrips(CommitRequest(changes: []))
        try checkRoundTrips(CommitRequest(changes: [StateChange()]))
    }

    @Test func randomAnswersAndRunsRoundTrip() throws {
        var random = Random(seed: 2026)
        for _ in 0..<150 {
            try checkRoundTrips((0..<random.below(4)).map { _ in random.step() })
            try checkRoundTrips((0..<random.below(4)).map { _ in random.committed() })
            try checkRoundTrips(random.createRun())
            try checkRoundTrips(random.step())
            try checkRoundTrips(random.run())
            try checkRoundTrips((0..<random.below(3)).map { _ in random.run() })
            try checkRoundTrips((0..<random.below(3)).map { _ in random.attempt() })
            try checkRoundTrips(random.change().artifacts)
            try checkRoundTrips(random.change().lineage)
            try checkRoundTrips(random.change().metrics)
            try checkRoundTrips(random.createRun().params)
        }
    }

    @Test func doublesAreWrittenAsFoundationWritesThem() throws {
        var random = Random(seed: 7)
        for _ in 0..<5000 {
            let value = random.double()
            var writer = WireWriter(capacity: 32)
            let wrote = writer.double(value)
            #expect(wrote)
            let expected = try canonical([value])
            #expect("[" + String(decoding: writer.bytes, as: UTF8.self) + "]" == String(decoding: expected, as: UTF8.self))
            var step = StepRecord(runID: "r", name: "n", kind: "k")
            step.startedAt = value
            let read = try #require(WireJSON.decode(StepRecord.self, from: try canonical(step)))
            #expect(read.startedAt?.bitPattern == value.bitPattern)
        }
    }

    @Test func decimalTextIsReadToTheDoubleFoundationReads() throws {
        var random = Random(seed: 53)
        var readFast = 0
        for _ in 0..<20_000 {
            let digits = (0...random.below(19)).map { _ in String(random.below(10)) }.joined()
            var text = digits.drop { $0 == "0" }.isEmpty ? "0" : String(digits.drop { $0 == "0" })
            if random.chance() { text += "." + (0...random.below(20)).map { _ in String(random.below(10)) }.joined() }
            if random.below(3) == 0 { text += random.pick(["e", "E"]) + random.pick(["", "+", "-"]) + String(random.below(40)) }
            if random.chance() { text = "-" + text }
            let body = step(",\"startedAt\":\(text)")
            let foundation = try? StoreAPI.decoder.decode(StepRecord.self, from: body)
            guard let fast = WireJSON.decode(StepRecord.self, from: body) else { continue }
            readFast += 1
            #expect(fast.startedAt?.bitPattern == foundation?.startedAt?.bitPattern, "\(text)")
        }
        #expect(readFast > 15_000)
    }

    // MARK: What the fast path leaves to Foundation

    func step(_ members: String) -> Data {
        Data(#"{"attempts":0,"cacheHit":false,"kind":"k","name":"n","runID":"r","status":"pending"\#(members)}"#.utf8)
    }

    @Test func aPlainStepBodyIsReadFast() throws {
        let read = try #require(WireJSON.decode(StepRecord.self, from: step("")))
        #expect(read == StepRecord(runID: "r", name: "n", kind: "k"))
        // Whitespace anywhere JSON allows it, escapes, and null for optionals are read too.
        let spaced = Data(" \n{ \"attempts\" : 1 ,\t\"cacheHit\":true,\"kind\":\"a\\u00e9\\ud83d\\ude00\\/\\n\",\"name\":\"n\",\"runID\":\"r\",\"status\":\"failed\",\"error\":null,\"index\":-3,\"startedAt\":1.5e3}\r\n".utf8)
        let fast = try #require(WireJSON.decode(StepRecord.self, from: spaced))
        #expect(fast == (try StoreAPI.decoder.decode(StepRecord.self, from: spaced)))
        #expect(fast.kind == "aé😀/\n" && fast.index == -3 && fast.startedAt == 1500 && fast.error == nil)
    }

    @Test(arguments: [
        (",\"index\":1.0", "an integer written as a fraction"),
        (",\"index\":1e2", "an integer with an exponent"),
        (",\"index\":-0", "minus zero as an integer"),
        (",\"index\":01", "a leading zero"),
        (",\"index\":9223372036854775808", "an integer past Int64"),
        (",\"startedAt\":1e400", "a double that overflows"),
        (",\"startedAt\":1e-400", "a double that underflows to zero"),
        (",\"startedAt\":.5", "a number without its integer part"),
        (",\"startedAt\":1.", "a fraction without digits"),
        (",\"startedAt\":\"1\"", "a number as a string"),
        (",\"startedAt\":NaN", "NaN"),
        (",\"kind\":\"again\"", "a duplicate key"),
        (",\"unknown\":1", "an unknown key"),
        (",\"error\":\"\\u0000\"", "an escaped NUL"),
        (",\"error\":\"\\ud800\"", "a lone high surrogate"),
        (",\"error\":\"\\udc00\"", "a lone low surrogate"),
        (",\"error\":\"\\x41\"", "an escape JSON does not have"),
        (",\"error\":\"a\tb\"", "a raw control character in a string"),
        (",\"cacheKey\":true", "a bool for a string"),
        (",\"cacheHit\":null", "null for a required key"),
        (",\"status\":\"bogus\"", "an unknown status"),
        (",\"exitCode\":1", "a key of another record"),
        (",", "a trailing comma"),
    ] as [(String, String)])
    func whatTheReaderDoesNotTakeExactlyFallsBack(members: String, what: String) throws {
        #expect(WireJSON.decode(StepRecord.self, from: step(members)) == nil, "\(what)")
        // And the caller's answer is exactly Foundation's: a value or Foundation's error.
        let foundation = Result { try StoreAPI.decoder.decode(StepRecord.self, from: step(members)) }
        let body = Result { try StoreAPI.decodeBody(StepRecord.self, from: step(members)) }
        switch (foundation, body) {
        case let (.success(a), .success(b)): #expect(a == b, "\(what)")
        case let (.failure(a), .failure(b)): #expect(String(describing: a) == String(describing: b), "\(what)")
        default: Issue.record("decodeBody and Foundation disagree on \(what)")
        }
    }

    @Test func missingRequiredKeysAndOtherDocumentsFallBack() throws {
        #expect(WireJSON.decode(StepRecord.self, from: Data(#"{"attempts":0,"cacheHit":false,"kind":"k","name":"n","runID":"r"}"#.utf8)) == nil)
        #expect(WireJSON.decode(CommitRequest.self, from: Data(#"{"changes":[{"artifacts":[],"lineage":[],"metrics":[],"newSteps":[]}]}"#.utf8)) == nil)
        // Foundation also refuses a change without "steps": arrays with a default are still required keys.
        #expect(throws: DecodingError.self) {
            try StoreAPI.decodeBody(CommitRequest.self, from: Data(#"{"changes":[{"artifacts":[],"lineage":[],"metrics":[],"newSteps":[]}]}"#.utf8))
        }
        for text in ["", " ", "{", "[", "[]x", "{}{}", "\u{feff}[]", "null", "[null]", "{\"changes\":{}}", "[1]", "[[]]", "[{}]"] {
            #expect(WireJSON.decode([StepRecord].self, from: Data(text.utf8)) == nil || text == "[]", "\(text)")
        }
        #expect(WireJSON.decode([StepRecord].self, from: Data("[]".utf8))?.isEmpty == true)
        #expect(WireJSON.decode([StepRecord].self, from: Data([0x5B, 0x7B, 0x22, 0xFF])) == nil)
        // Invalid UTF-8 inside a string.
        var bytes = [UInt8](step(",\"error\":\"ab\""))
        bytes[bytes.count - 3] = 0xFF
        #expect(WireJSON.decode(StepRecord.self, from: Data(bytes)) == nil)
        // Types the codec does not know go to Foundation untouched.
        #expect(WireJSON.decode(CountResponse.self, from: Data(#"{"count":1}"#.utf8)) == nil)
        #expect(try StoreAPI.decodeBody(CountResponse.self, from: Data(#"{"count":1}"#.utf8)).count == 1)
        #expect(WireJSON.encode(CountResponse(count: 1)) == nil)
    }

    @Test func everyTruncationAndManyMutationsAreRefusedOrReadAsFoundationReadsThem() throws {
        var random = Random(seed: 99)
        let request = CommitRequest(changes: (0..<3).map { _ in random.change() })
        let body = [UInt8](try canonical(request))
        for length in 0..<body.count {
            #expect(WireJSON.decode(CommitRequest.self, from: Data(body[..<length])) == nil)
        }
        let alphabet: [UInt8] = Array("{}[]\",:\\0123456789-+.eEtruefalsnl u/\u{7f}".utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xFF]
        for _ in 0..<3000 {
            var mutated = body
            for _ in 0...random.below(3) {
                switch random.below(3) {
                case 0: mutated[random.below(mutated.count)] = random.pick(alphabet)
                case 1: mutated.insert(random.pick(alphabet), at: random.below(mutated.count + 1))
                default: if mutated.count > 1 { mutated.remove(at: random.below(mutated.count)) }
                }
            }
            let data = Data(mutated)
            guard let fast = WireJSON.decode(CommitRequest.self, from: data) else { continue }
            let foundation = try StoreAPI.decoder.decode(CommitRequest.self, from: data)
            #expect(try canonical(fast) == canonical(foundation), "\(String(decoding: mutated, as: UTF8.self))")
        }
    }

    @Test func approvalsAndRegistrationsAreLeftToFoundation() throws {
        let approval = ApprovalRecord(runID: "r", stepID: 3, step: "gate", shown: "{}", rule: nil, requestedAt: 1.5, deadline: nil)
        let version = ModelVersionRecord(name: "m", digest: "d", type: .model, runID: "r", stepID: 3, createdAt: 2,
                                         createdBy: "u", card: "{}")
        for change in [StateChange(approval: approval), StateChange(registration: ModelRegistration(version: version, aliases: ["prod"]))] {
            let request = CommitRequest(changes: [StateChange(steps: [StepRecord(runID: "r", name: "a", kind: "noop")]), change])
            #expect(WireJSON.encode(request) == nil)
            let body = try StoreAPI.encodeBody(request)
            #expect(body == (try canonical(request)))
            #expect(WireJSON.decode(CommitRequest.self, from: body) == nil)
            let read = try StoreAPI.decodeBody(CommitRequest.self, from: body)
            #expect(try canonical(read) == body)
        }
        let answer = [CommittedChange(newSteps: [], attempt: nil, approval: approval, registered: nil),
                      CommittedChange(newSteps: [], attempt: nil, approval: nil, registered: version)]
        #expect(WireJSON.encode(answer) == nil)
        let body = try StoreAPI.encodeBody(answer)
        #expect(WireJSON.decode([CommittedChange].self, from: body) == nil)
        #expect(try canonical(try StoreAPI.decodeBody([CommittedChange].self, from: body)) == body)
        // null for them is what Foundation reads as absent: the fast path takes it.
        let nulls = Data(#"[{"approval":null,"newSteps":[],"registered":null}]"#.utf8)
        #expect(WireJSON.decode([CommittedChange].self, from: nulls)?.count == 1)
    }

    @Test func aDoubleFoundationCannotWriteStillThrows() throws {
        var step = StepRecord(runID: "r", name: "n", kind: "k")
        step.startedAt = .infinity
        #expect(WireJSON.encode([step]) == nil)
        #expect(throws: EncodingError.self) { try StoreAPI.encodeBody([step]) }
    }

    @Test func aNULInAStringIsWrittenEscapedAndReadByFoundation() throws {
        let step = StepRecord(runID: "r\u{0}", name: "n", kind: "k")
        let body = try #require(WireJSON.encode(step))
        #expect(body == (try canonical(step)))
        #expect(WireJSON.decode(StepRecord.self, from: body) == nil)
        #expect(try StoreAPI.decodeBody(StepRecord.self, from: body) == step)
    }
}
