import CCurl
import Foundation

/// One HTTP request as the client sends it.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    /// A body held in memory (JSON, a log chunk).
    public var body: Data?
    /// A file streamed as the body (a blob upload); wins over `body`.
    public var uploadFile: String?
    /// Where the answer's body goes instead of memory (a blob download), appended to.
    public var downloadFile: String?
    /// The whole request's time limit, seconds; nil: none (large transfers), stalls still end it.
    public var timeout: Double?

    public init(method: String, url: String, headers: [(String, String)] = [], body: Data? = nil, uploadFile: String? = nil,
                downloadFile: String? = nil, timeout: Double? = 30) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.uploadFile = uploadFile
        self.downloadFile = downloadFile
        self.timeout = timeout
    }
}

/// What the server answered.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: Data
    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A request that got no HTTP answer: the connection failed, was cut, or timed out.
public struct TransportError: Error, CustomStringConvertible, Sendable {
    /// How the request failed.
    public enum Kind: Sendable {
        /// No connection was made: the request was never sent (safe to retry any request).
        case connect
        /// The connection broke or timed out after the request may have been sent.
        case broken
        /// Anything else (a bad URL, a local file that cannot be read): retrying does not help.
        case other
    }
    public var kind: Kind
    public var message: String
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
}

/// Sends requests; ``CurlTransport`` over the network, a fake one in tests.
public protocol HTTPTransport: Sendable {
    func perform(_ request: HTTPRequest) throws -> HTTPResponse
}

/// HTTP through libcurl: one easy handle per thread, reused between requests, so its connection
/// to the server stays open (keep-alive) and a run's many small commits pay no connection set-up.
public final class CurlTransport: HTTPTransport {
    public init() {}

    static let globalSetup: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    static let key = "mlp.client.curl"

    /// The calling thread's handle (made on first use; cleaned up with the thread).
    func handle() throws -> CurlHandle {
        if let existing = Thread.current.threadDictionary[Self.key] as? CurlHandle { return existing }
        guard Self.globalSetup == CURLE_OK, let raw = curl_easy_init() else {
            throw TransportError(kind: .other, message: "libcurl could not start")
        }
        let handle = CurlHandle(raw)
        Thread.current.threadDictionary[Self.key] = handle
        return handle
    }

    public func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        try handle().perform(request)
    }
}

/// A libcurl easy handle and what one transfer collects.
final class CurlHandle {
    let raw: UnsafeMutableRawPointer
    var body = Data()
    var headers: [String: String] = [:]
    var download: FileHandle?
    var upload: FileHandle?
    var downloadFailed = false

    init(_ raw: UnsafeMutableRawPointer) { self.raw = raw }
    deinit { curl_easy_cleanup(raw) }

    typealias DataCallback = @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int

    static let onWrite: DataCallback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let handle = Unmanaged<CurlHandle>.fromOpaque(context).takeUnretainedValue()
        let bytes = Data(bytes: data, count: size * count)
        if let file = handle.download {
            do { try file.write(contentsOf: bytes) } catch {
                handle.downloadFailed = true
                return 0
            }
        } else {
            handle.body.append(bytes)
        }
        return size * count
    }

    static let onHeader: DataCallback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let handle = Unmanaged<CurlHandle>.fromOpaque(context).takeUnretainedValue()
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
        if line.hasPrefix("HTTP/") { handle.headers = [:] }  // a new response (after 100 Continue or a redirect)
        if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            handle.headers[name] = value
        }
        return size * count
    }

    /// Lets libcurl rewind an upload, to send it again on a fresh connection when a kept-alive one had closed.
    static let onSeek: @convention(c) (UnsafeMutableRawPointer?, Int64, Int32) -> Int32 = { context, offset, origin in
        guard let context else { return 2 }
        let handle = Unmanaged<CurlHandle>.fromOpaque(context).takeUnretainedValue()
        guard let file = handle.upload else { return 2 }  // CURL_SEEKFUNC_CANTSEEK
        return lseek(file.fileDescriptor, off_t(offset), origin) < 0 ? 1 : 0  // CURL_SEEKFUNC_FAIL / OK
    }

    static let onRead: DataCallback = { buffer, size, count, context in
        guard let buffer, let context else { return 0 }
        let handle = Unmanaged<CurlHandle>.fromOpaque(context).takeUnretainedValue()
        guard let file = handle.upload else { return 0 }
        let read = Foundation.read(file.fileDescriptor, buffer, size * count)
        return read < 0 ? Int(CURL_READFUNC_ABORT) : read
    }

    func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        curl_easy_reset(raw)
        body = Data()
        headers = [:]
        download = nil
        upload = nil
        downloadFailed = false
        defer {
            try? download?.close()
            try? upload?.close()
            download = nil
            upload = nil
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(list) }
        // No `Expect: 100-continue` round trip before uploads.
        for (name, value) in request.headers + [("Expect", "")] {
            list = curl_slist_append(list, value.isEmpty ? "\(name):" : "\(name): \(value)")
        }
        var setup = [
            mlp_curl_set_string(raw, CURLOPT_URL, request.url),
            mlp_curl_set_string(raw, CURLOPT_PROTOCOLS_STR, "http,https"),
            mlp_curl_set_long(raw, CURLOPT_NOSIGNAL, 1),
            mlp_curl_set_long(raw, CURLOPT_CONNECTTIMEOUT_MS, 5000),
            mlp_curl_set_long(raw, CURLOPT_TCP_NODELAY, 1),
            mlp_curl_set_string(raw, CURLOPT_USERAGENT, "mlp client"),
            mlp_curl_set_pointer(raw, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list)),
            mlp_curl_set_pointer(raw, CURLOPT_WRITEFUNCTION, unsafeBitCast(Self.onWrite, to: UnsafeMutableRawPointer.self)),
            mlp_curl_set_pointer(raw, CURLOPT_WRITEDATA, context),
            mlp_curl_set_pointer(raw, CURLOPT_HEADERFUNCTION, unsafeBitCast(Self.onHeader, to: UnsafeMutableRawPointer.self)),
            mlp_curl_set_pointer(raw, CURLOPT_HEADERDATA, context),
        ]
        if let timeout = request.timeout {
            setup.append(mlp_curl_set_long(raw, CURLOPT_TIMEOUT_MS, Int(max(1, timeout * 1000))))
        } else {
            // Large transfers: no overall limit, but a stall of 30 s ends them.
            setup.append(mlp_curl_set_long(raw, CURLOPT_LOW_SPEED_LIMIT, 1))
            setup.append(mlp_curl_set_long(raw, CURLOPT_LOW_SPEED_TIME, 30))
        }
        if let path = request.uploadFile {
            guard let file = FileHandle(forReadingAtPath: path) else {
                throw TransportError(kind: .other, message: "cannot read \(path) to upload it")
            }
            upload = file
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.intValue ?? 0
            setup += [
                mlp_curl_set_long(raw, CURLOPT_UPLOAD, 1),
                mlp_curl_set_long(raw, CURLOPT_INFILESIZE_LARGE, size),
                mlp_curl_set_pointer(raw, CURLOPT_READFUNCTION, unsafeBitCast(Self.onRead, to: UnsafeMutableRawPointer.self)),
                mlp_curl_set_pointer(raw, CURLOPT_READDATA, context),
                mlp_curl_set_pointer(raw, CURLOPT_SEEKFUNCTION, unsafeBitCast(Self.onSeek, to: UnsafeMutableRawPointer.self)),
                mlp_curl_set_pointer(raw, CURLOPT_SEEKDATA, context),
            ]
            if request.method != "PUT" { setup.append(mlp_curl_set_string(raw, CURLOPT_CUSTOMREQUEST, request.method)) }
        } else if let data = request.body {
            setup.append(mlp_curl_set_long(raw, CURLOPT_POSTFIELDSIZE_LARGE, data.count))
            if data.isEmpty {
                setup.append(mlp_curl_set_string(raw, CURLOPT_COPYPOSTFIELDS, ""))
            } else {
                setup.append(data.withUnsafeBytes { mlp_curl_set_string(raw, CURLOPT_COPYPOSTFIELDS, $0.baseAddress!.assumingMemoryBound(to: CChar.self)) })
            }
            if request.method != "POST" { setup.append(mlp_curl_set_string(raw, CURLOPT_CUSTOMREQUEST, request.method)) }
        } else if request.method == "HEAD" {
            setup.append(mlp_curl_set_long(raw, CURLOPT_NOBODY, 1))
        } else if request.method != "GET" {
            setup.append(mlp_curl_set_string(raw, CURLOPT_CUSTOMREQUEST, request.method))
        }
        if let path = request.downloadFile {
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            guard let file = FileHandle(forWritingAtPath: path) else {
                throw TransportError(kind: .other, message: "cannot write \(path)")
            }
            _ = try? file.seekToEnd()
            download = file
        }
        if let failed = setup.first(where: { $0 != CURLE_OK }) {
            throw TransportError(kind: .other, message: "libcurl refused an option: \(String(cString: curl_easy_strerror(failed)))")
        }
        let code = curl_easy_perform(raw)
        if code != CURLE_OK {
            let message = String(cString: curl_easy_strerror(code))
            if downloadFailed { throw TransportError(kind: .other, message: "cannot write \(request.downloadFile ?? "the download"): \(message)") }
            switch code {
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST:
                throw TransportError(kind: .connect, message: message)
            // A kept-alive connection the server closed (a restart) shows as one of these; so does a cut transfer.
            case CURLE_OPERATION_TIMEDOUT, CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_SEND_FAIL_REWIND:
                throw TransportError(kind: .broken, message: message)
            default:
                throw TransportError(kind: .other, message: message)
            }
        }
        var status = 0
        _ = mlp_curl_get_long(raw, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}
