import Foundation
import MLPCore
import MLPServe
import MLPStore

/// An artifact that `mlp serve` could not serve, found before it was registered or deployed.
struct NotServableModel: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Whether a stored artifact is a model `mlp serve` can load, decided by loading it with the
/// loader the server uses (``ModelEndpointLoader``), so the registry and deployments only ever
/// hold versions a server will start with.
enum ServableModelCheck {
    /// Loads the artifact as `mlp serve` would, after verifying its bytes against its digest.
    /// - Parameter subject: what the message calls it (`artifact 1a2b…`, `churn:3`).
    /// - Parameter action: what is refused (`registered`, `deployed`).
    /// - Throws: ``NotServableModel`` saying what it is and what to do instead.
    static func check(_ ref: ArtifactRef, subject: String, action: String, artifacts: ArtifactStore) throws {
        guard ref.type == .model || ref.type == .file || ref.type == .directory else {
            throw NotServableModel(message: "\(subject) is a \(ref.type.rawValue), not a model, so it cannot be \(action); "
                                   + "give the digest of a model artifact (a trainer's `model` output: `mlp artifacts` lists their types)")
        }
        let path = try artifacts.path(for: ref)
        do {
            _ = try ModelEndpointLoader.load(name: "check", version: "0", path: path, batching: .unbatched, metrics: ServeMetrics(), threads: 1)
        } catch {
            throw NotServableModel(message: "\(subject) cannot be \(action): `mlp serve` could not load it (\(error)); "
                                   + "only a model mlp can serve is \(action): an mlp model artifact folder (model.json + model.safetensors), "
                                   + "a legacy JSON model, a GGUF file or a BERT folder (config.json + vocab.txt)")
        }
    }
}
