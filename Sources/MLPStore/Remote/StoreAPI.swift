import Foundation
import MLPCore

/// The store contract over HTTP: what `mlp server` answers and what a client of it sends.
///
/// Every store requirement (``MetadataStore``) has one endpoint under
/// `/api/v1/projects/{project}/…`; `docs/openapi.json` (served at `/api/v1/openapi.json`) is the
/// normative description. Bodies are the store's own records, encoded by ``StoreAPI/encoder``.
/// An error is ``ErrorEnvelope`` with the HTTP status ``StoreAPI/status(for:)`` gives, and
/// carries the ``StoreError`` itself so a client throws exactly what a local store would.
///
/// | store requirement | method and path (under /api/v1/projects/{project}) | role |
/// |---|---|---|
/// | createRun | POST /runs (``CreateRunRequest``) → [StepRecord] | runner |
/// | commit | POST /commits (``CommitRequest``) → [CommittedChange] | runner |
/// | run(id:) | GET /runs/{id} → RunRecord (404 → nil) | viewer |
/// | findRun | GET /runs/find?ref=R → RunRecord | viewer |
/// | runs / runSummaries / runCount | GET /runs, /runs/summaries, /runs/count ?status&pipeline&limit&offset | viewer |
/// | params | GET /runs/{id}/params | viewer |
/// | requestCancel | POST /runs/{id}/cancel | runner |
/// | prepareResume | POST /runs/{id}/resume → [AttemptRecord] | runner |
/// | steps | GET /runs/{id}/steps | viewer |
/// | step(id:) / attempts | GET /steps/{stepID}, /steps/{stepID}/attempts | viewer |
/// | lineage(stepID:) | GET /steps/{stepID}/lineage → [LineageRecord] | viewer |
/// | cachedExecution(s) | POST /cache/lookup (``CacheLookupRequest``) → {key: StepRecord} | viewer |
/// | previousExecution | GET /steps/previous?pipeline&step&index&before → StepRecord (404 → nil) | viewer |
/// | artifacts / findArtifact | GET /artifacts?limit, /artifacts/{ref} | viewer |
/// | lineage(digest:) | GET /lineage/{digest} → [LineageEdge] | viewer |
/// | metrics | GET /runs/{id}/metrics | viewer |
/// | approvals / approval | GET /approvals?status, /runs/{id}/approvals/{step} (404 → nil) | viewer |
/// | decide | POST /runs/{id}/approvals/{step}/decision (``DecisionRequest``); `by` is the token's user | approver |
/// | models / modelVersions / resolveModel / aliasEvents | GET /models, /models/{name}/versions, /models/resolve?ref, /models/{name}/alias-events | viewer |
/// | moveAlias | POST /models/{name}/aliases/{alias} (``AliasRequest``) | runner |
/// | deployments / deployment / deploymentEvents / requestLogs | GET /deployments, /deployments/{name}, …/events, …/request-logs | viewer |
/// | deploy / promote / rollback / autoRollback | POST /deployments (DeploymentSpec), …/{name}/promote, …/rollback (``RollbackRequest``), …/auto-rollback (``AutoRollbackRequest``) | runner |
/// | recordRequestLog / pruneRequestLogs | POST /deployments/{name}/request-logs (``RequestLogRequest``), …/request-logs/prune (``PruneRequest``) | runner |
/// | integrityCheck | GET /integrity | admin |
///
/// Outside projects: `GET /api/v1/health` (no token), `GET /api/v1/openapi.json` (no token),
/// `GET /metrics` (Prometheus), `GET /api/v1/whoami`, `GET /api/v1/projects`, `PUT /api/v1/projects/{project}`
/// (runner: creates the namespace), `HEAD|GET|PUT /api/v1/blobs/sha256/{digest}` (GET: viewer,
/// `Range` honoured; PUT: runner), logs `PUT|GET /api/v1/projects/{project}/attempts/{attemptID}/logs/{stdout|stderr}`,
/// tokens `GET|POST /api/v1/tokens`, `DELETE /api/v1/tokens/{id}` and `GET /api/v1/audit` (admin).
/// Writes that a client may retry carry an `Idempotency-Key` header.
public enum StoreAPI {
    public static let prefix = "/api/v1"
    public static let idempotencyHeader = "Idempotency-Key"

    /// JSON as both sides write it: sorted keys (stable bodies), no escaped slashes.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
    public static var decoder: JSONDecoder { JSONDecoder() }

    /// The HTTP status that carries a store error.
    public static func status(for error: StoreError) -> Int {
        switch error {
        case .runNotFound, .artifactNotFound, .stepNotFound, .modelNotFound, .deploymentNotFound: return 404
        case .ambiguousRun, .ambiguousArtifact, .badModelReference, .badDeployment, .badProject: return 400
        case .invalidTransition, .invalidRunTransition, .noPendingApproval, .runFinished, .idempotencyKeyReused, .conflict: return 409
        case .corrupt: return 500
        case .unavailable: return 503
        }
    }

    /// A project's name on a shared server: its namespace (a PostgreSQL schema, a SQLite file).
    public static func validateProject(_ name: String) throws {
        let ok = (1...63).contains(name.utf8.count)
            && name.utf8.first.map { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) } == true
            && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 }
        guard ok else {
            throw StoreError.badProject("'\(name)' is not a project name: 1 to 63 characters, lowercase letters, digits, '-' and '_', starting with a letter or digit")
        }
    }
}

/// An error answer: `{"error": {"message": …, "code": …, "store": …}}`.
public struct ErrorEnvelope: Codable, Sendable {
    public struct Body: Codable, Sendable {
        /// What went wrong, for a person.
        public var message: String
        /// A short machine word: not_found, conflict, bad_request, unauthorized, forbidden, rate_limited, unavailable, internal.
        public var code: String
        /// The store's own error, when a store requirement failed.
        public var store: StoreError?
        public init(message: String, code: String, store: StoreError? = nil) {
            self.message = message
            self.code = code
            self.store = store
        }
    }
    public var error: Body
    public init(_ body: Body) { self.error = body }
}

public struct CreateRunRequest: Codable, Sendable {
    public var run: RunRecord
    public var params: [ParamRecord]
    public var steps: [StepRecord]
    public init(run: RunRecord, params: [ParamRecord], steps: [StepRecord]) {
        self.run = run
        self.params = params
        self.steps = steps
    }
}

public struct CommitRequest: Codable, Sendable {
    public var changes: [StateChange]
    public init(changes: [StateChange]) { self.changes = changes }
}

public struct CacheLookupRequest: Codable, Sendable {
    public var keys: [String]
    public init(keys: [String]) { self.keys = keys }
}

public struct DecisionRequest: Codable, Sendable {
    public var approve: Bool
    public var comment: String?
    public init(approve: Bool, comment: String?) {
        self.approve = approve
        self.comment = comment
    }
}

public struct AliasRequest: Codable, Sendable {
    public var version: Int
    public init(version: Int) { self.version = version }
}

public struct RollbackRequest: Codable, Sendable {
    public var reason: String?
    public init(reason: String?) { self.reason = reason }
}

public struct AutoRollbackRequest: Codable, Sendable {
    public var generation: Int64
    public var reason: String
    public init(generation: Int64, reason: String) {
        self.generation = generation
        self.reason = reason
    }
}

public struct RequestLogRequest: Codable, Sendable {
    public var log: RequestLogRecord
    public var artifact: ArtifactRecord
    public init(log: RequestLogRecord, artifact: ArtifactRecord) {
        self.log = log
        self.artifact = artifact
    }
}

public struct PruneRequest: Codable, Sendable {
    public var keepingBytes: Int64
    public init(keepingBytes: Int64) { self.keepingBytes = keepingBytes }
}

public struct CountResponse: Codable, Sendable {
    public var count: Int
    public init(count: Int) { self.count = count }
}
