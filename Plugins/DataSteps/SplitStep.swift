import Foundation
import MLPCore
import MLPData

/// `uses: split`: a seeded, optionally stratified split of a dataset into `train` and `holdout`.
///
/// Runs inside mlp. With `target:`, each class is shuffled and split on its own, so both parts
/// keep the class balance. The same data, fraction and seed always give the same split.
public struct SplitStep: TaskExecutor {
    let tasks = InProcessTaskTable(executorKey: "executor/split")

    public init() {}

    public var descriptor: StepKindDescriptor {
        StepKindDescriptor(
            uses: "split", version: "1", summary: "a seeded (and stratified, with target:) train / holdout split",
            inputs: [
                .init("data", [.dataset], required: true),
                .init("holdout_fraction", [.float], summary: "the share held out (default 0.2)"),
                .init("target", [.string], summary: "stratify on this column"),
                .init("seed", [.int], summary: "the shuffle's seed (default 0)"),
            ],
            outputs: ["train": .dataset, "holdout": .dataset, "train_rows": .int, "holdout_rows": .int])
    }

    public func submit(_ request: TaskRequest) async throws -> TaskHandle {
        tasks.start { try Self.split(request) }
    }

    public func status(of handle: TaskHandle) async throws -> TaskStatus { tasks.status(of: handle) }
    public func wait(for handle: TaskHandle) async throws -> TaskStatus { await tasks.wait(for: handle) }
    public func cancel(_ handle: TaskHandle) async throws { tasks.cancel(handle) }

    static func split(_ request: TaskRequest) throws {
        guard case .artifact = request.config["data"], let path = request.environment["MLP_INPUT_DATA"] else {
            throw DataStepError.plain("split needs a dataset input 'data'")
        }
        let data = try DataSteps.load(path)
        var fraction = 0.2
        if case .float(let given) = request.config["holdout_fraction"] { fraction = given }
        guard fraction > 0, fraction < 1 else { throw DataStepError.plain("holdout_fraction must be between 0 and 1, not \(fraction)") }
        var seed: UInt64 = 0
        if case .int(let given) = request.config["seed"] { seed = UInt64(truncatingIfNeeded: given) }

        var groups: [[Int]] = [Array(0..<data.rowCount)]
        if case .string(let target) = request.config["target"] {
            guard let column = data[target] else { throw DataStepError.plain("no column '\(target)' to stratify on") }
            var byClass: [String: [Int]] = [:]
            for row in 0..<data.rowCount { byClass[column[row]?.description ?? "", default: []].append(row) }
            groups = byClass.keys.sorted().map { byClass[$0]! }
        }
        var generator = SplitMix64(seed: seed)
        var train: [Int] = [], holdout: [Int] = []
        for var rows in groups {
            // A fixed generator: the same seed, the same split.
            generator.shuffle(&rows)
            let held = Int((Double(rows.count) * fraction).rounded())
            holdout += rows.prefix(held)
            train += rows.dropFirst(held)
        }
        train.sort()
        holdout.sort()
        try Task.checkCancellation()
        try DatasetFile.write(data.rows(train), to: "\(request.outputsDirectory)/train")
        try DatasetFile.write(data.rows(holdout), to: "\(request.outputsDirectory)/holdout")
        try "\(train.count)".write(toFile: "\(request.outputsDirectory)/train_rows", atomically: true, encoding: .utf8)
        try "\(holdout.count)".write(toFile: "\(request.outputsDirectory)/holdout_rows", atomically: true, encoding: .utf8)
    }
}

/// The data preparation steps this plugin provides.
public enum DataSteps {
    /// Adds `split` to a registry.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(executor: SplitStep())
    }

    /// Reads a dataset artifact: mlpds, or CSV with a header row (what script steps write).
    static func load(_ path: String) throws -> Dataset {
        let head = FileHandle(forReadingAtPath: path).map { handle -> Data in
            defer { try? handle.close() }
            return handle.readData(ofLength: DatasetFile.magic.count)
        } ?? Data()
        if [UInt8](head) == DatasetFile.magic { return try DatasetFile.read(path) }
        return try CSVReader.read(path: path)
    }
}

/// A data step that cannot run with what it was given.
public struct DataStepError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
    static func plain(_ message: String) -> DataStepError { DataStepError(message: message) }
}

extension Dataset {
    /// The rows at `indices`, in that order.
    func rows(_ indices: [Int]) throws -> Dataset {
        let columns = columns.map { column -> Column in
            let validity = column.validity.map { flags in indices.map { flags[$0] } }
            let storage: ColumnStorage
            switch column.storage {
            case .float(let values): storage = .float(indices.map { values[$0] })
            case .int(let values): storage = .int(indices.map { values[$0] })
            case .bool(let values): storage = .bool(indices.map { values[$0] })
            case .string(let buffer): storage = .string(StringBuffer(indices.map { buffer[$0] }))
            case .categorical(let codes, let dictionary): storage = .categorical(codes: indices.map { codes[$0] }, dictionary: dictionary)
            }
            return Column(name: column.name, storage: storage, validity: validity)
        }
        return try Dataset(columns: columns, rowCount: indices.count)
    }
}
