import Foundation
import MLPCore

/// Where to connect, from `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, and the secrets to
/// keep out of every message.
public struct PostgresSource: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// Texts never to show: the password (as written and percent-decoded) and the whole URL.
    public var secrets: PostgresSecrets

    /// Parses a connection string; the error never repeats it (it may hold a password).
    public init(url: String) throws {
        let text = url.trimmingCharacters(in: .whitespacesAndNewlines)
        var secrets = PostgresSecrets([text])
        guard let components = URLComponents(string: text), components.scheme == "postgres" || components.scheme == "postgresql",
              let host = components.host, !host.isEmpty else {
            throw PostgresConnectorError.connectionString("the connection string is not a PostgreSQL URL; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        if let raw = components.percentEncodedPassword { secrets.add(raw) }
        password = components.password
        if let password { secrets.add(password) }
        self.secrets = secrets
        self.host = host
        port = components.port ?? 5432
        user = components.user ?? "postgres"
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
        for item in components.queryItems ?? [] where item.name == "sslmode" && item.value != "disable" {
            throw PostgresConnectorError.connectionString("sslmode=\(item.value ?? "") is not supported: connector/postgres connects without TLS (use sslmode=disable, or a loopback or tunnelled address)")
        }
    }

    /// Where the query runs, without user or password: `HOST:PORT/DATABASE` (it joins the cache key).
    public var location: String { "\(host):\(port)/\(database)" }

    /// The URL without its password, for messages.
    public var printable: String { "postgres://\(user)@\(host):\(port)/\(database)" }
}

/// Secret texts and their removal from messages.
public struct PostgresSecrets: Sendable, Equatable {
    var texts: [String]

    init(_ texts: [String]) {
        self.texts = []
        for text in texts { add(text) }
    }

    mutating func add(_ text: String) {
        if !text.isEmpty, !texts.contains(text) { texts.append(text) }
        texts.sort { $0.count > $1.count }
    }

    /// `message` with every secret replaced by `***` (the longest first, so the URL goes whole).
    public func scrub(_ message: String) -> String {
        var result = message
        for text in texts { result = result.replacingOccurrences(of: text, with: "***") }
        return result
    }
}

/// The validated `with:` block of a `connector/postgres` step.
public struct PostgresConnectorConfig: Sendable, Equatable {
    /// Where the connection string is read from.
    public enum URLSource: Sendable, Equatable {
        /// An environment variable of mlp's process.
        case environment(String)
        /// A file inside the project (the path as given).
        case file(String)
    }

    public var urlSource: URLSource
    public var query: String
    public var params: [JSONValue]
    /// The user's `version:` or `snapshot:` value; nil makes the step uncacheable.
    public var version: String?

    /// Reads and checks `config`.
    public init(_ config: [String: PortValue]) throws {
        if config["url"] != nil {
            throw PostgresConnectorError.input(name: "url", message: "is refused: a connection string holds a password and mlp.yaml is committed and recorded; "
                                               + "give url_env: NAME (an environment variable holding it) or url_file: PATH (a file in the project, kept out of git)")
        }
        switch (config["url_env"], config["url_file"]) {
        case (.string(let name)?, nil):
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                throw PostgresConnectorError.input(name: "url_env", message: "must name an environment variable (letters, digits, _), e.g. PG_URL")
            }
            urlSource = .environment(name)
        case (nil, .string(let path)?):
            guard !path.isEmpty else { throw PostgresConnectorError.input(name: "url_file", message: "must be a file path relative to the project") }
            urlSource = .file(path)
        case (nil, nil):
            throw PostgresConnectorError.input(name: "url_env", message: "or url_file is required: where the connection string postgres://USER:PASSWORD@HOST:PORT/DATABASE is read from")
        case (.some, .some):
            throw PostgresConnectorError.input(name: "url_env", message: "and url_file are both given; give one")
        default:
            throw PostgresConnectorError.input(name: config["url_env"] != nil ? "url_env" : "url_file", message: "must be a string")
        }
        guard case .string(let query)? = config["query"], !query.allSatisfy(\.isWhitespace) else {
            throw PostgresConnectorError.input(name: "query", message: "is required: one SQL statement returning rows, e.g. SELECT * FROM customers WHERE region = $1")
        }
        self.query = query
        switch config["params"] {
        case nil: params = []
        case .json(.array(let items))?:
            for (index, item) in items.enumerated() {
                switch item {
                case .null, .bool, .number, .string: continue
                default: throw PostgresConnectorError.input(name: "params", message: "item \(index + 1) is \(item.canonicalText.prefix(40)); each parameter must be a number, a string, a bool or null")
                }
            }
            params = items
        default:
            throw PostgresConnectorError.input(name: "params", message: "must be a list of values bound to $1, $2, … in the query, e.g. params: [42, \"north\"]")
        }
        let versions = ["version", "snapshot"].compactMap { name in config[name].map { (name, $0) } }
        guard versions.count <= 1 else {
            throw PostgresConnectorError.input(name: "snapshot", message: "and version are both given; give one")
        }
        if let (name, value) = versions.first {
            switch value {
            case .string(let text) where !text.isEmpty: version = text
            case .int(let number): version = String(number)
            case .float(let number): version = String(number)
            default: throw PostgresConnectorError.input(name: name, message: "must be a non-empty string or a number naming the data's version")
            }
        } else {
            version = nil
        }
    }

    /// Reads the connection string; errors name where it was looked for, never its value.
    public func connectionString(projectDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        switch urlSource {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw PostgresConnectorError.connectionString("the environment variable \(name) (url_env) is not set or empty; export it with the connection string postgres://USER:PASSWORD@HOST:PORT/DATABASE")
            }
            return value
        case .file(let path):
            let root = URL(fileURLWithPath: projectDirectory).standardizedFileURL.resolvingSymlinksInPath().path
            let full = URL(fileURLWithPath: path.hasPrefix("/") ? path : root + "/" + path).standardizedFileURL.resolvingSymlinksInPath().path
            guard full.hasPrefix(root + "/") else {
                throw PostgresConnectorError.input(name: "url_file", message: "'\(path)' is outside the project folder; keep the connection string in a file inside it (and out of git)")
            }
            guard let data = FileManager.default.contents(atPath: full), let text = String(data: data, encoding: .utf8) else {
                throw PostgresConnectorError.connectionString("cannot read the connection string file \(path) (url_file, relative to the project)")
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw PostgresConnectorError.connectionString("the connection string file \(path) (url_file) is empty") }
            return value
        }
    }
}
