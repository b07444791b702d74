import ArgumentParser
import Foundation
import MLPCore
import MLPEngine
import MLPServe
import MLPStore

extension MLPCommandLine {
    /// `mlp serve`: hosts models over the Open Inference Protocol (KServe V2 REST).
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve models over HTTP with the Open Inference Protocol (KServe V2 REST).",
            discussion: """
                Each --model NAME=REF serves one model version as NAME. REF is a registered model (NAME, NAME:VERSION or \
                NAME@ALIAS, looked up in the project's registry; the version served is the registry's) or a path: a tabular \
                model file written by a trainer, or a sentence-embedding model (a folder with config.json, model.safetensors \
                and vocab.txt, or a .gguf file). Give NAME:VERSION=PATH to set the version of a path (default 1). The first \
                version given for a name answers requests that name no version.

                Endpoints: GET /v2/health/live, /v2/health/ready, /v2, /v2/models/NAME[/versions/V][/ready], \
                POST /v2/models/NAME[/versions/V]/infer, GET /metrics (Prometheus). Tabular models take "features" \
                (FP32/FP64, [batch, features], one-hot columns expanded) or one input per source column named as the \
                column ([batch]; numbers, or BYTES for a categorical column, which the server one-hot encodes with the \
                model card's categories), and return "label" and "probabilities" (or "prediction"); embedding models \
                take "text" (BYTES, [batch]) and return "embedding" (FP32, [batch, dimension]).

                Concurrent requests to one model are merged into one forward pass of at most --max-batch rows: those that \
                arrive while a pass runs share the next one, and with --batch-delay-ms above 0 a request also waits up to \
                that long for company (worth it for a large model under heavy load; it adds that much latency to a lone \
                request). A tabular model served with no batching delay (the default) answers its infer requests on \
                the connection's own thread as soon as the body is read: its forward pass takes microseconds, less than \
                handing the request over would. SIGTERM or SIGINT stops the server gracefully: requests already read are \
                answered, a body still arriving gets 5 more seconds.

                Connections: at most --max-connections are open at once (further clients wait in the listen backlog until \
                one closes); one waiting for a request's head longer than --idle-timeout seconds is closed (a head sent a \
                byte at a time counts as waiting), and a body that takes longer than --read-timeout seconds from its head \
                is answered 408. A request sent with 'Expect: 100-continue' is answered '100 Continue' at once. The \
                server raises its open-file limit to fit --max-connections when the hard limit allows.

                With --log-requests, answered requests are logged as dataset artifacts of the project (one row per \
                input row: time, version, the model's input columns, its answer), which `mlp drift NAME --reference DATA` \
                compares with the training data.
                """)

        @OptionGroup var project: ProjectOptions
        @OptionGroup var requestLog: RequestLogArguments

        @Option(help: "The address to listen on.")
        var host = "127.0.0.1"

        @Option(help: "The port to listen on (0: any free port, printed when listening).")
        var port = 8080

        @Option(name: .customLong("model"), help: ArgumentHelp("A model to serve, NAME=REF (repeatable).", valueName: "name=ref"))
        var models: [String] = []

        @Option(name: .customLong("deployment"), help: ArgumentHelp("A deployment to serve and follow (repeatable; see mlp deploy).", valueName: "name"))
        var deployments: [String] = []

        @Option(name: .customLong("watch-ms"), help: "How often the server looks for deployment changes in the store, in milliseconds.")
        var watchMs = 500

        @Option(help: "Require 'Authorization: Bearer TOKEN' on every endpoint but /v2/health/* (default: $MLP_SERVE_TOKEN, else none).")
        var token: String?

        @Option(name: .customLong("max-batch"), help: "The most rows one forward pass runs.")
        var maxBatch = 32

        @Option(name: .customLong("batch-delay-ms"), help: "The longest a request waits for others to share its forward pass, in milliseconds (0: no waiting; requests that arrive while a pass runs still share the next one).")
        var batchDelayMs = 0.0

        @Option(name: .customLong("max-body"), help: "The largest request body accepted, in bytes.")
        var maxBody = 16 << 20

        @Option(name: .customLong("max-connections"), help: "The most connections open at once; more wait in the listen backlog (each takes a file descriptor; default: 512, fewer if the open-file limit allows fewer).")
        var maxConnections: Int?

        @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may wait for a request's head (keep-alive between requests included) before it is closed.")
        var idleTimeout = 60.0

        @Option(name: .customLong("read-timeout"), help: "Seconds a request's body may take to arrive after its head before it is answered 408.")
        var readTimeout = 30.0

        @Option(help: "Threads for an embedding model's kernels (default: the machine's cores).")
        var threads: Int?

        @Flag(help: "When listening, print one JSON line (url, port, models) instead of text.")
        var json = false

        func validate() throws {
            guard !models.isEmpty || !deployments.isEmpty else { throw ValidationError("give at least one --model NAME=REF or --deployment NAME") }
            guard watchMs >= 10, watchMs <= 600_000 else { throw ValidationError("--watch-ms must be in 10...600000, not \(watchMs)") }
            guard (0...65535).contains(port) else { throw ValidationError("--port \(port): use 0...65535") }
            guard maxBatch >= 1 else { throw ValidationError("--max-batch must be at least 1, not \(maxBatch)") }
            guard batchDelayMs >= 0, batchDelayMs <= 10_000 else { throw ValidationError("--batch-delay-ms must be in 0...10000, not \(batchDelayMs)") }
            guard maxBody >= 1024 else { throw ValidationError("--max-body must be at least 1024 bytes, not \(maxBody)") }
            if let maxConnections, !(1...1_000_000).contains(maxConnections) { throw ValidationError("--max-connections must be in 1...1000000, not \(maxConnections)") }
            guard idleTimeout > 0, idleTimeout <= 86_400 else { throw ValidationError("--idle-timeout must be in (0, 86400] seconds, not \(idleTimeout)") }
            guard readTimeout > 0, readTimeout <= 86_400 else { throw ValidationError("--read-timeout must be in (0, 86400] seconds, not \(readTimeout)") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads)") }
            if let token, token.isEmpty { throw ValidationError("--token is empty; leave it out to serve without one") }
            for entry in models { _ = try ModelArgument(entry) }
        }

        func run() async throws {
            let batching = BatchingOptions(maxBatchSize: maxBatch, maxDelay: .microseconds(Int64((batchDelayMs * 1000).rounded())))
            let metrics = ServeMetrics()
            var repository = ModelRepository()
            var served: [ServedModel] = []
            var registry: (store: SQLiteStore, artifacts: ArtifactStore)?
            for entry in models {
                let argument = try ModelArgument(entry)
                let source: (version: String, path: String)
                if argument.isPath {
                    source = (argument.version ?? "1", argument.reference)
                } else {
                    if registry == nil {
                        let project = try self.project.locate()
                        registry = (try project.openStore(), try project.openArtifacts())
                    }
                    let record = try registry!.store.resolveModel(argument.reference)
                    if let version = argument.version, version != String(record.version) {
                        throw ValidationError("--model \(entry): \(argument.reference) is version \(record.version), not \(version)")
                    }
                    let path = try registry!.artifacts.path(for: ArtifactRef(digest: record.digest, type: record.type, size: 0))
                    source = (String(record.version), path)
                }
                let endpoint = try ModelEndpointLoader.load(name: argument.name, version: source.version, path: source.path, batching: batching,
                                                            metrics: metrics, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
                try repository.add(endpoint)
                served.append(ServedModel(name: argument.name, version: source.version, platform: endpoint.metadata.platform, path: source.path))
            }
            var services: [any ServerService] = []
            if !deployments.isEmpty {
                if registry == nil {
                    let project = try self.project.locate()
                    registry = (try project.openStore(), try project.openArtifacts())
                }
                let threads = self.threads ?? ProcessInfo.processInfo.activeProcessorCount
                let follower = DeploymentFollower(store: registry!.store, artifacts: registry!.artifacts, metrics: metrics,
                                                  interval: .milliseconds(watchMs)) { name, version, path in
                    try ModelEndpointLoader.load(name: name, version: version, path: path, batching: batching, metrics: metrics, threads: threads)
                }
                for endpoint in try follower.start(deployments) {
                    try repository.addDeployment(endpoint)
                    for version in endpoint.versions {
                        served.append(ServedModel(name: endpoint.name, version: version, platform: endpoint.metadata.platform, path: "deployment"))
                    }
                }
                services.append(follower)
            }
            let settings = ServeSettings(host: host, port: port, token: token ?? ProcessInfo.processInfo.environment["MLP_SERVE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 },
                                         maxBodyBytes: maxBody, serverVersion: MLPCommandLine.configuration.version,
                                         connectionLimits: ConnectionLimits(maxConnections: try Self.fileDescriptorsReserved(for: maxConnections),
                                                                            idleTimeout: .milliseconds(Int64((idleTimeout * 1000).rounded())),
                                                                            requestReadTimeout: .milliseconds(Int64((readTimeout * 1000).rounded()))))
            let requestLogs = try requestLog.make(models: repository, metrics: metrics, project: project)
            let json = self.json, host = self.host, announced = served
            try await InferenceServer.run(settings, models: repository, metrics: metrics, requestLogs: requestLogs, services: services) { port in
                Self.announce(host: host, port: port, models: announced, json: json)
            }
        }

        /// File descriptors the server needs besides its connections (the listener, the store,
        /// model files, request logs, the runtime's own).
        static let descriptorsBesideConnections = 64

        /// Raises the soft open-file limit so `connections` connections fit beside the server's
        /// other descriptors (a connection past the limit failed to be accepted, and under a
        /// low limit crashed the runtime); returns the cap: `asked`, or without one the default
        /// (lowered, with a note on stderr, to what the hard limit fits).
        ///
        /// - Throws: ``ValidationError`` when the hard limit is too low, saying what to do.
        static func fileDescriptorsReserved(for asked: Int?) throws -> Int {
            let connections = asked ?? ConnectionLimits().maxConnections
            var limit = rlimit()
            guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return connections }
            let needed = rlim_t(connections + descriptorsBesideConnections)
            guard limit.rlim_cur != rlim_t.max, limit.rlim_cur < needed else { return connections }
            if limit.rlim_max == rlim_t.max || limit.rlim_max >= needed {
                var raised = limit
                raised.rlim_cur = needed
                if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return connections }
            }
            let fits = Int(limit.rlim_max == rlim_t.max ? limit.rlim_cur : limit.rlim_max) - descriptorsBesideConnections
            if asked == nil, fits >= 1 {
                var raised = limit
                raised.rlim_cur = raised.rlim_max
                _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised)
                FileHandle.standardError.write(Data("mlp serve: the open-file limit (ulimit -n) fits \(fits) connections, not \(connections): serving at most \(fits) at once\n".utf8))
                return fits
            }
            throw ValidationError("--max-connections \(connections) needs \(needed) open files, but this process may open at most \(limit.rlim_max == rlim_t.max ? limit.rlim_cur : limit.rlim_max) (ulimit -n); give --max-connections \(max(1, fits)) or raise the limit")
        }

        struct ServedModel: Encodable {
            let name: String
            let version: String
            let platform: String
            let path: String
        }

        static func announce(host: String, port: Int, models: [ServedModel], json: Bool) {
            let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
            if json {
                struct Listening: Encodable { let url: String; let port: Int; let models: [ServedModel] }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                if let data = try? encoder.encode(Listening(url: url, port: port, models: models)) {
                    print(String(decoding: data, as: UTF8.self))
                }
            } else {
                print("serving on \(url)")
                for model in models { print("  \(model.name) version \(model.version) (\(model.platform)) from \(model.path)") }
            }
            fflush(stdout)
        }
    }
}

/// One `--model NAME[:VERSION]=REF`.
struct ModelArgument {
    let name: String
    let version: String?
    let reference: String
    /// Whether REF names a file or folder rather than a registered model.
    let isPath: Bool

    init(_ entry: String) throws {
        guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex, entry.index(after: equals) != entry.endIndex else {
            throw ValidationError("--model \(entry): expected NAME=REF (a registered model such as churn@champion, or a path)")
        }
        var name = String(entry[..<equals])
        reference = String(entry[entry.index(after: equals)...])
        if let colon = name.firstIndex(of: ":") {
            let version = String(name[name.index(after: colon)...])
            guard !version.isEmpty, version.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
                throw ValidationError("--model \(entry): the version after ':' must be letters, digits, '.', '_' or '-'")
            }
            self.version = version
            name = String(name[..<colon])
        } else {
            version = nil
        }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
            throw ValidationError("--model \(entry): the name '\(name)' must be letters, digits, '.', '_' or '-' (it is part of the URL)")
        }
        self.name = name
        isPath = reference.contains("/") || FileManager.default.fileExists(atPath: reference)
    }
}
