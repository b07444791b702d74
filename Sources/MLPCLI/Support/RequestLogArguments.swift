import ArgumentParser
import Foundation
import MLPCore
import MLPEngine
import MLPServe
import MLPStore

/// `mlp serve`'s request-log options, and the wiring that turns each sealed segment into a dataset
/// artifact recorded for its deployment.
struct RequestLogArguments: ParsableArguments {
    @Flag(name: .customLong("log-requests"), help: ArgumentHelp(
        "Log answered infer requests (inputs and answers, as CSV) as dataset artifacts of the project, for `mlp drift`.",
        discussion: "Off by default: the log keeps what callers send, which may be personal data. Segments are spooled under .mlp/request-log-spool/NAME, sealed at --log-segment-rows rows, 8 MiB or 5 minutes, and on shutdown."))
    var enabled = false

    @Option(name: .customLong("log-sample"), help: ArgumentHelp("The share of requests logged, 0...1; a logged request logs all its rows (default: 1).", valueName: "rate"))
    var sampleRateOption: Double?

    @Option(name: .customLong("log-segment-rows"), help: ArgumentHelp("Rows per logged segment (default: 10000).", valueName: "n"))
    var segmentRowsOption: Int?

    @Option(name: .customLong("log-max-mb"), help: ArgumentHelp("The most MiB of logged segments kept per model, in the spool and in the project each: the oldest segments are pruned, and rows past it in the spool are dropped (default: 256).", valueName: "n"))
    var maxMegabytesOption: Int?

    var sampleRate: Double { sampleRateOption ?? 1 }
    var segmentRows: Int { segmentRowsOption ?? 10_000 }
    var maxMegabytes: Int { maxMegabytesOption ?? 256 }

    func validate() throws {
        if !enabled, sampleRateOption != nil || segmentRowsOption != nil || maxMegabytesOption != nil {
            throw ValidationError("--log-sample, --log-segment-rows and --log-max-mb take effect only with --log-requests; add it")
        }
        guard (0...1).contains(sampleRate) else { throw ValidationError("--log-sample must be in 0...1, not \(sampleRate)") }
        guard segmentRows >= 1 else { throw ValidationError("--log-segment-rows must be at least 1, not \(segmentRows)") }
        guard maxMegabytes >= 1, maxMegabytes <= 1 << 20 else { throw ValidationError("--log-max-mb must be in 1...\(1 << 20), not \(maxMegabytes)") }
    }

    /// The request logs of `models` (nil without `--log-requests`): each sealed segment is moved
    /// into the project's artifact store as a dataset, recorded as a request log of the deployment
    /// named like the model, and the deployment's oldest segments past the budget are pruned.
    func make(models: ModelRepository, metrics: ServeMetrics, project: ProjectOptions) throws -> RequestLogs? {
        guard enabled else { return nil }
        let located = try project.locate()
        let store = try located.openStore()
        let artifacts = try located.openArtifacts()
        let maxBytes = Int64(maxMegabytes) << 20
        let options = RequestLogOptions(sampleRate: sampleRate, segmentRows: segmentRows, maxBytes: maxBytes)
        return try RequestLogs(models: models, folder: "\(located.stateDirectory)/request-log-spool", options: options, metrics: metrics) { segment in
            let ref = try artifacts.ingest(file: segment.path, as: .dataset)
            let now = Date().timeIntervalSince1970
            _ = try store.recordRequestLog(RequestLogRecord(deployment: segment.model, digest: ref.digest, rows: segment.rows,
                                                        firstAt: segment.firstAt, lastAt: segment.lastAt, createdAt: now),
                                       artifact: ArtifactRecord(digest: ref.digest, type: .dataset, size: ref.size, createdAt: now))
            for digest in try store.pruneRequestLogs(deployment: segment.model, keepingBytes: maxBytes) {
                try artifacts.remove(digest: digest)
            }
        }
    }
}
