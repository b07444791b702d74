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
                handing the request over would. SIGTERM or SIGINT stops the server gracefully.

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
                                         maxBodyBytes: maxBody, serverVersion: MLPCommandLine.configuration.version)
            let requestLogs = try requestLog.make(models: repository, metrics: metrics, project: project)
            let json = self.json, host = self.host, announced = served
            try await InferenceServer.run(settings, models: repository, metrics: metrics, requestLogs: requestLogs, services: services) { port in
                Self.announce(host: host, port: port, models: announced, json: json)
            }
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
