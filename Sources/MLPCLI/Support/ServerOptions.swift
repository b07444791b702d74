import ArgumentParser
import Foundation
import MLPClient
import MLPCore
import MLPEngine
import MLPStore

/// `--server URL` (else `MLP_SERVER` with `MLP_TOKEN`, else a profile of ~/.config/mlp/config.yaml):
/// the shared server whose store a command reads and writes instead of the local project's.
struct ServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A shared server (`mlp server`) to use instead of the local project (default: $MLP_SERVER, else a profile of ~/.config/mlp/config.yaml).", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("The server's bearer token (default: $MLP_TOKEN, else the profile's). Prefer the variable: a flag shows in `ps`.", valueName: "token"))
    var token: String?

    @Option(name: .customLong("server-project"), help: ArgumentHelp("The project on the server (default: $MLP_SERVER_PROJECT, the profile's, else mlp.yaml's `name:`).", valueName: "name"))
    var serverProject: String?

    @Option(help: ArgumentHelp("A profile of ~/.config/mlp/config.yaml (`profiles: {NAME: {server:, token:, project:}}`).", valueName: "name"))
    var profile: String?

    /// The server settings, or nil for the local project.
    func settings(_ project: ProjectOptions) throws -> ServerSettings? {
        do {
            return try ServerSettings.resolve(server: server, token: token, project: serverProject, profile: profile,
                                              pipelineName: { Self.pipelineName(project) })
        } catch let error as ServerSettingsError {
            throw ValidationError(error.message)
        }
    }

    /// The `name:` of the project's mlp.yaml, when there is one.
    static func pipelineName(_ project: ProjectOptions) -> String? {
        guard let located = try? project.locate(), let text = try? Project.readPipeline(at: located.pipelineFile),
              let spec = try? PipelineParser.parse(text, file: located.pipelineFile) else { return nil }
        return spec.name
    }

    /// The store to read: the server's (when one is named) or the local project's.
    func open(_ project: ProjectOptions) throws -> StoreLocation {
        if let settings = try settings(project) {
            return StoreLocation(store: RemoteStore(settings: settings), project: nil, settings: settings)
        }
        let located = try project.locate()
        return StoreLocation(store: try located.openStore(), project: located, settings: nil)
    }

    /// The engine: over the server's store when one is named (steps still run here, on the
    /// project's artifact store, whose blobs go to the server with each commit), else local.
    func engine(_ project: ProjectOptions) throws -> Engine {
        try project.engine(server: try settings(project))
    }
}

/// Where a command's store is: a server's, or a local project's.
struct StoreLocation {
    let store: any MetadataStore
    /// The local project (nil when reading a server's store).
    let project: Project?
    let settings: ServerSettings?

    var remote: RemoteStore? { store as? RemoteStore }

    /// Where artifact bytes are read: the project's artifact store; for a server's store, the
    /// project's when this folder is one, else a cache (`$XDG_CACHE_HOME/mlp/artifacts`, else ~/.cache/mlp/artifacts).
    func artifacts(_ options: ProjectOptions) throws -> ArtifactStore {
        if let project { return try project.openArtifacts() }
        if let located = try? options.locate() { return try located.openArtifacts() }
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "\(NSHomeDirectory())/.cache"
        return try ArtifactStore(root: "\(base)/mlp/artifacts")
    }

    /// The local path of an artifact's bytes, fetching them from the server first when the store is a server's.
    func path(of ref: ArtifactRef, in artifacts: ArtifactStore) throws -> String {
        if let remote { try remote.blobs.fetch(ref, into: artifacts) }
        return try artifacts.path(for: ref)
    }

    /// A run's state as `mlp runs` and `mlp show` say it. Whether a running run lost its driver
    /// is known only on the machine that drives it: for a server's run, when it was started here
    /// (same host, its project folder present), its lock is checked as for a local run.
    func state(_ run: RunRecord) -> RunState {
        guard remote != nil else { return RunState(run, project: project, store: store) }
        let here = run.host == ProcessInfo.processInfo.hostName
            && FileManager.default.fileExists(atPath: "\(run.projectDirectory)/.mlp/locks")
        return RunState(run, project: here ? Project(root: run.projectDirectory) : nil, store: store)
    }
}

extension ProjectOptions {
    /// The engine over this project, its store the server's when `server` is given.
    func engine(server: ServerSettings?) throws -> Engine {
        let located = try locate()
        guard let server else { return try Engine(project: located, registry: try makeRegistry()) }
        let store = RemoteStore(settings: server, artifactSource: try located.openArtifacts())
        return try Engine(project: located, registry: try makeRegistry(), store: store)
    }
}
