import Foundation
import MLPCore
import MLPStore

/// Artifact bytes on a shared server, by digest: `HEAD|GET|PUT /api/v1/blobs/sha256/{digest}`.
/// Uploads send only what the server lacks; downloads resume with `Range` and are checked
/// against their digest before they are kept.
public final class BlobClient: Sendable {
    public let settings: ServerSettings
    let transport: any HTTPTransport
    let policy: RetryPolicy

    public init(settings: ServerSettings, transport: any HTTPTransport = CurlTransport(), policy: RetryPolicy = RetryPolicy()) {
        self.settings = settings
        self.transport = transport
        self.policy = policy
    }

    func url(_ digest: String) -> String { "\(settings.url)\(StoreAPI.prefix)/blobs/sha256/\(digest)" }

    var authorization: [(String, String)] { settings.token.map { [("Authorization", "Bearer \($0)")] } ?? [] }

    /// Sends a blob request, retrying (blob requests are all safe to repeat) on failures without
    /// an answer and on 503, for up to the write budget.
    func exchange(_ request: HTTPRequest) throws -> HTTPResponse {
        var delay = policy.firstDelay
        var waited = 0.0
        while true {
            do {
                let response = try transport.perform(request)
                if response.status != 503 || waited + delay > policy.writeBudget { return response }
            } catch let error as TransportError {
                if error.kind == .other || waited + delay > policy.writeBudget {
                    throw RemoteStoreError(status: nil, message: "blob transfer with \(settings.url) failed: \(error.message)")
                }
            }
            policy.sleep(delay)
            waited += delay
            delay = min(policy.maxDelay, delay * 2)
        }
    }

    func refused(_ response: HTTPResponse, _ doing: String) -> RemoteStoreError {
        let envelope = try? StoreAPI.decoder.decode(ErrorEnvelope.self, from: response.body)
        let said = envelope.map { ": \($0.error.message)" } ?? ""
        switch response.status {
        case 401: return RemoteStoreError(status: 401, message: "the server at \(settings.url) refused the token\(said); check --token / MLP_TOKEN")
        case 403: return RemoteStoreError(status: 403, message: "the token for \(settings.url) may not do this: \(doing) needs a runner's token\(said)")
        default: return RemoteStoreError(status: response.status, message: "the server at \(settings.url) answered \(response.status) to \(doing)\(said)")
        }
    }

    /// Whether the server holds the blob.
    public func exists(_ digest: String) throws -> Bool {
        let response = try exchange(HTTPRequest(method: "HEAD", url: url(digest), headers: authorization))
        switch response.status {
        case 200..<300: return true
        case 404: return false
        default: throw refused(response, "checking blob \(digest.prefix(12))")
        }
    }

    /// Streams a file to the server as the blob `digest` (the server checks the digest).
    public func upload(file path: String, digest: String) throws {
        let request = HTTPRequest(method: "PUT", url: url(digest), headers: authorization + [("Content-Type", "application/octet-stream")],
                                  uploadFile: path, timeout: nil)
        let response = try exchange(request)
        guard (200..<300).contains(response.status) else { throw refused(response, "uploading blob \(digest.prefix(12)) from \(path)") }
    }

    /// Makes sure the server has an artifact's bytes: a file's blob, or a folder's member blobs
    /// and then its manifest. Only missing blobs are sent.
    public func ensureUploaded(_ ref: ArtifactRef, from store: ArtifactStore) throws {
        if store.isFolder(ref) {
            for entry in try Self.manifestEntries(store.blobPath(ref.digest)) where try !exists(entry) {
                try upload(file: store.blobPath(entry), digest: entry)
            }
        }
        if try !exists(ref.digest) {
            let path = store.blobPath(ref.digest)
            guard FileManager.default.fileExists(atPath: path) else {
                throw RemoteStoreError(status: nil, message: "artifact \(ref.digest.prefix(12)) is not in the local artifact store (\(store.root)); cannot upload it to \(settings.url)")
            }
            try upload(file: path, digest: ref.digest)
        }
    }

    /// The member digests of a directory manifest blob.
    static func manifestEntries(_ path: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let manifest = try? JSONDecoder().decode(JSONValue.self, from: data), let entries = manifest["entries"]?.arrayValue else {
            throw RemoteStoreError(status: nil, message: "\(path): not a directory manifest")
        }
        return try entries.map { entry in
            guard let digest = entry["digest"]?.stringValue, digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
                throw RemoteStoreError(status: nil, message: "\(path): a manifest entry has no digest")
            }
            return digest
        }
    }

    /// Downloads the blob `digest` to `path`, resuming a partial download left at `path.partial`
    /// with a `Range` request, and keeps it only when its SHA-256 is `digest`.
    public func download(_ digest: String, to path: String) throws {
        let partial = path + ".partial"
        for _ in 0..<10 {
            let have = ((try? FileManager.default.attributesOfItem(atPath: partial))?[.size] as? NSNumber)?.int64Value ?? 0
            var headers = authorization
            if have > 0 { headers.append(("Range", "bytes=\(have)-")) }
            let request = HTTPRequest(method: "GET", url: url(digest), headers: headers, downloadFile: partial, timeout: nil)
            let response: HTTPResponse
            do { response = try transport.perform(request) } catch let error as TransportError {
                // A cut transfer: resume from what arrived.
                if error.kind == .other { throw RemoteStoreError(status: nil, message: "downloading blob \(digest.prefix(12)): \(error.message)") }
                policy.sleep(policy.maxDelay)
                continue
            }
            switch response.status {
            case 503:
                truncate(partial, off_t(have))  // drop the error body written after what had arrived
                policy.sleep(policy.maxDelay)
                continue
            case 206: break
            case 200 where have == 0: break
            case 200, 416:
                // The server sent the whole blob (or the range is past its end): start over.
                try? FileManager.default.removeItem(atPath: partial)
                continue
            case 404:
                try? FileManager.default.removeItem(atPath: partial)
                throw RemoteStoreError(status: 404, message: "the server at \(settings.url) has no blob \(digest)")
            default:
                try? FileManager.default.removeItem(atPath: partial)
                throw refused(response, "downloading blob \(digest.prefix(12))")
            }
            let (actual, _) = try ArtifactStore.digest(ofFile: partial)
            guard actual == digest else {
                try? FileManager.default.removeItem(atPath: partial)
                throw RemoteStoreError(status: nil, message: "blob \(digest.prefix(12)) from \(settings.url) arrived as sha256:\(actual.prefix(12)); nothing was kept")
            }
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: partial, toPath: path)
            return
        }
        throw RemoteStoreError(status: nil, message: "downloading blob \(digest.prefix(12)) from \(settings.url) kept failing")
    }

    /// Brings an artifact's bytes (a folder's manifest and members too) into a local artifact
    /// store, each checked against its digest. Blobs already there are not fetched.
    public func fetch(_ ref: ArtifactRef, into store: ArtifactStore) throws {
        try fetchBlob(ref.digest, into: store)
        if store.isFolder(ref) {
            for entry in try Self.manifestEntries(store.blobPath(ref.digest)) { try fetchBlob(entry, into: store) }
        }
    }

    func fetchBlob(_ digest: String, into store: ArtifactStore) throws {
        if FileManager.default.fileExists(atPath: store.blobPath(digest)) { return }
        let temporary = "\(store.root)/tmp/download-\(digest)"
        try download(digest, to: temporary)
        let ref = try store.ingest(file: temporary, as: .file)
        guard ref.digest == digest else {
            throw RemoteStoreError(status: nil, message: "blob \(digest.prefix(12)) was stored as \(ref.digest.prefix(12))")
        }
    }
}
