import Foundation
import MLPStore
import Yams

/// Which shared server a command talks to: its URL, the bearer token, and the project (namespace).
public struct ServerSettings: Sendable, Equatable {
    /// The server's base URL, without a trailing slash (`http://127.0.0.1:8080`).
    public var url: String
    public var token: String?
    public var project: String

    public init(url: String, token: String?, project: String) {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        self.url = url
        self.token = token
        self.project = project
    }

    /// The environment variables that hand these settings to a child process (a background
    /// driver): the token travels here, never on a command line.
    public var environment: [String: String] {
        var values = ["MLP_SERVER": url, "MLP_SERVER_PROJECT": project]
        if let token { values["MLP_TOKEN"] = token }
        return values
    }
}

/// Why no server settings could be put together.
public struct ServerSettingsError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ServerSettings {
    /// The settings from, in order: the flags, `MLP_SERVER` (with `MLP_TOKEN`, `MLP_SERVER_PROJECT`),
    /// a profile of the config file (`--profile NAME`, else its `default:`). Nil when none names a
    /// server: the command works on the local project.
    ///
    /// - Parameters:
    ///   - pipelineName: the `name:` of ./mlp.yaml, the project when nothing else names one.
    ///   - configPath: the config file (default: `$MLP_CONFIG`, else `$XDG_CONFIG_HOME/mlp/config.yaml`, else `~/.config/mlp/config.yaml`).
    public static func resolve(server: String?, token: String?, project: String?, profile: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               configPath: String? = nil, pipelineName: () -> String? = { nil }) throws -> ServerSettings? {
        let path = configPath ?? defaultConfigPath(environment)
        var chosen: Profile?
        if let profile {
            let profiles = try loadProfiles(path)
            guard let found = profiles.profiles[profile] else {
                let known = profiles.profiles.keys.sorted()
                throw ServerSettingsError("--profile \(profile): \(path) has no such profile"
                    + (known.isEmpty ? "; add one under `profiles:` (server:, token:, project:)" : " (it has: \(known.joined(separator: ", ")))"))
            }
            chosen = found
        }
        let env = { (name: String) -> String? in environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        var url = server
        var source = "--server"
        if url == nil, chosen == nil, let fromEnvironment = env("MLP_SERVER") {
            url = fromEnvironment
            source = "MLP_SERVER"
        }
        if url == nil, chosen == nil, FileManager.default.fileExists(atPath: path) {
            let profiles = try loadProfiles(path)
            if let name = profiles.defaultName {
                guard let found = profiles.profiles[name] else {
                    throw ServerSettingsError("\(path): `default: \(name)` names no profile under `profiles:`")
                }
                chosen = found
            }
        }
        if url == nil, let chosen {
            url = chosen.server
            source = "profile '\(chosen.name)' of \(path)"
        }
        guard let url else { return nil }
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw ServerSettingsError("\(source): '\(url)' is not a server URL; expected http://HOST:PORT")
        }
        // A profile's server goes with its token; a URL from the flag or MLP_SERVER with MLP_TOKEN.
        let token = token ?? (source.hasPrefix("profile") ? chosen?.token ?? env("MLP_TOKEN") : env("MLP_TOKEN") ?? chosen?.token)
        guard let name = project ?? env("MLP_SERVER_PROJECT") ?? chosen?.project ?? pipelineName() else {
            throw ServerSettingsError("which project of \(url)? pass --server-project NAME, set MLP_SERVER_PROJECT, "
                + "put `project:` in the profile, or run this from a project folder (its mlp.yaml's `name:` is used)")
        }
        do { try StoreAPI.validateProject(name) } catch let error as StoreError { throw ServerSettingsError("project: \(error)") }
        return ServerSettings(url: url, token: token, project: name)
    }

    /// Where the config file is looked for.
    public static func defaultConfigPath(_ environment: [String: String]) -> String {
        if let path = environment["MLP_CONFIG"], !path.isEmpty { return path }
        if let base = environment["XDG_CONFIG_HOME"], !base.isEmpty { return "\(base)/mlp/config.yaml" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return "\(home)/.config/mlp/config.yaml"
    }

    struct Profile {
        var name: String
        var server: String
        var token: String?
        var project: String?
    }

    /// The profiles of a config file (`profiles: {NAME: {server:, token:, project:}}`, `default: NAME`).
    static func loadProfiles(_ path: String) throws -> (profiles: [String: Profile], defaultName: String?) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ServerSettingsError("\(path): cannot read the config file")
        }
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch {
            throw ServerSettingsError("\(path): not YAML: \(error)")
        }
        guard let root = node as? [String: Any] else {
            if node == nil { return ([:], nil) }
            throw ServerSettingsError("\(path): expected a mapping with `profiles:` and `default:`")
        }
        var profiles: [String: Profile] = [:]
        if let raw = root["profiles"] {
            guard let entries = raw as? [String: Any] else { throw ServerSettingsError("\(path): `profiles:` must map names to {server:, token:, project:}") }
            for (name, value) in entries {
                guard let fields = value as? [String: Any], let server = fields["server"] as? String else {
                    throw ServerSettingsError("\(path): profile '\(name)' needs `server: URL`")
                }
                profiles[name] = Profile(name: name, server: server, token: fields["token"].map { "\($0)" },
                                         project: fields["project"].map { "\($0)" })
            }
        }
        return (profiles, root["default"].map { "\($0)" })
    }
}
