import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MLPCore
import MLPData
import MLPStore

extension StepRunner {
    /// The formats a unit's dataset inputs are handed over in, by input name, for a script step
    /// (shell, python) that has dataset inputs; nil for other kinds of step, which read `mlpds`.
    static func datasetFormats(_ spec: StepSpec, config: [String: PortValue]) -> [String: DatasetExchangeFormat]? {
        guard DatasetExchange.isScriptStep(spec.uses) else { return nil }
        var formats: [String: DatasetExchangeFormat] = [:]
        for (name, value) in config where artifactRefs(in: value).contains(where: { $0.type == .dataset }) {
            formats[name] = spec.formats.format(of: name)
        }
        return formats.isEmpty ? nil : formats
    }

    /// For a script step, the file each dataset input is handed over as (input name → digest →
    /// path): converted from the verified `mlpds` blob into the project's exchange cache, once per
    /// dataset and format.
    func exchangePaths(_ job: UnitJob, verified: [String: String]) throws -> [String: [String: String]] {
        guard let formats = Self.datasetFormats(job.spec, config: job.config) else { return [:] }
        let cache = DatasetExchange.cacheDirectory(stateDirectory: project.stateDirectory)
        var paths: [String: [String: String]] = [:]
        for (name, format) in formats.sorted(by: { $0.key < $1.key }) {
            for ref in Self.artifactRefs(in: job.config[name]!) where ref.type == .dataset {
                let blob = verified[ref.digest] ?? artifacts.blobPath(ref.digest)
                paths[name, default: [:]][ref.digest] = try DatasetExchange.materialize(blobPath: blob, digest: ref.digest, format: format,
                                                                                         cacheDirectory: cache, input: name)
            }
        }
        return paths
    }
}

/// Why a dataset output could not be imported, said for the step's error.
struct DatasetImportError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension StepRunner {
    /// Stores the dataset a step wrote for output `name` at `path` as a dataset artifact: an
    /// `mlpds` file as it is; Parquet, CSV or JSON lines (``DatasetExchange/outputFormat(of:)``)
    /// read and written as `mlpds` (with its profile) first.
    func importDataset(output name: String, path: String, in directory: String) -> Result<ArtifactRef, DatasetImportError> {
        let format = DatasetExchange.outputFormat(of: path)
        do {
            if format == .mlpds { return .success(try artifacts.ingest(file: path, as: .dataset)) }
            let dataset: MLPData.Dataset
            do {
                dataset = try DatasetExchange.readOutput(path, as: format)
            } catch {
                let file = (path as NSString).lastPathComponent
                return .failure(DatasetImportError(message: "output '\(name)' (dataset): $MLP_OUTPUTS/\(file) is not a readable \(format.rawValue) file: \(error); "
                    + "write the dataset as Parquet, CSV (with a header row) or JSON lines (name it \(name).parquet, \(name).csv or \(name).jsonl to choose)"))
            }
            let converted = "\(directory)/.\(name).\(UUID().uuidString).mlpds"
            defer { unlink(converted) }
            try DatasetExchange.writeArtifact(dataset, to: converted)
            return .success(try artifacts.ingest(file: converted, as: .dataset))
        } catch {
            return .failure(DatasetImportError(message: "output '\(name)' (dataset): \(error)"))
        }
    }
}
