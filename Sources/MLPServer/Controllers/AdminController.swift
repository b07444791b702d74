import Foundation
import Hummingbird
import MLPStore

/// The endpoints outside projects: who am I, the projects (namespaces), tokens and the audit log.
struct AdminController {
    let stores: ServerStores

    struct ProjectName: Codable { let name: String }

    func addRoutes(to group: RouterGroup<ServerContext>) {
        group.get("whoami") { _, context in
            try JSONBody.answer(try context.requireToken())
        }
        group.get("projects") { _, context in
            let token = try context.require(.read)
            return try JSONBody.answer(try await stores.projects(for: token))
        }
        group.put("projects/{project}") { _, context in
            let token = try context.require(.write)
            let project = try context.path("project")
            guard token.covers(project) else { throw APIError.projectNotFound(project) }
            let created = try await stores.createProject(project)
            return try JSONBody.answer(ProjectName(name: project), status: created ? .created : .ok)
        }
        group.get("tokens") { _, context in
            _ = try context.require(.administer)
            let server = stores.server
            return try JSONBody.answer(try await stores.call { try server.tokens() })
        }
        group.post("tokens") { request, context in
            let admin = try context.require(.administer)
            let body = try await JSONBody.decode(TokenRequest.self, from: request)
            let server = stores.server, client = context.client
            let created = try await stores.call { try server.issueToken(body, actor: admin.user, client: client) }
            return try JSONBody.answer(created, status: .created)
        }
        group.delete("tokens/{id}") { _, context in
            let admin = try context.require(.administer)
            let id = try context.path("id")
            let server = stores.server, client = context.client
            let now = Date().timeIntervalSince1970
            let revoked = try await stores.call {
                try server.revokeToken(id: id, at: now, audit: AuditEvent(at: now, user: admin.user, action: "token.revoke", project: nil, target: id, client: client))
            }
            guard revoked else { throw APIError.notFound("no live token has the id '\(id)' (see GET /api/v1/tokens)") }
            return Response(status: .noContent)
        }
        group.get("audit") { request, context in
            _ = try context.require(.administer)
            let query = Query(request)
            let after = try query.int64("after", in: 0...Int64.max)
            let limit = try query.int("limit", default: 1000, in: 1...10_000)!
            let server = stores.server
            return try JSONBody.answer(try await stores.call { try server.audit(afterID: after, limit: limit) })
        }
    }
}

/// `GET /api/v1/health` (the process answers), `GET /api/v1/ready` (its store answers too) and
/// `GET /api/v1/openapi.json`: no token needed.
struct PublicController {
    let stores: ServerStores

    struct Health: Codable { let status: String }

    func addRoutes(to group: RouterGroup<ServerContext>) {
        group.get("health") { _, _ in
            try JSONBody.answer(Health(status: "ok"))
        }
        group.get("ready") { _, _ in
            let server = stores.server
            do {
                _ = try await stores.call { try server.projects() }
            } catch {
                var answer = APIError.from(error)
                if answer.status.code != 503 { answer = APIError(.serviceUnavailable, code: "unavailable", "the store does not answer: \(error)", headers: [.retryAfter: "1"]) }
                throw answer
            }
            return try JSONBody.answer(Health(status: "ready"))
        }
        group.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }
    }
}

/// `GET /metrics`: the Prometheus text exposition (any token).
struct MetricsController {
    let metrics: ServerMetrics

    func addRoutes(to group: RouterGroup<ServerContext>) {
        group.get("metrics") { _, context in
            _ = try context.require(.read)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
