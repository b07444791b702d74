import Foundation
import Hummingbird
import MLPCore
import MLPStore

/// Every store requirement over HTTP, under `/api/v1/projects/{project}/…`, as ``StoreAPI``'s
/// table lists them: each handler checks the token's role, finds the project's store (404 for a
/// project the token may not see), runs the call on the store executor and answers its result as
/// JSON. Who acted (`by` of a decision, an alias move, a deployment change) is always the token's
/// user, never a name in the body.
struct ProjectController {
    let stores: ServerStores

    /// The store of the request's project, once the token's role allows `permission`.
    func store(_ context: ServerContext, _ permission: Role.Permission) async throws -> (any MetadataStore, TokenRecord) {
        let token = try context.require(permission)
        let store = try await stores.project(try context.path("project"), for: token)
        return (store, token)
    }

    /// Runs a store call of a request's project: role check, store, executor.
    func read<T: Sendable>(_ context: ServerContext, _ body: @escaping @Sendable (any MetadataStore) throws -> T) async throws -> T {
        let (store, _) = try await store(context, .read)
        return try await stores.call { try body(store) }
    }

    static func idempotencyKey(_ request: Request) throws -> String? {
        guard let name = HTTPFields.Element.Name(StoreAPI.idempotencyHeader), let key = request.headers[name] else { return nil }
        guard (1...200).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e }) else {
            throw APIError.badRequest("the Idempotency-Key header must be 1 to 200 visible ASCII characters")
        }
        return key
    }

    static func runQuery(_ request: Request) throws -> RunQuery {
        let query = Query(request)
        return RunQuery(status: try query.enumeration("status", RunStatus.self), pipeline: query.string("pipeline"),
                        limit: try query.int("limit", default: 50, in: 0...100_000)!, offset: try query.int("offset", default: 0, in: 0...Int(Int32.max))!)
    }

    /// What a commit must hold before it reaches a store (which would call a step update without
    /// an id a damaged store, a 500): a client's malformed change is a 400 saying which.
    static func check(_ body: CommitRequest) throws {
        for (number, change) in body.changes.enumerated() {
            if let step = change.steps.first(where: { $0.id == nil }) {
                throw APIError.badRequest("changes[\(number)].steps: the step '\(step.displayName.prefix(80))' has no id; steps to update carry the id createRun or a commit gave them (new steps go in newSteps)")
            }
        }
    }

    func addRoutes(to group: RouterGroup<ServerContext>) {
        addRunRoutes(to: group)
        addStepRoutes(to: group)
        addArtifactRoutes(to: group)
        addApprovalRoutes(to: group)
        addRegistryRoutes(to: group)
        addDeploymentRoutes(to: group)
        group.get("integrity") { _, context in
            let (store, _) = try await store(context, .administer)
            return try JSONBody.answer(try await stores.call { try store.integrityCheck() })
        }
    }

    private func addRunRoutes(to group: RouterGroup<ServerContext>) {
        group.post("runs") { request, context in
            let (store, _) = try await store(context, .write)
            let body = try await JSONBody.decode(CreateRunRequest.self, from: request)
            let key = try Self.idempotencyKey(request)
            let steps = try await stores.call { try store.createRun(body.run, params: body.params, steps: body.steps, idempotencyKey: key) }
            return try JSONBody.answer(steps)
        }
        group.post("commits") { request, context in
            let (store, _) = try await store(context, .write)
            let body = try await JSONBody.decode(CommitRequest.self, from: request)
            try Self.check(body)
            let key = try Self.idempotencyKey(request)
            guard !body.changes.isEmpty else { return try JSONBody.answer([CommittedChange]()) }
            return try JSONBody.answer(try await stores.call { try store.commit(body.changes, idempotencyKey: key) })
        }
        group.get("runs") { request, context in
            let query = try Self.runQuery(request)
            return try JSONBody.answer(try await read(context) { try $0.runs(query) })
        }
        group.get("runs/summaries") { request, context in
            let query = try Self.runQuery(request)
            return try JSONBody.answer(try await read(context) { try $0.runSummaries(query) })
        }
        group.get("runs/count") { request, context in
            let query = try Self.runQuery(request)
            return try JSONBody.answer(CountResponse(count: try await read(context) { try $0.runCount(query) }))
        }
        group.get("runs/find") { request, context in
            let reference = try Query(request).required("ref")
            return try JSONBody.answer(try await read(context) { try $0.findRun(reference) })
        }
        group.get("runs/{id}") { _, context in
            let id = try context.path("id")
            guard let run = try await read(context, { try $0.run(id: id) }) else { throw APIError.notFound("no run has the id '\(id)'", store: .runNotFound(id)) }
            return try JSONBody.answer(run)
        }
        group.get("runs/{id}/params") { _, context in
            let id = try context.path("id")
            return try JSONBody.answer(try await read(context) { try $0.params(runID: id) })
        }
        group.get("runs/{id}/steps") { _, context in
            let id = try context.path("id")
            return try JSONBody.answer(try await read(context) { try $0.steps(runID: id) })
        }
        group.get("runs/{id}/metrics") { _, context in
            let id = try context.path("id")
            return try JSONBody.answer(try await read(context) { try $0.metrics(runID: id) })
        }
        group.post("runs/{id}/cancel") { _, context in
            let (store, _) = try await store(context, .write)
            let id = try context.path("id")
            try await stores.call { try store.requestCancel(runID: id) }
            return Response(status: .noContent)
        }
        group.post("runs/{id}/resume") { _, context in
            let (store, _) = try await store(context, .write)
            let id = try context.path("id")
            return try JSONBody.answer(try await stores.call { try store.prepareResume(runID: id) })
        }
    }

    private func addStepRoutes(to group: RouterGroup<ServerContext>) {
        group.get("steps/previous") { request, context in
            let query = Query(request)
            let pipeline = try query.required("pipeline"), step = try query.required("step"), before = try query.required("before")
            let index = try query.int("index", in: 0...Int(Int32.max))
            guard let record = try await read(context, { try $0.previousExecution(pipeline: pipeline, step: step, index: index, before: before) }) else {
                throw APIError.notFound("no earlier execution of \(step) in pipeline \(pipeline) before run \(before)")
            }
            return try JSONBody.answer(record)
        }
        group.get("steps/{stepID}") { _, context in
            let id = try context.pathID("stepID")
            guard let step = try await read(context, { try $0.step(id: id) }) else { throw APIError.notFound("no step has the id \(id)") }
            return try JSONBody.answer(step)
        }
        group.get("steps/{stepID}/attempts") { _, context in
            let id = try context.pathID("stepID")
            return try JSONBody.answer(try await read(context) { try $0.attempts(stepID: id) })
        }
        group.get("steps/{stepID}/lineage") { _, context in
            let id = try context.pathID("stepID")
            return try JSONBody.answer(try await read(context) { try $0.lineage(stepID: id) })
        }
        group.post("cache/lookup") { request, context in
            _ = try context.require(.read)
            let body = try await JSONBody.decode(CacheLookupRequest.self, from: request)
            return try JSONBody.answer(try await read(context) { try $0.cachedExecutions(keys: body.keys) })
        }
    }

    private func addArtifactRoutes(to group: RouterGroup<ServerContext>) {
        group.get("artifacts") { request, context in
            let limit = try Query(request).int("limit", default: 100, in: 0...100_000)!
            return try JSONBody.answer(try await read(context) { try $0.artifacts(limit: limit) })
        }
        group.get("artifacts/{ref}") { _, context in
            let reference = try context.path("ref")
            return try JSONBody.answer(try await read(context) { try $0.findArtifact(reference) })
        }
        group.get("lineage/{digest}") { _, context in
            let digest = try context.path("digest")
            return try JSONBody.answer(try await read(context) { try $0.lineage(digest: digest) })
        }
    }

    private func addApprovalRoutes(to group: RouterGroup<ServerContext>) {
        group.get("approvals") { request, context in
            let status = try Query(request).enumeration("status", ApprovalStatus.self)
            return try JSONBody.answer(try await read(context) { try $0.approvals(status: status) })
        }
        group.get("runs/{id}/approvals/{step}") { _, context in
            let id = try context.path("id"), step = try context.path("step")
            guard let approval = try await read(context, { try $0.approval(runID: id, step: step) }) else {
                throw APIError.notFound("run \(id) has no approval gate '\(step)'")
            }
            return try JSONBody.answer(approval)
        }
        group.post("runs/{id}/approvals/{step}/decision") { request, context in
            let (store, token) = try await store(context, .decide)
            let id = try context.path("id"), step = try context.path("step"), project = try context.path("project")
            let body = try await JSONBody.decode(DecisionRequest.self, from: request)
            let user = token.user
            let record = try await stores.call { try store.decide(runID: id, step: step, approve: body.approve, by: user, comment: body.comment) }
            let event = AuditEvent(at: Date().timeIntervalSince1970, user: user, action: body.approve ? "approval.approve" : "approval.reject",
                                   project: project, target: "\(record.runID)/\(record.step)", client: context.client)
            let server = stores.server
            try await stores.call { try server.appendAudit(event) }
            return try JSONBody.answer(record)
        }
    }

    private func addRegistryRoutes(to group: RouterGroup<ServerContext>) {
        group.get("models") { _, context in
            try JSONBody.answer(try await read(context) { try $0.models() })
        }
        group.get("models/resolve") { request, context in
            let reference = try Query(request).required("ref")
            return try JSONBody.answer(try await read(context) { try $0.resolveModel(reference) })
        }
        group.get("models/{name}/versions") { _, context in
            let name = try context.path("name")
            return try JSONBody.answer(try await read(context) { try $0.modelVersions(name: name) })
        }
        group.get("models/{name}/alias-events") { _, context in
            let name = try context.path("name")
            return try JSONBody.answer(try await read(context) { try $0.aliasEvents(name: name) })
        }
        group.post("models/{name}/aliases/{alias}") { request, context in
            let (store, token) = try await store(context, .write)
            let name = try context.path("name"), alias = try context.path("alias")
            let body = try await JSONBody.decode(AliasRequest.self, from: request)
            let user = token.user
            return try JSONBody.answer(try await stores.call { try store.moveAlias(name: name, alias: alias, to: body.version, by: user) })
        }
    }

    private func addDeploymentRoutes(to group: RouterGroup<ServerContext>) {
        group.get("deployments") { _, context in
            try JSONBody.answer(try await read(context) { try $0.deployments() })
        }
        group.get("deployments/{name}") { _, context in
            let name = try context.path("name")
            guard let record = try await read(context, { try $0.deployment(name: name) }) else {
                throw APIError.notFound("no deployment is named '\(name)'", store: .deploymentNotFound(name))
            }
            return try JSONBody.answer(record)
        }
        group.get("deployments/{name}/events") { _, context in
            let name = try context.path("name")
            return try JSONBody.answer(try await read(context) { try $0.deploymentEvents(name: name) })
        }
        group.get("deployments/{name}/request-logs") { _, context in
            let name = try context.path("name")
            return try JSONBody.answer(try await read(context) { try $0.requestLogs(deployment: name) })
        }
        group.post("deployments") { request, context in
            let (store, token) = try await store(context, .write)
            let spec = try await JSONBody.decode(DeploymentSpec.self, from: request)
            let user = token.user
            return try JSONBody.answer(try await stores.call { try store.deploy(spec, by: user) })
        }
        group.post("deployments/{name}/promote") { _, context in
            let (store, token) = try await store(context, .write)
            let name = try context.path("name"), user = token.user
            return try JSONBody.answer(try await stores.call { try store.promote(deployment: name, by: user) })
        }
        group.post("deployments/{name}/rollback") { request, context in
            let (store, token) = try await store(context, .write)
            let name = try context.path("name"), user = token.user
            let body = try await JSONBody.decode(RollbackRequest.self, from: request, emptyIs: RollbackRequest(reason: nil))
            return try JSONBody.answer(try await stores.call { try store.rollback(deployment: name, by: user, reason: body.reason) })
        }
        group.post("deployments/{name}/auto-rollback") { request, context in
            let (store, token) = try await store(context, .write)
            let name = try context.path("name"), user = token.user
            let body = try await JSONBody.decode(AutoRollbackRequest.self, from: request)
            let record = try await stores.call { try store.autoRollback(deployment: name, generation: body.generation, by: user, reason: body.reason) }
            return try JSONBody.answer(record)
        }
        group.post("deployments/{name}/request-logs") { request, context in
            let (store, _) = try await store(context, .write)
            let name = try context.path("name")
            let body = try await JSONBody.decode(RequestLogRequest.self, from: request)
            guard body.log.deployment == name else {
                throw APIError.badRequest("the request log names deployment '\(body.log.deployment)' but was sent to '\(name)'")
            }
            return try JSONBody.answer(try await stores.call { try store.recordRequestLog(body.log, artifact: body.artifact) })
        }
        group.post("deployments/{name}/request-logs/prune") { request, context in
            let (store, _) = try await store(context, .write)
            let name = try context.path("name")
            let body = try await JSONBody.decode(PruneRequest.self, from: request)
            guard body.keepingBytes >= 0 else { throw APIError.badRequest("keepingBytes must be 0 or more, not \(body.keepingBytes)") }
            return try JSONBody.answer(try await stores.call { try store.pruneRequestLogs(deployment: name, keepingBytes: body.keepingBytes) })
        }
    }
}
