import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine.Models {
    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a stored artifact as a new version of a model.",
            discussion: """
                Pipelines usually register with a `uses: register` step, which also records the run, the data and the metrics.

                The artifact must be a model `mlp serve` can load: it is loaded before it is registered, and refused \
                otherwise (a dataset, a damaged or unknown model). \(ModelName.rule)
                """)

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The model's name (letters, digits, '.', '_', '-'; at most \(ModelName.maximumLength) characters).")
        var name: String

        @Option(help: "The artifact: a digest or a unique prefix (see `mlp artifacts`).")
        var artifact: String

        @Option(help: "An alias to point at the new version (repeatable).")
        var alias: [String] = []

        @Option(help: "Who registers (default: $MLP_USER, else $USER).")
        var by: String?

        func validate() throws {
            do {
                try ModelName.validate(name)
                for alias in alias { try ModelName.validate(alias, what: "alias") }
            } catch {
                throw ValidationError("\(error)")
            }
        }

        func run() async throws {
            let location = try server.open(project)
            let store = location.store
            let record = try store.findArtifact(artifact)
            let artifacts = try location.artifacts(project)
            // A server's artifact: its bytes come here first, to be checked as a local one is.
            _ = try location.path(of: ArtifactRef(digest: record.digest, type: record.type, size: record.size), in: artifacts)
            try ServableModelCheck.check(ArtifactRef(digest: record.digest, type: record.type, size: record.size),
                                         subject: "artifact \(record.digest.prefix(16)) (\(record.type.rawValue))", action: "registered", artifacts: artifacts)
            let producer = try store.lineage(digest: record.digest).first { $0.direction == .produced }
            var fields: [String: JSONValue] = ["model": .object(["digest": .string(record.digest), "type": .string(record.type.rawValue), "size": .number(Double(record.size))])]
            // A model artifact folder carries its own card: keep it, and its metrics, with the version.
            if let modelCard = try artifacts.modelCard(of: ArtifactRef(digest: record.digest, type: record.type, size: record.size)) {
                fields["model_card"] = modelCard
                if case .object(let metrics)? = modelCard["metrics"], !metrics.isEmpty { fields["metrics"] = .object(metrics) }
            }
            let card = JSONValue.object(fields)
            let version = ModelVersionRecord(name: name, digest: record.digest, type: record.type, runID: producer?.runID, stepID: nil,
                                             createdAt: Date().timeIntervalSince1970, createdBy: by ?? currentUser(), card: card.canonicalText)
            guard let registered = try store.commit(StateChange(registration: ModelRegistration(version: version, aliases: alias))).registered else { return }
            if output.json {
                try Format.printJSON(ModelViews.version(registered, aliases: Dictionary(uniqueKeysWithValues: alias.map { ($0, registered.version) })))
                return
            }
            print("registered \(registered.reference)" + alias.map { " @\($0)" }.joined())
        }
    }
}
