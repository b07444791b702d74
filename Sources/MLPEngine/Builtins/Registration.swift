import Foundation
import MLPCore
import MLPStore

extension StepRunner {
    /// Registers the step's model as a new version (or, on a resumed run, finds the version this
    /// step already registered) with a model card: the run and step, the model artifact, the
    /// metrics given (else those the model's own card records), the datasets upstream of the
    /// model, the model's own card (`model_card`: its `model.json`), and any `card:` fields.
    func register(_ job: UnitJob) throws -> ModelVersionRecord {
        guard case .artifact(let model) = job.config["model"] else { throw ResolutionError(message: "register: 'model' must be an artifact") }
        guard case .string(let name) = job.config["name"] else { throw ResolutionError(message: "register: 'name' must be a string") }
        do { try ModelName.validate(name) } catch { throw ResolutionError(message: "register: 'name': \(error)") }
        // The registry records only bytes that are what the model's digest names.
        try artifacts.verify(digest: model.digest)
        var aliases: [String] = []
        switch job.config["alias"] {
        case .string(let alias)?: aliases = [alias]
        case .json(.array(let items))?: aliases = items.compactMap(\.stringValue)
        default: break
        }
        var card: [String: JSONValue] = [
            "run": .string(job.record.runID),
            "step": .string(job.record.displayName),
            "model": .object(["digest": .string(model.digest), "type": .string(model.type.rawValue), "size": .number(Double(model.size))]),
            "data": .array(try upstreamDatasets(of: model.digest).map { .string($0) }),
        ]
        // The model's own card (feature schema, preprocessing, trainer, metrics), when it has one.
        let modelCard = try artifacts.modelCard(of: model)
        if let modelCard { card["model_card"] = modelCard }
        if let metrics = job.config["metrics"] {
            card["metrics"] = metrics.json
        } else if case .object(let measured)? = modelCard?["metrics"], !measured.isEmpty {
            card["metrics"] = .object(measured)
        }
        if case .json(.object(let extra))? = job.config["card"] { for (key, value) in extra where card[key] == nil { card[key] = value } }
        let user = Self.currentUser()
        let version = ModelVersionRecord(name: name, digest: model.digest, type: model.type, runID: job.record.runID, stepID: job.record.id,
                                         createdAt: now(), createdBy: user, card: JSONValue.object(card).canonicalText)
        guard let registered = try store.commit(StateChange(registration: ModelRegistration(version: version, aliases: aliases))).registered else {
            throw ResolutionError(message: "register: the store did not record the version")
        }
        return registered
    }

    /// The user to record: $MLP_USER, else $USER, else the account name.
    static func currentUser() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let user = environment["MLP_USER"] ?? environment["USER"], !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }

    /// Digests of the datasets the model was made from, following lineage upstream.
    func upstreamDatasets(of digest: String) throws -> [String] {
        var seen: Set<String> = [digest]
        var frontier = [digest]
        var datasets: [String] = []
        while let current = frontier.popLast(), seen.count < 10_000 {
            guard let producer = try store.lineage(digest: current).first(where: { $0.direction == .produced }) else { continue }
            for input in try store.lineage(stepID: producer.stepID) where input.direction == .consumed && seen.insert(input.digest).inserted {
                if (try? store.findArtifact(input.digest))?.type == .dataset { datasets.append(input.digest) }
                frontier.append(input.digest)
            }
        }
        return datasets.sorted()
    }
}
