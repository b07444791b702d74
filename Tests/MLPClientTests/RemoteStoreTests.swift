import Foundation
import MLPCore
import MLPStore
import Testing
@testable import MLPClient

/// A server played back from a script of answers, recording every request.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    enum Step {
        case answer(Int, Data)
        case fail(TransportError.Kind)
        /// Some bytes of a download arrive, then the connection breaks.
        case cut(Data)
        /// An answer with headers.
        case headed(Int, [String: String])
    }
    let lock = NSLock()
    var script: [Step]
    var requests: [HTTPRequest] = []
    /// What to answer once the script is used up.
    var fallback: (HTTPRequest) -> HTTPResponse

    init(_ script: [Step], fallback: @escaping (HTTPRequest) -> HTTPResponse = { _ in HTTPResponse(status: 200, body: Data("{}".utf8)) }) {
        self.script = script
        self.fallback = fallback
    }

    func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        lock.lock()
        defer { lock.unlock() }
        requests.append(request)
        guard !script.isEmpty else { return fallback(request) }
        switch script.removeFirst() {
        case .answer(let status, let body):
            if let path = request.downloadFile {  // as CurlTransport does: the body goes to the file
                try append(body, to: path)
                return HTTPResponse(status: status)
            }
            return HTTPResponse(status: status, body: body)
        case .fail(let kind): throw TransportError(kind: kind, message: "scripted \(kind)")
        case .headed(let status, let headers): return HTTPResponse(status: status, headers: headers)
        case .cut(let bytes):
            try append(bytes, to: request.downloadFile!)
            throw TransportError(kind: .broken, message: "scripted cut")
        }
    }

    func append(_ data: Data, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        _ = try handle.seekToEnd()
        try handle.write(contentsOf: data)
        try handle.close()
    }

    func header(_ name: String, of request: HTTPRequest) -> String? {
        request.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

func envelope(_ status: Int, _ code: String, _ message: String, store: StoreError? = nil) -> ScriptedTransport.Step {
    .answer(status, try! StoreAPI.encoder.encode(ErrorEnvelope(.init(message: message, code: code, store: store))))
}

func json(_ value: some Encodable) -> ScriptedTransport.Step { .answer(200, try! StoreAPI.encoder.encode(value)) }

let settings = ServerSettings(url: "http://127.0.0.1:9/", token: "secret", project: "demo")
/// Sleeps no time; counts what it would have slept.
final class Clock: @unchecked Sendable {
    var slept = 0.0
    var policy: RetryPolicy { RetryPolicy(warnings: false, sleep: { [self] in slept += $0 }) }
}

func run(_ id: String) -> RunRecord {
    RunRecord(id: id, pipeline: "p", projectDirectory: "/tmp/p", pipelineText: "name: p", pipelineFile: "mlp.yaml", pipelineDigest: "d",
              status: .pending, gitCommit: nil, gitDirty: nil, mlpVersion: "0", host: "h", createdAt: 1, parallelism: 1, noCache: false)
}

@Suite struct RemoteStoreErrorMappingTests {
    @Test func storeErrorsComeBackAsTheSameStoreError() throws {
        let transport = ScriptedTransport([envelope(404, "not_found", "no run", store: .runNotFound("abc"))])
        let store = RemoteStore(settings: settings, transport: transport, policy: Clock().policy)
        #expect(throws: StoreError.self) { try store.findRun("abc") }
        let again = ScriptedTransport([envelope(409, "conflict", "already", store: .noPendingApproval(run: "r", step: "gate", status: .approved))])
        do {
            _ = try RemoteStore(settings: settings, transport: again, policy: Clock().policy).decide(runID: "r", step: "gate", approve: true, by: "x", comment: nil)
            Issue.record("decide did not throw")
        } catch let error as StoreError {
            #expect(error.description == StoreError.noPendingApproval(run: "r", step: "gate", status: .approved).description)
        }
        #expect(again.requests.first?.url == "http://127.0.0.1:9/api/v1/projects/demo/runs/r/approvals/gate/decision")
    }

    @Test func aViewersTokenIsToldWhichRoleApprovingNeeds() throws {
        let viewer = TokenRecord(id: "tok_1", user: "ann", role: .viewer, projects: nil, createdAt: 0)
        let transport = ScriptedTransport([envelope(403, "forbidden", "the role viewer may not decide"), json(viewer)])
        let store = RemoteStore(settings: settings, transport: transport, policy: Clock().policy)
        do {
            _ = try store.decide(runID: "r", step: "gate", approve: true, by: "ignored", comment: nil)
            Issue.record("decide did not throw")
        } catch let error as RemoteStoreError {
            #expect(error.status == 403)
            #expect(error.message.contains("the token for http://127.0.0.1:9 is a viewer's (user ann): approving needs an approver's token"))
        }
        #expect(transport.requests.last?.url.hasSuffix("/api/v1/whoami") == true)
        // The client never claims a user: the body holds the decision only.
        let body = try #require(transport.requests.first?.body)
        #expect(String(decoding: body, as: UTF8.self) == #"{"approve":true}"#)
    }

    @Test func refusedAndRateLimitedTokensSayWhatToDo() throws {
        let refused = ScriptedTransport([envelope(401, "unauthorized", "unknown token")])
        do { _ = try RemoteStore(settings: settings, transport: refused, policy: Clock().policy).runs(RunQuery()); Issue.record("no throw") } catch let error as RemoteStoreError {
            #expect(error.status == 401)
            #expect(error.message.contains("refused the token") && error.message.contains("MLP_TOKEN"))
        }
        let limited = ScriptedTransport([envelope(429, "rate_limited", "slow down")])
        do { _ = try RemoteStore(settings: settings, transport: limited, policy: Clock().policy).runs(RunQuery()); Issue.record("no throw") } catch let error as RemoteStoreError {
            #expect(error.status == 429)
            #expect(error.message.contains("too many failed"))
        }
    }

    @Test func notFoundReadsAreNil() throws {
        let transport = ScriptedTransport([envelope(404, "not_found", "no run", store: .runNotFound("x"))])
        #expect(try RemoteStore(settings: settings, transport: transport, policy: Clock().policy).run(id: "x") == nil)
    }
}

@Suite struct RemoteStoreRetryTests {
    @Test func aCommitIsRetriedWithTheSameKeyUntilTheServerIsBack() throws {
        let clock = Clock()
        let answer = Data(#"[{"newSteps":[]}]"#.utf8)
        // The project PUT, then: refused, reset after sending, 503, then the answer.
        let transport = ScriptedTransport([.answer(200, Data("{}".utf8)), .fail(.connect), .fail(.broken), envelope(503, "unavailable", "db restarting"),
                                           .answer(200, answer)])
        let store = RemoteStore(settings: settings, transport: transport, policy: clock.policy)
        let result = try store.commit([StateChange(run: .init(id: "r", status: .running))], idempotencyKey: nil)
        #expect(result.count == 1)
        let commits = transport.requests.filter { $0.url.hasSuffix("/commits") }
        #expect(commits.count == 4)
        let keys = Set(commits.compactMap { transport.header(StoreAPI.idempotencyHeader, of: $0) })
        #expect(keys.count == 1)
        #expect(transport.requests.first?.method == "PUT" && transport.requests.first?.url.hasSuffix("/api/v1/projects/demo") == true)
        #expect(clock.slept > 0)
    }

    @Test func eachLogicalWriteHasItsOwnKeyAndTheProjectIsCreatedOnce() throws {
        let answer = Data(#"[{"newSteps":[]}]"#.utf8)
        let transport = ScriptedTransport([], fallback: { _ in HTTPResponse(status: 200, body: answer) })
        let store = RemoteStore(settings: settings, transport: transport, policy: Clock().policy)
        try store.commit([StateChange()], idempotencyKey: nil)
        try store.commit([StateChange()], idempotencyKey: nil)
        try store.commit([StateChange()], idempotencyKey: "mine")
        let keys = transport.requests.filter { $0.url.hasSuffix("/commits") }.compactMap { transport.header(StoreAPI.idempotencyHeader, of: $0) }
        #expect(keys.count == 3 && Set(keys).count == 3 && keys[2] == "mine")
        #expect(transport.requests.filter { $0.method == "PUT" }.count == 1)
        #expect(transport.header("Authorization", of: transport.requests[0]) == "Bearer secret")
    }

    @Test func writesGiveUpAfterTheirBudgetWithAClearError() throws {
        let clock = Clock()
        // The project is created; then the server goes away for good.
        let transport = ScriptedTransport([.answer(201, Data("{}".utf8))] + Array(repeating: .fail(.connect), count: 1000))
        let store = RemoteStore(settings: settings, transport: transport, policy: clock.policy)
        do {
            _ = try store.createRun(run("r"), params: [], steps: [], idempotencyKey: nil)
            Issue.record("no throw")
        } catch let error as RemoteStoreError {
            #expect(error.message.contains("cannot reach the server at http://127.0.0.1:9"))
            #expect(error.message.contains("mlp server"))
        }
        #expect(clock.slept <= 60 && clock.slept > 50)

        // A server that is not there when a run starts is said within the read budget.
        let start = Clock()
        let absent = ScriptedTransport(Array(repeating: .fail(.connect), count: 1000))
        #expect(throws: RemoteStoreError.self) {
            try RemoteStore(settings: settings, transport: absent, policy: start.policy).createRun(run("r"), params: [], steps: [], idempotencyKey: nil)
        }
        #expect(start.slept <= 10 && start.slept > 5)
    }

    @Test func aWriteWithoutAKeyIsNotResentAfterItMayHaveArrived() throws {
        let transport = ScriptedTransport([.fail(.broken)])
        let store = RemoteStore(settings: settings, transport: transport, policy: Clock().policy)
        #expect(throws: RemoteStoreError.self) { try store.decide(runID: "r", step: "g", approve: false, by: "x", comment: "no") }
        #expect(transport.requests.count == 1)
        // But one that never left (connection refused) is.
        let refused = ScriptedTransport([.fail(.connect), json(rejected())])
        let decided = try RemoteStore(settings: settings, transport: refused, policy: Clock().policy).decide(runID: "r", step: "g", approve: false, by: "x", comment: nil)
        #expect(decided.status == .rejected && refused.requests.count == 2)
    }

    @Test func readsRetryBriefly() throws {
        let clock = Clock()
        let transport = ScriptedTransport(Array(repeating: .fail(.broken), count: 1000))
        #expect(throws: RemoteStoreError.self) { try RemoteStore(settings: settings, transport: transport, policy: clock.policy).runs(RunQuery()) }
        #expect(clock.slept <= 10 && clock.slept > 5)
    }
}

@Suite struct ServerSettingsTests {
    func config(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "mlp-config-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func nothingNamedMeansLocal() throws {
        #expect(try ServerSettings.resolve(server: nil, token: nil, project: nil, profile: nil, environment: [:], configPath: "/nonexistent/config.yaml") == nil)
    }

    @Test func flagsWinOverTheEnvironmentWhichWinsOverTheDefaultProfile() throws {
        let path = try config("default: team\nprofiles:\n  team: {server: 'http://10.0.0.1:8080', token: t1, project: shared}\n  other: {server: 'http://127.0.0.1:1', token: t2}\n")
        let fromProfile = try #require(try ServerSettings.resolve(server: nil, token: nil, project: nil, profile: nil, environment: [:], configPath: path))
        #expect(fromProfile == ServerSettings(url: "http://10.0.0.1:8080", token: "t1", project: "shared"))
        let fromEnvironment = try #require(try ServerSettings.resolve(server: nil, token: nil, project: nil, profile: nil,
                                                                      environment: ["MLP_SERVER": "http://127.0.0.1:2/", "MLP_TOKEN": "t3"], configPath: path,
                                                                      pipelineName: { "churn" }))
        #expect(fromEnvironment == ServerSettings(url: "http://127.0.0.1:2", token: "t3", project: "churn"))
        let named = try #require(try ServerSettings.resolve(server: nil, token: nil, project: "p", profile: "other", environment: ["MLP_SERVER": "http://x:1"], configPath: path))
        #expect(named == ServerSettings(url: "http://127.0.0.1:1", token: "t2", project: "p"))
        let flags = try #require(try ServerSettings.resolve(server: "http://127.0.0.1:3", token: "t4", project: "q", profile: nil, environment: ["MLP_TOKEN": "t3"], configPath: path))
        #expect(flags == ServerSettings(url: "http://127.0.0.1:3", token: "t4", project: "q"))
    }

    @Test func missingPiecesAreClearErrors() throws {
        #expect(throws: ServerSettingsError.self) { try ServerSettings.resolve(server: "http://127.0.0.1:3", token: nil, project: nil, profile: nil, environment: [:], configPath: "/nonexistent") }
        #expect(throws: ServerSettingsError.self) { try ServerSettings.resolve(server: "127.0.0.1:3", token: nil, project: "p", profile: nil, environment: [:], configPath: "/nonexistent") }
        #expect(throws: ServerSettingsError.self) { try ServerSettings.resolve(server: "http://127.0.0.1:3", token: nil, project: "Bad Name", profile: nil, environment: [:], configPath: "/nonexistent") }
        let path = try config("profiles: {a: {server: 'http://h:1'}}\n")
        do { _ = try ServerSettings.resolve(server: nil, token: nil, project: nil, profile: "b", environment: [:], configPath: path); Issue.record("no throw") } catch let error as ServerSettingsError {
            #expect(error.message.contains("no such profile") && error.message.contains("a"))
        }
    }
}

func rejected() -> ApprovalRecord {
    var record = ApprovalRecord(runID: "r", stepID: 1, step: "g", shown: nil, rule: nil, requestedAt: 0, deadline: nil)
    record.status = .rejected
    return record
}

@Suite struct BlobClientTests {
    func temporaryFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "mlp-client-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func aFolderUploadsOnlyMissingMembersThenItsManifest() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try ArtifactStore(root: folder + "/artifacts")
        try FileManager.default.createDirectory(atPath: folder + "/model", withIntermediateDirectories: true)
        try Data("weights".utf8).write(to: URL(fileURLWithPath: folder + "/model/weights.bin"))
        try Data("{}".utf8).write(to: URL(fileURLWithPath: folder + "/model/card.json"))
        let ref = try store.ingest(directory: folder + "/model", as: .model)
        let card = ArtifactStore.digest(of: Data("{}".utf8)), weights = ArtifactStore.digest(of: Data("weights".utf8))
        // card.json sorts first: missing; weights.bin: already there; the manifest: missing.
        let transport = ScriptedTransport([.answer(404, Data()), .answer(201, Data()), .answer(200, Data()), .answer(404, Data()), .answer(201, Data())])
        try BlobClient(settings: settings, transport: transport, policy: Clock().policy).ensureUploaded(ref, from: store)
        let seen = transport.requests.map { "\($0.method) \($0.url.split(separator: "/").last!)" }
        #expect(seen == ["HEAD \(card)", "PUT \(card)", "HEAD \(weights)", "HEAD \(ref.digest)", "PUT \(ref.digest)"])
        #expect(transport.requests[1].uploadFile == store.blobPath(card))
        #expect(transport.requests[4].uploadFile == store.blobPath(ref.digest))
        #expect(transport.header("Authorization", of: transport.requests[0]) == "Bearer secret")
    }

    @Test func aCutDownloadResumesWithRangeAndIsCheckedAgainstItsDigest() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bytes = Data((0..<10_000).map { UInt8($0 % 251) })
        let digest = ArtifactStore.digest(of: bytes)
        let transport = ScriptedTransport([.cut(bytes.prefix(4000)), .answer(206, bytes.suffix(from: 4000))])
        let target = folder + "/blob"
        try BlobClient(settings: settings, transport: transport, policy: Clock().policy).download(digest, to: target)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == bytes)
        #expect(transport.header("Range", of: transport.requests[0]) == nil)
        #expect(transport.header("Range", of: transport.requests[1]) == "bytes=4000-")
        #expect(!FileManager.default.fileExists(atPath: target + ".partial"))

        // Bytes that do not hash to the digest are refused and nothing is kept.
        let wrong = ScriptedTransport([.answer(200, Data("not it".utf8))])
        #expect(throws: RemoteStoreError.self) { try BlobClient(settings: settings, transport: wrong, policy: Clock().policy).download(digest, to: folder + "/other") }
        #expect(!FileManager.default.fileExists(atPath: folder + "/other"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/other.partial"))
    }

    @Test func fetchBringsAFolderAndItsMembersIntoALocalStore() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let source = try ArtifactStore(root: folder + "/source")
        try FileManager.default.createDirectory(atPath: folder + "/model/sub", withIntermediateDirectories: true)
        try Data("a".utf8).write(to: URL(fileURLWithPath: folder + "/model/a.txt"))
        try Data("b".utf8).write(to: URL(fileURLWithPath: folder + "/model/sub/b.txt"))
        let ref = try source.ingest(directory: folder + "/model", as: .model)
        // A server that answers each GET from the source store.
        let transport = ScriptedTransport([], fallback: { request in
            let digest = String(request.url.split(separator: "/").last!)
            let data = try! Data(contentsOf: URL(fileURLWithPath: source.blobPath(digest)))
            if !FileManager.default.fileExists(atPath: request.downloadFile!) { _ = FileManager.default.createFile(atPath: request.downloadFile!, contents: nil) }
            let handle = FileHandle(forWritingAtPath: request.downloadFile!)!
            _ = try? handle.seekToEnd()
            handle.write(data)
            try? handle.close()
            return HTTPResponse(status: 200)
        })
        let target = try ArtifactStore(root: folder + "/target")
        try BlobClient(settings: settings, transport: transport, policy: Clock().policy).fetch(ref, into: target)
        let path = try target.path(for: ref)
        #expect(try String(contentsOfFile: path + "/sub/b.txt", encoding: .utf8) == "b")
        #expect(transport.requests.count == 3)
        // Already there: nothing is fetched again.
        try BlobClient(settings: settings, transport: transport, policy: Clock().policy).fetch(ref, into: target)
        #expect(transport.requests.count == 3)
    }
}

@Suite struct LogShipperTests {
    @Test func aLogIsShippedFromWhereTheServerEndsAfterAGap() throws {
        let path = NSTemporaryDirectory() + "mlp-log-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("hello world\n".utf8).write(to: URL(fileURLWithPath: path))
        // The server lost the first 6 bytes it had acknowledged: 409 with its size, then the rest is taken.
        let transport = ScriptedTransport([.headed(409, ["x-log-size": "0"]), .answer(200, Data("{}".utf8))])
        let store = RemoteStore(settings: settings, transport: transport, policy: Clock().policy)
        var entry = LogShipper.Followed(id: 7, files: [(stream: "stdout", path: path)], sent: ["stdout": 6])
        store.logs.ship(&entry)
        let puts = transport.requests.map { "\($0.method) \($0.url.split(separator: "/", maxSplits: 3).last!) \($0.body.map { String(decoding: $0, as: UTF8.self) } ?? "")" }
        #expect(puts == ["PUT v1/projects/demo/attempts/7/logs/stdout?offset=6 world\n",
                         "PUT v1/projects/demo/attempts/7/logs/stdout?offset=0 hello world\n"])
        #expect(entry.sent["stdout"] == 12)
    }
}
