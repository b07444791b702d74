import Foundation
import Hummingbird
import HummingbirdTesting
import MLPCore
import MLPStore
import Testing
@testable import MLPServer

/// The routes of `mlp server` through its real router, stores and artifact folder (SQLite in a
/// temporary folder): authentication, roles, project scoping, decisions, blobs and logs.
@Suite struct ServerRouteTests {
    final class Fixture: @unchecked Sendable {
        let root: String
        let stores: ServerStores
        let artifacts: ArtifactStore
        let app: Application<RouterResponder<ServerContext>>

        init(authFailureLimit: Int = 10) throws {
            root = NSTemporaryDirectory() + "mlp-server-tests-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let backend = StoreBackend.sqlite(directory: "\(root)/db")
            stores = try ServerStores(backend: backend, executor: StoreExecutor(threads: 4))
            artifacts = try ArtifactStore(root: "\(root)/artifacts")
            let router = buildServerRouter(stores: stores, artifacts: artifacts, limiter: AuthFailureLimiter(limit: authFailureLimit))
            app = Application(router: router)
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        func token(_ user: String, _ role: Role, projects: [String]? = nil) throws -> String {
            try stores.server.issueToken(TokenRequest(user: user, role: role, projects: projects), actor: "test", client: nil).token
        }
    }

    static func headers(_ token: String?, _ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        if let token { fields[.authorization] = "Bearer \(token)" }
        return fields
    }

    static func json(_ response: TestResponse) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView), options: [.fragmentsAllowed])
    }

    static func errorCode(_ response: TestResponse) -> String? {
        (try? StoreAPI.decoder.decode(ErrorEnvelope.self, from: Data(response.body.readableBytesView)))?.error.code
    }

    static func encode<T: Encodable>(_ value: T) throws -> ByteBuffer { ByteBuffer(bytes: try StoreAPI.encoder.encode(value)) }

    @Test func healthNeedsNoTokenAndEverythingElseDoes() async throws {
        let fixture = try Fixture()
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/api/v1/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/ready", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/projects", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(Self.errorCode(response) == "unauthorized")
                #expect(response.headers[.wwwAuthenticate] != nil)
            }
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/projects", method: .get, headers: Self.headers("mlp_" + String(repeating: "A", count: 43))) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/api/v1/no/such/route", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(Self.errorCode(response) == "not_found")
            }
        }
    }

    @Test func rolesDecideWhatATokenMayDo() async throws {
        let fixture = try Fixture()
        let viewer = try fixture.token("vera", .viewer), runner = try fixture.token("rui", .runner), admin = try fixture.token("ada", .admin)
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/api/v1/projects/demo", method: .put, headers: Self.headers(viewer)) { response in
                #expect(response.status == .forbidden)
                #expect(Self.errorCode(response) == "forbidden")
            }
            try await client.execute(uri: "/api/v1/projects/demo", method: .put, headers: Self.headers(runner)) { #expect($0.status == .created) }
            try await client.execute(uri: "/api/v1/projects/demo", method: .put, headers: Self.headers(runner)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/projects/demo/runs", method: .get, headers: Self.headers(viewer)) { response in
                #expect(response.status == .ok)
                #expect((Self.json(response) as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "/api/v1/tokens", method: .get, headers: Self.headers(runner)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/audit", method: .get, headers: Self.headers(viewer)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/projects/demo/integrity", method: .get, headers: Self.headers(runner)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/projects/demo/integrity", method: .get, headers: Self.headers(admin)) { response in
                #expect(response.status == .ok)
                #expect(Self.json(response) as? [String] == ["ok"])
            }
            try await client.execute(uri: "/api/v1/whoami", method: .get, headers: Self.headers(viewer)) { response in
                let record = try StoreAPI.decoder.decode(TokenRecord.self, from: Data(response.body.readableBytesView))
                #expect(record.user == "vera" && record.role == .viewer)
            }
            // A token made over HTTP works, is audited, and stops working once revoked.
            var made: CreatedToken?
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: Self.headers(admin),
                                     body: try Self.encode(TokenRequest(user: "newcomer", role: .viewer, projects: nil))) { response in
                #expect(response.status == .created)
                made = try StoreAPI.decoder.decode(CreatedToken.self, from: Data(response.body.readableBytesView))
            }
            let created = try #require(made)
            #expect(created.token.hasPrefix("mlp_"))
            try await client.execute(uri: "/api/v1/projects", method: .get, headers: Self.headers(created.token)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/tokens/\(created.id)", method: .delete, headers: Self.headers(admin)) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/api/v1/projects", method: .get, headers: Self.headers(created.token)) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/audit", method: .get, headers: Self.headers(admin)) { response in
                let events = try StoreAPI.decoder.decode([AuditEvent].self, from: Data(response.body.readableBytesView))
                #expect(events.contains { $0.action == "token.create" && $0.user == "ada" && $0.target.hasPrefix(created.id) })
                #expect(events.contains { $0.action == "token.revoke" && $0.user == "ada" && $0.target == created.id })
            }
        }
    }

    @Test func aScopedTokenSeesOnlyItsProjects() async throws {
        let fixture = try Fixture()
        let admin = try fixture.token("ada", .admin), scoped = try fixture.token("sam", .runner, projects: ["alpha"])
        try await fixture.app.test(.router) { client in
            for project in ["alpha", "beta"] {
                try await client.execute(uri: "/api/v1/projects/\(project)", method: .put, headers: Self.headers(admin)) { #expect($0.status == .created) }
            }
            try await client.execute(uri: "/api/v1/projects", method: .get, headers: Self.headers(scoped)) { response in
                #expect(Self.json(response) as? [String] == ["alpha"])
            }
            try await client.execute(uri: "/api/v1/projects", method: .get, headers: Self.headers(admin)) { response in
                #expect(Self.json(response) as? [String] == ["alpha", "beta"])
            }
            try await client.execute(uri: "/api/v1/projects/alpha/runs", method: .get, headers: Self.headers(scoped)) { #expect($0.status == .ok) }
            // Another project and one that does not exist answer alike.
            for project in ["beta", "gamma"] {
                try await client.execute(uri: "/api/v1/projects/\(project)/runs", method: .get, headers: Self.headers(scoped)) { response in
                    #expect(response.status == .notFound)
                    #expect(Self.errorCode(response) == "project_not_found")
                }
            }
            try await client.execute(uri: "/api/v1/projects/beta", method: .put, headers: Self.headers(scoped)) { #expect($0.status == .notFound) }
        }
    }

    static let idempotencyKey = HTTPFields.Element.Name(StoreAPI.idempotencyHeader)!

    /// A pending run `runID` with one planned step, `gate`.
    static func createRun(_ runID: String) -> CreateRunRequest {
        let run = RunRecord(id: runID, pipeline: "p", projectDirectory: "/tmp/p", pipelineText: "name: p", pipelineFile: "mlp.yaml",
                            pipelineDigest: String(repeating: "0", count: 64), status: .pending, gitCommit: nil, gitDirty: nil,
                            mlpVersion: "test", host: "h", createdAt: 1_800_000_000, parallelism: 1, noCache: false)
        return CreateRunRequest(run: run, params: [], steps: [StepRecord(runID: runID, name: "gate", kind: "approval")])
    }

    /// A run whose approval gate `gate` waits, made through the API as a runner would.
    static func runWaitingAtGate(_ client: some TestClientProtocol, token: String, project: String, runID: String) async throws {
        let now = Date().timeIntervalSince1970
        var steps: [StepRecord] = []
        try await client.execute(uri: "/api/v1/projects/\(project)/runs", method: .post, headers: headers(token, [idempotencyKey: "create-\(runID)"]),
                                 body: try encode(createRun(runID))) { response in
            #expect(response.status == .ok)
            steps = try StoreAPI.decoder.decode([StepRecord].self, from: Data(response.body.readableBytesView))
        }
        var gate = try #require(steps.first)
        let gateID = try #require(gate.id)
        gate.status = .waiting
        let changes = [
            StateChange(run: .init(id: runID, status: .running)),
            StateChange(run: .init(id: runID, status: .waiting), steps: [gate],
                        approval: ApprovalRecord(runID: runID, stepID: gateID, step: "gate", shown: nil, rule: nil, requestedAt: now, deadline: nil)),
        ]
        try await client.execute(uri: "/api/v1/projects/\(project)/commits", method: .post, headers: headers(token), body: try encode(CommitRequest(changes: changes))) { response in
            #expect(response.status == .ok, "\(String(buffer: response.body))")
        }
    }

    @Test func aDecisionIsRecordedUnderTheTokensUserAndAudited() async throws {
        let fixture = try Fixture()
        let runner = try fixture.token("rui", .runner), viewer = try fixture.token("vera", .viewer)
        let approver = try fixture.token("alice", .approver), admin = try fixture.token("ada", .admin)
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/api/v1/projects/demo", method: .put, headers: Self.headers(runner)) { #expect($0.status == .created) }
            try await Self.runWaitingAtGate(client, token: runner, project: "demo", runID: "r1")
            let decision = try Self.encode(DecisionRequest(approve: true, comment: "looks right"))
            for token in [viewer, runner] {
                try await client.execute(uri: "/api/v1/projects/demo/runs/r1/approvals/gate/decision", method: .post, headers: Self.headers(token), body: decision) {
                    #expect($0.status == .forbidden)
                }
            }
            // A `by` in the body is not part of the request and is ignored.
            let claiming = ByteBuffer(string: #"{"approve": true, "comment": "ok", "by": "mallory"}"#)
            try await client.execute(uri: "/api/v1/projects/demo/runs/r1/approvals/gate/decision", method: .post, headers: Self.headers(approver), body: claiming) { response in
                #expect(response.status == .ok)
                let record = try StoreAPI.decoder.decode(ApprovalRecord.self, from: Data(response.body.readableBytesView))
                #expect(record.status == .approved && record.decidedBy == "alice" && record.comment == "ok")
            }
            try await client.execute(uri: "/api/v1/projects/demo/runs/r1/approvals/gate/decision", method: .post, headers: Self.headers(approver), body: decision) { response in
                #expect(response.status == .conflict)
                let envelope = try StoreAPI.decoder.decode(ErrorEnvelope.self, from: Data(response.body.readableBytesView))
                guard case .noPendingApproval? = envelope.error.store else { Issue.record("expected noPendingApproval, got \(envelope)"); return }
            }
            try await client.execute(uri: "/api/v1/audit", method: .get, headers: Self.headers(admin)) { response in
                let events = try StoreAPI.decoder.decode([AuditEvent].self, from: Data(response.body.readableBytesView))
                #expect(events.contains { $0.action == "approval.approve" && $0.user == "alice" && $0.project == "demo" && $0.target == "r1/gate" })
            }
        }
    }

    @Test func storeErrorsAndBadBodiesAreClientErrors() async throws {
        let fixture = try Fixture()
        let runner = try fixture.token("rui", .runner)
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/api/v1/projects/demo", method: .put, headers: Self.headers(runner)) { _ in }
            try await client.execute(uri: "/api/v1/projects/demo/runs/nope", method: .get, headers: Self.headers(runner)) { response in
                #expect(response.status == .notFound)
                let envelope = try StoreAPI.decoder.decode(ErrorEnvelope.self, from: Data(response.body.readableBytesView))
                guard case .runNotFound("nope")? = envelope.error.store else { Issue.record("expected runNotFound, got \(envelope)"); return }
            }
            try await client.execute(uri: "/api/v1/projects/demo/runs", method: .post, headers: Self.headers(runner), body: ByteBuffer(string: "{not json")) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/projects/demo/runs", method: .post, headers: Self.headers(runner), body: ByteBuffer(string: #"{"params": [], "steps": []}"#)) { response in
                #expect(response.status == .badRequest)
                let envelope = try StoreAPI.decoder.decode(ErrorEnvelope.self, from: Data(response.body.readableBytesView))
                #expect(envelope.error.message.contains("'run' is required"))
            }
            try await client.execute(uri: "/api/v1/projects/demo/runs?status=bogus", method: .get, headers: Self.headers(runner)) { response in
                #expect(response.status == .badRequest)
            }
            // NUL, which PostgreSQL cannot store, is refused alike on every backend.
            try await client.execute(uri: "/api/v1/projects/demo/runs/find?ref=a%00b", method: .get, headers: Self.headers(runner)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/projects/demo/cache/lookup", method: .post, headers: Self.headers(runner),
                                     body: ByteBuffer(string: #"{"keys": ["a\u0000b"]}"#)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/projects/demo/cache/lookup", method: .post, headers: Self.headers(runner),
                                     body: ByteBuffer(string: #"{"keys": ["a\\u0000b"]}"#)) { #expect($0.status == .ok) }
            // A commit naming a run that does not exist is refused by the store, not a 500.
            let orphan = StateChange(newSteps: [StepRecord(runID: "ghost", name: "s", kind: "shell")])
            try await client.execute(uri: "/api/v1/projects/demo/commits", method: .post, headers: Self.headers(runner), body: try Self.encode(CommitRequest(changes: [orphan]))) { response in
                #expect((400..<500).contains(Int(response.status.code)), "\(response.status) \(String(buffer: response.body))")
            }
            // The same run created twice under one idempotency key is stored once, and answered alike.
            var answers: [String] = []
            for _ in 0..<2 {
                try await client.execute(uri: "/api/v1/projects/demo/runs", method: .post, headers: Self.headers(runner, [Self.idempotencyKey: "k-r2"]),
                                         body: try Self.encode(Self.createRun("r2"))) { response in
                    #expect(response.status == .ok)
                    answers.append(String(buffer: response.body))
                }
            }
            #expect(answers.count == 2 && answers[0] == answers[1])
            // Without the key, the second create is a conflict (the id exists), never a 500.
            try await client.execute(uri: "/api/v1/projects/demo/runs", method: .post, headers: Self.headers(runner), body: try Self.encode(Self.createRun("r2"))) { response in
                #expect(response.status == .conflict, "\(String(buffer: response.body))")
            }
            try await client.execute(uri: "/api/v1/projects/demo/runs/count", method: .get, headers: Self.headers(runner)) { response in
                #expect((try? StoreAPI.decoder.decode(CountResponse.self, from: Data(response.body.readableBytesView)))?.count == 1)
            }
        }
    }

    @Test func blobsAreCheckedAgainstTheirDigestAndServeRanges() async throws {
        let fixture = try Fixture()
        let runner = try fixture.token("rui", .runner), viewer = try fixture.token("vera", .viewer)
        let bytes = Data("hello, blob".utf8)
        let digest = ArtifactStore.digest(of: bytes)
        let other = ArtifactStore.digest(of: Data("something else".utf8))
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/api/v1/blobs/sha256/\(other)", method: .put, headers: Self.headers(runner), body: ByteBuffer(bytes: bytes)) { response in
                #expect(response.status == .badRequest)
                #expect(Self.errorCode(response) == "digest_mismatch")
            }
            #expect(!FileManager.default.fileExists(atPath: fixture.artifacts.blobPath(other)))
            #expect((try? FileManager.default.contentsOfDirectory(atPath: "\(fixture.artifacts.root)/tmp"))?.isEmpty == true)
            try await client.execute(uri: "/api/v1/blobs/sha256/\(digest)", method: .head, headers: Self.headers(viewer)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/blobs/sha256/\(digest)", method: .put, headers: Self.headers(viewer), body: ByteBuffer(bytes: bytes)) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/blobs/sha256/\(digest)", method: .put, headers: Self.headers(runner), body: ByteBuffer(bytes: bytes)) {
                #expect($0.status == .created)
            }
            try await client.execute(uri: "/api/v1/blobs/sha256/\(digest)", method: .put, headers: Self.headers(runner), body: ByteBuffer(bytes: bytes)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/v1/blobs/sha256/\(digest)", method: .head, headers: Self.headers(viewer)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentLength] == String(bytes.count))
            }
            try await client.execute(uri: "/api/v1/blobs/sha256/\(digest)", method: .get, headers: Self.headers(viewer)) { response in
                #expect(response.status == .ok)
                #expect(Data(response.body.readableBytesView) == bytes)
            }
            try await client.execute(uri: "/api/v1/blobs/sha256/\(digest)", method: .get, headers: Self.headers(viewer, [.range: "bytes=7-10"])) { response in
                #expect(response.status == .partialContent)
                #expect(String(buffer: response.body) == "blob")
                #expect(response.headers[.contentRange] == "bytes 7-10/11")
            }
            try await client.execute(uri: "/api/v1/blobs/sha256/\(digest)", method: .get, headers: Self.headers(viewer, [.range: "bytes=-4"])) { response in
                #expect(response.status == .partialContent && String(buffer: response.body) == "blob")
            }
            try await client.execute(uri: "/api/v1/blobs/sha256/\(digest)", method: .get, headers: Self.headers(viewer, [.range: "bytes=11-"])) { response in
                #expect(response.status == .rangeNotSatisfiable)
                #expect(response.headers[.contentRange] == "bytes */11")
            }
            for bad in ["ABC", String(repeating: "A", count: 64), "..%2F..%2Fetc%2Fpasswd", String(repeating: "g", count: 64)] {
                try await client.execute(uri: "/api/v1/blobs/sha256/\(bad)", method: .put, headers: Self.headers(runner), body: ByteBuffer(string: "x")) { response in
                    #expect(response.status == .badRequest || response.status == .notFound)
                }
            }
        }
    }

    @Test func logsAppendByOffsetAndReadFromAnOffset() async throws {
        let fixture = try Fixture()
        let runner = try fixture.token("rui", .runner)
        let size = HTTPFields.Element.Name("X-Log-Size")!
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/api/v1/projects/demo", method: .put, headers: Self.headers(runner)) { _ in }
            let uri = "/api/v1/projects/demo/attempts/7/logs/stdout"
            try await client.execute(uri: uri, method: .get, headers: Self.headers(runner)) { response in
                #expect(response.status == .ok && response.body.readableBytes == 0 && response.headers[size] == "0")
            }
            try await client.execute(uri: uri + "?offset=0", method: .put, headers: Self.headers(runner), body: ByteBuffer(string: "line 1\n")) { response in
                #expect(response.status == .ok && response.headers[size] == "7")
            }
            // A retry of the same chunk changes nothing; an overlapping one adds only what is new.
            try await client.execute(uri: uri + "?offset=0", method: .put, headers: Self.headers(runner), body: ByteBuffer(string: "line 1\n")) { response in
                #expect(response.headers[size] == "7")
            }
            try await client.execute(uri: uri + "?offset=5", method: .put, headers: Self.headers(runner), body: ByteBuffer(string: "1\nline 2\n")) { response in
                #expect(response.headers[size] == "14")
            }
            try await client.execute(uri: uri + "?offset=20", method: .put, headers: Self.headers(runner), body: ByteBuffer(string: "gap")) { response in
                #expect(response.status == .conflict)
            }
            try await client.execute(uri: uri + "?offset=7", method: .get, headers: Self.headers(runner)) { response in
                #expect(String(buffer: response.body) == "line 2\n" && response.headers[size] == "14")
            }
            try await client.execute(uri: "/api/v1/projects/demo/attempts/7/logs/..%2F..%2Fx", method: .get, headers: Self.headers(runner)) { response in
                #expect(response.status == .badRequest || response.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/projects/demo/attempts/-1/logs/stdout", method: .get, headers: Self.headers(runner)) { #expect($0.status == .badRequest) }
        }
        let stored = try String(contentsOfFile: "\(fixture.artifacts.root)/logs/demo/7/stdout.log", encoding: .utf8)
        #expect(stored == "line 1\nline 2\n")
    }

    @Test func failedAuthenticationIsRateLimitedPerClient() async throws {
        let fixture = try Fixture(authFailureLimit: 3)
        let viewer = try fixture.token("vera", .viewer)
        let wrong = "mlp_" + String(repeating: "B", count: 43)
        try await fixture.app.test(.router) { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/api/v1/projects", method: .get, headers: Self.headers(wrong)) { #expect($0.status == .unauthorized) }
            }
            try await client.execute(uri: "/api/v1/projects", method: .get, headers: Self.headers(wrong)) { response in
                #expect(response.status == .tooManyRequests)
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
            }
            // Even a good token waits out the minute from an address that guessed too often.
            try await client.execute(uri: "/api/v1/projects", method: .get, headers: Self.headers(viewer)) { #expect($0.status == .tooManyRequests) }
            try await client.execute(uri: "/api/v1/health", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func metricsCountRequestsByRoutePattern() async throws {
        let fixture = try Fixture()
        let viewer = try fixture.token("vera", .viewer)
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/api/v1/projects", method: .get, headers: Self.headers(viewer)) { _ in }
            try await client.execute(uri: "/api/v1/projects/nope/runs/abc", method: .get, headers: Self.headers(viewer)) { _ in }
            try await client.execute(uri: "/metrics", method: .get, headers: Self.headers(viewer)) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"mlp_server_requests_total{route="/api/v1/projects",method="GET",status="200"} 1"#))
                #expect(text.contains(#"route="/api/v1/projects/{project}/runs/{id}",method="GET",status="404""#))
                #expect(text.contains("mlp_server_request_duration_seconds_bucket"))
            }
        }
    }

    @Test func theServedOpenAPIDocumentIsDocsOpenAPIJSON() async throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: repository.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
        #expect(OpenAPIDocument.text == file, "docs/openapi.json changed: run `make openapi`")
        let fixture = try Fixture()
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/api/v1/openapi.json", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body) == file)
            }
        }
    }
}
