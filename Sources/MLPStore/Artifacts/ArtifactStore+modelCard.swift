import Foundation
import MLPCore

extension ArtifactStore {
    /// The largest `model.json` read into the registry.
    static let modelCardSizeLimit = 64 << 20

    /// The model card (`model.json`) of a model artifact stored as a folder, as JSON; nil for a
    /// model stored as a single file (a script's model, or one from an earlier mlp), which has none.
    ///
    /// The registry keeps it with each version, so `mlp models show` can say what the model
    /// reads and how well it did without loading it.
    /// - Throws: ``ArtifactStoreError`` when the folder's `model.json` is too large or not JSON.
    public func modelCard(of ref: ArtifactRef) throws -> JSONValue? {
        guard isFolder(ref) else { return nil }
        let path = "\(try materialize(ref))/model.json"
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let size = attributes[.size] as? NSNumber else { return nil }
        guard size.intValue <= Self.modelCardSizeLimit else {
            throw ArtifactStoreError(path: path, reason: "the model card is \(size.intValue) bytes, over the \(Self.modelCardSizeLimit)-byte limit")
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        do { return try JSONValue(parsing: text) } catch {
            throw ArtifactStoreError(path: path, reason: "the model card is not JSON (\(error)); the artifact is damaged, retrain the model")
        }
    }
}
