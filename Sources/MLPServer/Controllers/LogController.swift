import Foundation
import Hummingbird
import MLPStore
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// A step attempt's stdout and stderr, kept under `--artifacts`/logs/PROJECT/ATTEMPT/STREAM.log
/// (every part of that path checked: a project name, a positive integer, `stdout` or `stderr`):
///
/// - `PUT /api/v1/projects/{project}/attempts/{attemptID}/logs/{stream}?offset=N` appends the
///   body at byte N. Safe to retry: bytes the log already has are not written again, so the same
///   chunk sent twice changes nothing; an offset past the end (a gap) is a 409 that says where the
///   log ends. Answers `{"size": TOTAL}` (runner).
/// - `GET …?offset=N` answers the bytes from N (at most ``ServerLimits/logRead``), with the log's
///   total size in `X-Log-Size`: a follower asks again from N + what it got (viewer).
struct LogController {
    let stores: ServerStores
    let root: String
    static let sizeHeader = HTTPFields.Element.Name("X-Log-Size")!
    /// Appends are serialised, so two retries of one chunk cannot interleave.
    private let appending = NIOLock()

    init(stores: ServerStores, artifactsRoot: String) {
        self.stores = stores
        self.root = "\(artifactsRoot)/logs"
    }

    struct LogSize: Codable { let size: Int64 }

    /// The folder and file of a request's log, after the token's access to the project is checked.
    func location(_ context: ServerContext, _ permission: Role.Permission) async throws -> (folder: String, file: String) {
        let token = try context.require(permission)
        let project = try context.path("project")
        _ = try await stores.project(project, for: token)
        let attempt = try context.pathID("attemptID")
        let stream = try context.path("stream")
        guard stream == "stdout" || stream == "stderr" else { throw APIError.badRequest("the log stream must be stdout or stderr, not '\(stream.prefix(40))'") }
        let folder = "\(root)/\(project)/\(attempt)"
        return (folder, "\(folder)/\(stream).log")
    }

    func addRoutes(to group: RouterGroup<ServerContext>) {
        group.put("attempts/{attemptID}/logs/{stream}") { request, context in
            let (folder, file) = try await location(context, .write)
            guard let offset = try Query(request).int64("offset", in: 0...Int64.max) else {
                throw APIError.badRequest("the query parameter 'offset' is required: the byte of the log this chunk starts at")
            }
            let chunk: ByteBuffer
            do { chunk = try await request.body.collect(upTo: ServerLimits.logChunk) } catch let error as HTTPError where error.status == .contentTooLarge {
                throw APIError(.contentTooLarge, code: "too_large", "a log chunk is at most \(ServerLimits.logChunk >> 20) MiB; send it in parts")
            }
            let bytes = Array(chunk.readableBytesView)
            let size = try await stores.call { try append(bytes, at: offset, to: file, folder: folder) }
            return try JSONBody.answer(LogSize(size: size), headers: [Self.sizeHeader: String(size)])
        }
        group.get("attempts/{attemptID}/logs/{stream}") { request, context in
            let (_, file) = try await location(context, .read)
            let offset = try Query(request).int64("offset", in: 0...Int64.max) ?? 0
            let (bytes, size) = try await stores.call { try Self.read(file, from: offset) }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream", Self.sizeHeader: String(size), .contentLength: String(bytes.count)],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    /// Writes the part of `bytes` (which start at `offset`) that the log does not have yet; returns its size.
    func append(_ bytes: [UInt8], at offset: Int64, to file: String, folder: String) throws -> Int64 {
        try appending.withLock {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw APIError(.internalServerError, code: "internal", "cannot open the log \(file): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw APIError(.internalServerError, code: "internal", "cannot stat the log \(file)") }
            let size = Int64(info.st_size)
            guard offset <= size else {
                throw APIError(.conflict, code: "log_gap", "the log has \(size) bytes; a chunk at offset \(offset) would leave a gap: send the bytes from \(size)",
                               headers: [Self.sizeHeader: String(size)])
            }
            let known = Int(min(Int64(bytes.count), size - offset))
            guard known < bytes.count else { return size }
            try bytes[known...].withUnsafeBytes { raw in
                var written = 0
                while written < raw.count {
                    let count = pwrite(fd, raw.baseAddress! + written, raw.count - written, off_t(size + Int64(written)))
                    if count < 0, errno == EINTR { continue }
                    guard count > 0 else { throw APIError(.internalServerError, code: "internal", "writing the log \(file) failed: \(String(cString: strerror(errno)))") }
                    written += count
                }
            }
            fsync(fd)
            return size + Int64(bytes.count - known)
        }
    }

    /// The log's bytes from `offset` (at most ``ServerLimits/logRead``) and its size; a log not
    /// written yet is empty.
    static func read(_ file: String, from offset: Int64) throws -> ([UInt8], Int64) {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            guard errno == ENOENT else { throw APIError(.internalServerError, code: "internal", "cannot open the log \(file): \(String(cString: strerror(errno)))") }
            guard offset == 0 else { throw Self.pastEnd(offset, size: 0) }
            return ([], 0)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw APIError(.internalServerError, code: "internal", "cannot stat the log \(file)") }
        let size = Int64(info.st_size)
        guard offset <= size else { throw Self.pastEnd(offset, size: size) }
        let want = Int(min(Int64(ServerLimits.logRead), size - offset))
        var bytes = [UInt8](repeating: 0, count: want)
        var got = 0
        while got < want {
            let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, want - got, off_t(offset + Int64(got))) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            got += count
        }
        return (Array(bytes[0..<got]), size)
    }

    static func pastEnd(_ offset: Int64, size: Int64) -> APIError {
        APIError(.rangeNotSatisfiable, code: "range_not_satisfiable", "the log has \(size) bytes; offset \(offset) is past its end",
                 headers: [sizeHeader: String(size)])
    }
}
