import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MLPData
import ServiceLifecycle
import Testing
@testable import MLPServe

/// Collects the segments a request log hands over, with their text as it was at hand-over time.
/// The files are left in place.
actor SealedSegments {
    private(set) var segments: [SealedRequestLogSegment] = []
    private(set) var texts: [String] = []

    func add(_ segment: SealedRequestLogSegment) throws {
        segments.append(segment)
        texts.append(try String(contentsOfFile: segment.path, encoding: .utf8))
    }
}

@Suite struct RequestLogTests {
    static let textSchema = RequestLogSchema(inputs: .text, outputs: .none)

    static func textRequest(_ texts: [String]) -> InferenceRequest {
        InferenceRequest(inputs: [.init(name: "text", shape: [texts.count], datatype: .bytes, data: .strings(texts))])
    }

    static let noAnswer = InferenceResponse(modelName: "m", modelVersion: "1", id: nil, outputs: [])

    /// The value of `mlp_request_log_rows_total{model,outcome}`, or nil when the series is not there.
    static func rows(_ metrics: ServeMetrics, model: String, _ outcome: String) -> Int? {
        let exposition = String(decoding: metrics.exposition(), as: UTF8.self)
        let line = exposition.split(separator: "\n").first {
            $0.hasPrefix("mlp_request_log_rows_total{") && $0.contains(#"model="\#(model)""#) && $0.contains(#"outcome="\#(outcome)""#)
        }
        return line.flatMap { Int($0.split(separator: " ").last!) }
    }

    static func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// Waits (at most 30 s, for a loaded 2-core machine) until `condition` holds.
    static func eventually(_ what: String, _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !(await condition()) {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting until \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func segmentsAreSealedAtTheRowCapWithAHeaderAndOneRowPerInputRow() async throws {
        let model = try TabularServedModel(path: try await trainedTabularModel())
        let schema = RequestLogSchema(tabular: model)
        let classes = try #require(model.classes)
        #expect(schema.header == ["time", "version", "x", "y", "label"] + classes.map { "probability_\($0)" })
        let folder = try temporaryPath("spool")
        let sealed = SealedSegments()
        let log = try RequestLog(model: "iris", schema: schema, folder: folder, options: RequestLogOptions(segmentRows: 4), metrics: ServeMetrics()) {
            try await sealed.add($0)
        }
        let rows: [[Double]] = (0..<10).map { (index: Int) -> [Double] in
            let x = Double(index) / 2.5 - 2
            let y = 0.5 - Double(index % 3) / 2
            return [x, y]
        }
        var expected: [(row: [Double], answer: [Double])] = []
        for start in stride(from: 0, to: 10, by: 3) {
            let chunk = Array(rows[start..<min(start + 3, 10)])
            let answers = try model.forward(chunk)
            let response = InferenceResponse(modelName: "iris", modelVersion: "7", id: nil, outputs: try model.outputTensors(for: answers))
            log.record(request: featuresRequest(chunk), response: response, version: "7")
            expected += zip(chunk, answers).map { ($0, $1) }
        }
        await log.flush()

        let segments = await sealed.segments, texts = await sealed.texts
        #expect(segments.map(\.rows) == [4, 4, 2])
        #expect(Self.files(in: folder).filter { $0.hasSuffix(".partial") }.isEmpty)
        #expect(Set(Self.files(in: folder)) == Set(segments.map { ($0.path as NSString).lastPathComponent }))
        var offset = 0
        for (segment, text) in zip(segments, texts) {
            #expect(text.hasPrefix("time,version,x,y,label,probability_"))
            #expect(Int64(text.utf8.count) == segment.bytes)
            let data = try CSVReader.read(text: text)
            #expect(data.rowCount == segment.rows && data.columnNames == schema.header)
            for row in 0..<data.rowCount {
                let want = expected[offset + row]
                #expect(data.column(named: "version")?[row]?.description == "7")
                #expect(data.column(named: "x")?[row]?.numeric == want.row[0] && data.column(named: "y")?[row]?.numeric == want.row[1])
                let label = classes[want.answer.indices.max { want.answer[$0] < want.answer[$1] }!]
                #expect(data.column(named: "label")?[row]?.description == label)
                for (index, name) in classes.enumerated() {
                    #expect(data.column(named: "probability_\(name)")?[row]?.numeric == want.answer[index])
                }
            }
            let times = (0..<data.rowCount).compactMap { data.column(named: "time")?[$0]?.numeric }
            #expect(times.first == segment.firstAt && times.last == segment.lastAt)
            offset += segment.rows
        }
    }

    @Test func oneHotColumnsAreLoggedAsTheirCategoryAndMissingAnswersAsEmptyFields() {
        // Features: age, then colour one-hot over [blue, red].
        let schema = RequestLogSchema(inputs: .features([.init(name: "age", indices: [0], categories: nil),
                                                         .init(name: "colour", indices: [1, 2], categories: ["blue", "red"])], width: 3),
                                      outputs: .classes(["no", "yes"]))
        #expect(schema.header == ["time", "version", "age", "colour", "label", "probability_no", "probability_yes"])
        let request = InferenceRequest(inputs: [.init(name: "features", shape: [3, 3], datatype: .fp64,
                                                      data: .numbers([30, 0, 1, 41.5, 1, 0, 50, 0, 0]))])
        let labelsOnly = InferenceResponse(modelName: "m", modelVersion: "2", id: nil,
                                           outputs: [.init(name: "label", shape: [3], datatype: .bytes, data: .strings(["yes", "no", "no"]))])
        #expect(schema.rows(time: 5, version: "2", request: request, response: labelsOnly) == [
            ["5.0", "2", "30.0", "red", "yes", "", ""],
            ["5.0", "2", "41.5", "blue", "no", "", ""],
            ["5.0", "2", "50.0", "", "no", "", ""],
        ])
        let misshapen = InferenceRequest(inputs: [.init(name: "features", shape: [1, 2], datatype: .fp64, data: .numbers([1, 2]))])
        #expect(schema.rowCount(of: misshapen) == 0 && schema.rows(time: 5, version: "2", request: misshapen, response: labelsOnly).isEmpty)
        let huge = InferenceRequest(inputs: [.init(name: "features", shape: [Int.max, 3], datatype: .fp64, data: .numbers([1, 2, 3]))])
        #expect(schema.rowCount(of: huge) == 0)
    }

    @Test func textIsQuotedSoItReadsBackUnchanged() async throws {
        let folder = try temporaryPath("spool")
        let sealed = SealedSegments()
        let log = try RequestLog(model: "minilm", schema: Self.textSchema, folder: folder, options: RequestLogOptions(), metrics: ServeMetrics()) {
            try await sealed.add($0)
        }
        let texts = ["plain", "a, comma", #"a "quote""#, "two\nlines", " edge spaces ", "", "ünïcödé, \"mixed\"\r\n"]
        log.record(request: Self.textRequest(texts), response: Self.noAnswer, version: "1")
        await log.flush()
        let text = try #require(await sealed.texts.first)
        let data = try CSVReader.read(text: text, options: { var options = CSVOptions(); options.columnTypes = ["text": .string]; return options }())
        // An empty field reads back as a null.
        #expect((0..<data.rowCount).map { data.column(named: "text")?[$0]?.description ?? "" } == texts)
    }

    @Test func anOpenSegmentIsOnlyAPartialFileUntilItIsSealed() async throws {
        let folder = try temporaryPath("spool")
        let sealed = SealedSegments()
        let log = try RequestLog(model: "m", schema: Self.textSchema, folder: folder, options: RequestLogOptions(segmentRows: 100), metrics: ServeMetrics()) {
            try await sealed.add($0)
        }
        let running = Task { await log.run() }
        log.record(request: Self.textRequest(["one", "two", "three"]), response: Self.noAnswer, version: "1")
        try await Self.eventually("the rows are written to the open segment") {
            Self.files(in: folder).contains { name in
                name.hasSuffix(".partial") && ((try? String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8)) ?? "").hasSuffix("three\n")
            }
        }
        #expect(Self.files(in: folder).allSatisfy { $0.hasPrefix(".") && $0.hasSuffix(".partial") })
        #expect(await sealed.segments.isEmpty)
        log.finish()
        await running.value
        let segments = await sealed.segments
        #expect(segments.map(\.rows) == [3])
        #expect(Self.files(in: folder) == segments.map { ($0.path as NSString).lastPathComponent })
        let data = try CSVReader.read(text: try #require(await sealed.texts.first))
        #expect(data.columnNames == ["time", "version", "text"])
        #expect((0..<data.rowCount).map { data.column(named: "text")?[$0]?.description } == ["one", "two", "three"])
    }

    @Test func aSmallSegmentIsSealedOnceItIsOldEnough() async throws {
        let sealed = SealedSegments()
        let log = try RequestLog(model: "m", schema: Self.textSchema, folder: try temporaryPath("spool"),
                                 options: RequestLogOptions(segmentRows: 1000, sealAfter: .milliseconds(100)), metrics: ServeMetrics()) { try await sealed.add($0) }
        let running = Task { await log.run() }
        log.record(request: Self.textRequest(["early"]), response: Self.noAnswer, version: "1")
        try await Self.eventually("the segment is sealed by age") { await sealed.segments.count == 1 }
        #expect(await sealed.segments.map(\.rows) == [1])
        log.finish()
        await running.value
        #expect(await sealed.segments.count == 1, "finishing with nothing open seals nothing more")
    }

    @Test func leftoversOfAStoppedProcessAreHandedOverOrRemovedAndARunningOnesAreLeftAlone() async throws {
        let folder = try temporaryPath("spool")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Process 2147483647 cannot exist (pid_max is at most 2^22); process 1 always runs.
        let gone = Int32.max
        let leftover = "time,version,text\n1.5,1,a\n1.75,1,b\n2.0,1,c\n"
        try leftover.write(toFile: "\(folder)/m-1500-2000-3-\(gone)-0badc0de.csv", atomically: true, encoding: .utf8)
        try "time,version,text\n1.0,1,half".write(toFile: "\(folder)/.m-\(gone)-0123abcd.partial", atomically: true, encoding: .utf8)
        let running = ["m-1000-1000-1-1-feedf00d.csv", ".m-1-feedf00d.partial"]
        for name in running { try "time,version,text\n1.0,1,x\n".write(toFile: "\(folder)/\(name)", atomically: true, encoding: .utf8) }
        let sealed = SealedSegments()
        let log = try RequestLog(model: "m", schema: Self.textSchema, folder: folder, options: RequestLogOptions(), metrics: ServeMetrics()) { try await sealed.add($0) }
        let task = Task { await log.run() }
        log.finish()
        await task.value
        #expect(await sealed.segments == [SealedRequestLogSegment(model: "m", path: "\(folder)/m-1500-2000-3-\(gone)-0badc0de.csv", rows: 3,
                                                                   bytes: Int64(leftover.utf8.count), firstAt: 1.5, lastAt: 2.0)])
        #expect(await sealed.texts == [leftover])
        #expect(Set(Self.files(in: folder)) == Set(running + ["m-1500-2000-3-\(gone)-0badc0de.csv"]))
    }

    @Test func theSampleRateIsRespected() async throws {
        let metrics = ServeMetrics()
        let sealed = SealedSegments()
        let log = try RequestLog(model: "m", schema: Self.textSchema, folder: try temporaryPath("spool"),
                                 options: RequestLogOptions(sampleRate: 0.25, segmentRows: 100_000), metrics: metrics) { try await sealed.add($0) }
        for index in 0..<4000 {
            log.record(request: Self.textRequest(["request \(index)"]), response: Self.noAnswer, version: "1")
            if index % 1000 == 999 { await log.flush() }
        }
        await log.flush()
        let logged = try #require(Self.rows(metrics, model: "m", "logged")), unsampled = try #require(Self.rows(metrics, model: "m", "unsampled"))
        #expect(logged + unsampled == 4000)
        // Binomial(4000, 0.25): mean 1000, standard deviation 27.4; 6 of them either side fails once in 5e8 runs.
        #expect(abs(logged - 1000) < 165, "logged \(logged) of 4000 at rate 0.25")
        #expect(await sealed.segments.map(\.rows).reduce(0, +) == logged)
    }

    @Test func aFullBufferDropsAndCountsRowsInsteadOfWaiting() async throws {
        let metrics = ServeMetrics()
        let sealed = SealedSegments()
        let log = try RequestLog(model: "m", schema: Self.textSchema, folder: try temporaryPath("spool"),
                                 options: RequestLogOptions(bufferRows: 5), metrics: metrics) { try await sealed.add($0) }
        // Nothing drains the buffer (run() is not running), so it fills up.
        let started = ContinuousClock.now
        log.record(request: Self.textRequest(["a", "b", "c"]), response: Self.noAnswer, version: "1")
        log.record(request: Self.textRequest(["d", "e", "f"]), response: Self.noAnswer, version: "1")
        log.record(request: Self.textRequest(["g", "h"]), response: Self.noAnswer, version: "1")
        for index in 0..<1000 { log.record(request: Self.textRequest(["x\(index)"]), response: Self.noAnswer, version: "1") }
        // Nothing drains the buffer, so a record that waited for room would never return; this bound
        // only catches one that waits a while and then drops (not tighter: the suite shares 2 cores).
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(Self.rows(metrics, model: "m", "dropped") == 1003)
        await log.flush()
        #expect(Self.rows(metrics, model: "m", "logged") == 5)
        #expect(await sealed.segments.map(\.rows) == [5])
        // A request is logged whole or not at all: d, e, f did not fit beside a, b, c; g, h did.
        let data = try CSVReader.read(text: try #require(await sealed.texts.first))
        #expect((0..<data.rowCount).map { data.column(named: "text")?[$0]?.description } == ["a", "b", "c", "g", "h"])
    }

    @Test func rowsPastTheSpoolBudgetAreDroppedAndCounted() async throws {
        let metrics = ServeMetrics()
        let folder = try temporaryPath("spool")
        let sealed = SealedSegments()
        // The hand-over leaves each file in the spool, so the folder fills up.
        let budget: Int64 = 100
        let log = try RequestLog(model: "m", schema: Self.textSchema, folder: folder,
                                 options: RequestLogOptions(segmentRows: 2, maxBytes: budget), metrics: metrics) { try await sealed.add($0) }
        for index in 0..<20 { log.record(request: Self.textRequest(["row \(index)"]), response: Self.noAnswer, version: "1") }
        await log.flush()
        let logged = try #require(Self.rows(metrics, model: "m", "logged")), dropped = try #require(Self.rows(metrics, model: "m", "dropped"))
        #expect(logged + dropped == 20 && logged > 0 && dropped > 0)
        let sizes = Self.files(in: folder).map { (try? FileManager.default.attributesOfItem(atPath: "\(folder)/\($0)")[.size] as? Int) ?? 0 }
        #expect(Int64(sizes.reduce(0, +)) <= budget)
        #expect(await sealed.segments.map(\.rows).reduce(0, +) == logged)
    }

    @Test func gracefulShutdownSealsTheOpenSegment() async throws {
        var models = ModelRepository()
        try models.add(ModelEndpointLoader.load(name: "iris", version: "1", path: try await trainedTabularModel(), batching: .unbatched, metrics: ServeMetrics()))
        let sealed = SealedSegments()
        let logs = try RequestLogs(models: models, folder: try temporaryPath("spool"), options: RequestLogOptions(segmentRows: 1000), metrics: ServeMetrics()) {
            try await sealed.add($0)
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [logs], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        let request = featuresRequest([[0.5, 0.5], [-1, 0], [1, 1]])
        let response = try await models.endpoint("iris", version: nil).infer(request)
        logs.record(model: "iris", request: request, response: response, version: "1")
        logs.record(model: "not-served", request: request, response: response, version: "1")
        try await Task.sleep(for: .milliseconds(50))
        #expect(await sealed.segments.isEmpty)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(await sealed.segments.map(\.rows) == [3])
        #expect(await sealed.segments.map(\.model) == ["iris"])
    }

    @Test func answeredRequestsThroughTheHTTPServerAreLogged() async throws {
        let path = try await trainedTabularModel()
        let metrics = ServeMetrics()
        var models = ModelRepository()
        try models.add(ModelEndpointLoader.load(name: "iris", version: "1", path: path, batching: BatchingOptions(maxBatchSize: 8, maxDelay: .milliseconds(1)), metrics: metrics))
        try models.add(ModelEndpointLoader.load(name: "iris", version: "2", path: path, batching: .unbatched, metrics: metrics))
        let sealed = SealedSegments()
        let logs = try RequestLogs(models: models, folder: try temporaryPath("spool"), options: RequestLogOptions(), metrics: metrics) { try await sealed.add($0) }
        let app = buildServeApplication(ServeSettings(host: "127.0.0.1", port: 0), models: models, metrics: metrics, requestLogs: logs)
        let running = Task { try await logs.run() }
        try await app.test(.live) { client in
            let requests = [("/v2/models/iris/infer", "[[-1.8, -0.9], [0.1, 0.0]]", 2), ("/v2/models/iris/versions/2/infer", "[[1.9, 0.8]]", 1)]
            for (uri, data, rows) in requests {
                let body = #"{"inputs": [{"name": "features", "shape": [\#(rows), 2], "datatype": "FP64", "data": \#(data)}]}"#
                try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body)) { #expect($0.status == .ok) }
            }
            let refused = #"{"inputs": [{"name": "features", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}]}"#
            try await client.execute(uri: "/v2/models/iris/infer", method: .post, body: ByteBuffer(string: refused)) { #expect($0.status == .badRequest) }
        }
        logs.finish()
        try await running.value
        let text = try #require(await sealed.texts.first)
        let data = try CSVReader.read(text: text)
        #expect(await sealed.segments.map(\.rows) == [3])
        #expect(data.rowCount == 3)
        #expect((0..<3).map { data.column(named: "x")?[$0]?.numeric } == [-1.8, 0.1, 1.9])
        #expect((0..<3).map { data.column(named: "version")?[$0]?.description } == ["1", "1", "2"])
        #expect((0..<3).map { data.column(named: "label")?[$0]?.description } == ["low", "mid", "high"])
        #expect(Self.rows(metrics, model: "iris", "logged") == 3)
        #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains("mlp_request_log_rows_total"))
    }
}
