import Crypto
import Foundation
import Hummingbird
import MLPStore
#if canImport(Glibc)
import Glibc
#endif

/// Content-addressed blobs over HTTP, kept in an ``ArtifactStore`` (`sha256/<2 hex>/<64 hex>`):
///
/// - `HEAD /api/v1/blobs/sha256/{digest}`: 200 with `Content-Length`, or 404 (viewer)
/// - `GET …`: the bytes; `Range: bytes=a-b` (also `a-` and `-n`) answers 206 with
///   `Content-Range`, 416 when the range starts past the end (viewer)
/// - `PUT …`: the body streams to a file in the store's `tmp/` while it is hashed; only when the
///   bytes hash to the digest is the file fsynced and renamed into place (201, or 200 when it was
///   there already). A wrong digest is a 400 and a cut connection leaves nothing behind (runner).
struct BlobController {
    let stores: ServerStores
    let artifacts: ArtifactStore

    /// The `{digest}` of the path: 64 lower-case hex characters, nothing that could make a path.
    static func digest(_ context: ServerContext) throws -> String {
        let digest = try context.path("digest")
        guard digest.utf8.count == 64, digest.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw APIError.badRequest("'\(digest.prefix(80))' is not a SHA-256 digest: 64 lower-case hex characters")
        }
        return digest
    }

    /// Size of a stored blob, or nil.
    static func size(of path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    func addRoutes(to group: RouterGroup<ServerContext>) {
        group.head("blobs/sha256/{digest}") { _, context in
            _ = try context.require(.read)
            let digest = try Self.digest(context)
            let path = artifacts.blobPath(digest)
            guard let size = try await stores.call({ Self.size(of: path) }) else { return Response(status: .notFound) }
            return Response(status: .ok, headers: [.contentLength: String(size), .acceptRanges: "bytes", .contentType: "application/octet-stream"])
        }
        group.get("blobs/sha256/{digest}") { request, context in
            _ = try context.require(.read)
            let digest = try Self.digest(context)
            return try await download(digest, range: request.headers[.range])
        }
        group.put("blobs/sha256/{digest}") { request, context in
            _ = try context.require(.write)
            let digest = try Self.digest(context)
            return try await upload(request, digest: digest)
        }
    }

    /// A byte range `first...last` of a blob of `size` bytes; nil to answer the whole blob (no
    /// Range header, or one this server does not read, such as several ranges).
    ///
    /// - Throws: 416 when the range is satisfiable by no byte.
    static func range(_ header: String?, size: Int64) throws -> ClosedRange<Int64>? {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard let dash = spec.firstIndex(of: "-") else { return nil }
        let first = String(spec[..<dash]), last = String(spec[spec.index(after: dash)...])
        let unsatisfiable = APIError(.rangeNotSatisfiable, code: "range_not_satisfiable",
                                     "the range '\(header)' holds no byte of the \(size)-byte blob", headers: [.contentRange: "bytes */\(size)"])
        if first.isEmpty {
            guard let count = Int64(last), count >= 0 else { return nil }
            guard count > 0, size > 0 else { throw unsatisfiable }
            return max(0, size - count)...(size - 1)
        }
        guard let start = Int64(first), start >= 0 else { return nil }
        var end = size - 1
        if !last.isEmpty {
            guard let stop = Int64(last), stop >= start else { return nil }
            end = min(stop, size - 1)
        }
        guard start < size else { throw unsatisfiable }
        return start...end
    }

    func download(_ digest: String, range header: String?) async throws -> Response {
        let artifacts = self.artifacts
        let path = artifacts.blobPath(digest)
        guard let size = try await stores.call({ Self.size(of: path) }) else {
            throw APIError.notFound("no blob \(digest) on this server (PUT it first)")
        }
        // The blob is checked against its digest (cheaply, by its stamp) before a byte leaves.
        try await stores.call { try artifacts.verify(digest: digest) }
        let range = try Self.range(header, size: size)
        let start = range?.lowerBound ?? 0
        let length = range.map { $0.upperBound - $0.lowerBound + 1 } ?? size
        var headers: HTTPFields = [.contentType: "application/octet-stream", .acceptRanges: "bytes", .contentLength: String(length)]
        if let range { headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)" }
        let stores = self.stores
        let body = ResponseBody(contentLength: Int(length)) { writer in
            let fd = try await stores.call { () -> Int32 in
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw APIError(.internalServerError, code: "internal", "cannot open \(path): \(String(cString: strerror(errno)))") }
                return fd
            }
            defer { close(fd) }
            var offset = start
            let end = start + length
            while offset < end {
                let want = Int(min(Int64(1 << 20), end - offset))
                let at = offset
                let chunk = try await stores.call { () -> [UInt8] in
                    var bytes = [UInt8](repeating: 0, count: want)
                    let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(at)) }
                    guard count > 0 else { throw APIError(.internalServerError, code: "internal", "reading \(path) failed at \(at)") }
                    return Array(bytes[0..<count])
                }
                try await writer.write(ByteBuffer(bytes: chunk))
                offset += Int64(chunk.count)
            }
            try await writer.finish(nil)
        }
        return Response(status: range == nil ? .ok : .partialContent, headers: headers, body: body)
    }

    func upload(_ request: Request, digest: String) async throws -> Response {
        let artifacts = self.artifacts
        let existed = try await stores.call { Self.size(of: artifacts.blobPath(digest)) != nil }
        let temporary = "\(artifacts.root)/tmp/upload-\(UUID().uuidString)"
        let fd = try await stores.call { () -> Int32 in
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw APIError(.internalServerError, code: "internal", "cannot create \(temporary): \(String(cString: strerror(errno)))") }
            return fd
        }
        var closed = false
        var placed = false
        defer {
            if !closed { close(fd) }
            if !placed { unlink(temporary) }
        }
        var hasher = SHA256()
        var size: Int64 = 0
        var pending: [UInt8] = []
        func flush() async throws {
            guard !pending.isEmpty else { return }
            let bytes = pending
            pending.removeAll(keepingCapacity: true)
            try await stores.call {
                try bytes.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                        if written < 0, errno == EINTR { continue }
                        guard written > 0 else { throw APIError(.internalServerError, code: "internal", "writing \(temporary) failed: \(String(cString: strerror(errno)))") }
                        offset += written
                    }
                }
            }
        }
        do {
            for try await buffer in request.body {
                buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                size += Int64(buffer.readableBytes)
                pending.append(contentsOf: buffer.readableBytesView)
                if pending.count >= 1 << 20 { try await flush() }
            }
            try await flush()
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("the upload of \(digest) was cut after \(size) bytes (\(error)); nothing was stored, send it again")
        }
        let actual = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        guard actual == digest else {
            throw APIError(.badRequest, code: "digest_mismatch",
                           "the \(size) bytes sent hash to \(actual), not to \(digest): nothing was stored; send the blob's own bytes under its own digest")
        }
        closed = true
        try await stores.call {
            let synced = fsync(fd) == 0
            close(fd)
            guard synced else { throw APIError(.internalServerError, code: "internal", "fsync of \(temporary) failed: \(String(cString: strerror(errno)))") }
            // ingest hashes the file again as it places it: what lands under the digest is what was checked.
            let ref = try artifacts.ingest(file: temporary, as: .file)
            guard ref.digest == digest else { throw APIError(.internalServerError, code: "internal", "the upload of \(digest) changed on disk before it was stored") }
        }
        placed = true
        struct Stored: Encodable { let digest: String; let size: Int64 }
        return try JSONBody.answer(Stored(digest: digest, size: size), status: existed ? .ok : .created)
    }
}
