import ArgumentParser
import Foundation
import MLPData
import MLPStore
import MLPTUI

extension MLPCommandLine {
    /// `mlp drift`: compares a deployment's logged requests with the training data.
    struct Drift: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say whether a deployment's live inputs have drifted from its training data (exit 1 when they have).",
            discussion: """
                Reads the requests `mlp serve --log-requests` logged for DEPLOYMENT (the served model name) and compares \
                every input column they share with the reference dataset (--reference: the training data as a CSV or \
                dataset file, or its artifact digest). Numeric columns get the population stability index (PSI) over \
                the reference's quantile bins and a two-sample Kolmogorov-Smirnov test; text columns get the PSI over \
                their categories. A column has drifted when its PSI reaches --psi-threshold, or when its KS p-value is \
                under --alpha divided by the number of numeric columns (a Bonferroni correction, so a fresh sample of the \
                training distribution is flagged by KS with probability at most --alpha).

                Exit status: 0 when no column drifted, 1 when one did (so a schedule or CI job can start retraining), \
                2 when no verdict is possible (no logged requests for DEPLOYMENT, fewer than --min-rows rows on either \
                side, no column in common, or an unreadable reference), with a message on stderr.

                Examples:
                  mlp drift churn --reference data/churn.csv
                  mlp drift churn --reference 3fa2c1 --since 24h --json
                """)

        @OptionGroup var project: ProjectOptions

        @Argument(help: "The deployment (the model name it is served as).")
        var deployment: String

        @Option(help: ArgumentHelp("The training data: a CSV or dataset file, or an artifact digest (or unique prefix).", valueName: "dataset"))
        var reference: String

        @Option(help: ArgumentHelp("Only segments logged within this long before now (30m, 24h, 7d).", valueName: "duration"))
        var since: String?

        @Option(help: ArgumentHelp("Only the newest N logged segments.", valueName: "n"))
        var last: Int?

        @Option(name: .customLong("psi-threshold"), help: "A column whose PSI reaches this has drifted (0.1: moderate, 0.2: significant).")
        var psiThreshold = 0.2

        @Option(help: "The KS test's family-wise false-alarm rate, split over the numeric columns.")
        var alpha = 0.05

        @Option(name: .customLong("min-rows"), help: "The fewest rows, logged and reference each, to judge on.")
        var minRows = 100

        @Option(help: "Quantile bins for a numeric column's PSI.")
        var bins = 10

        @Flag(help: "Print the report as JSON (also for exit status 2, with a reason).")
        var json = false

        func validate() throws {
            if since != nil, last != nil { throw ValidationError("give --since or --last, not both") }
            if let since, DriftInputs.seconds(since) == nil { throw ValidationError("--since \(since): use a positive duration such as 90s, 30m, 24h or 7d") }
            if let last, last < 1 { throw ValidationError("--last must be at least 1, not \(last)") }
            guard psiThreshold > 0, psiThreshold.isFinite else { throw ValidationError("--psi-threshold must be positive, not \(psiThreshold)") }
            guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must be in (0, 1), not \(alpha)") }
            guard minRows >= 1 else { throw ValidationError("--min-rows must be at least 1, not \(minRows)") }
            guard (2...1000).contains(bins) else { throw ValidationError("--bins must be in 2...1000, not \(bins)") }
        }

        func run() async throws {
            do {
                let outcome = try judge()
                if json { try Format.printJSON(outcome) } else { print(Self.render(outcome)) }
                if !outcome.drifted.isEmpty { throw ExitCode(1) }
            } catch let error where !(error is ExitCode) && !(error is ValidationError) {
                // Exit 1 means "drifted": anything that stops a verdict (too few rows, a damaged
                // segment, an unreadable reference) is exit 2, never 1.
                let reason = (error as? DriftUndecidable)?.message ?? "\(error)"
                if json {
                    try Format.printJSON(Outcome(deployment: deployment, reference: reference, verdict: "undecided", reason: reason,
                                                 segments: 0, skippedSegments: 0, loggedRows: 0, referenceRows: 0, psiThreshold: psiThreshold,
                                                 alpha: alpha, ksThreshold: nil, features: [], skippedColumns: [], drifted: []))
                }
                FileHandle.standardError.write(Data("mlp drift: no verdict: \(TerminalText.shown(reason))\n".utf8))
                throw ExitCode(2)
            }
        }

        /// What `mlp drift` found.
        struct Outcome: Encodable {
            let deployment: String
            let reference: String
            /// `drift`, `no drift` or `undecided`.
            let verdict: String
            let reason: String?
            let segments: Int
            let skippedSegments: Int
            let loggedRows: Int
            let referenceRows: Int
            let psiThreshold: Double
            let alpha: Double
            let ksThreshold: Double?
            let features: [FeatureDrift]
            /// Columns in both datasets that were not compared, and why.
            let skippedColumns: [SkippedColumn]
            let drifted: [String]
        }

        /// A column both datasets hold that `mlp drift` leaves out.
        struct SkippedColumn: Encodable {
            let name: String
            let reason: String
        }

        /// Why a column both datasets hold cannot be compared, or nil when it can: numeric on one
        /// side and text on the other, or free text (more distinct reference values than
        /// ``maximumCategories`` and than half its rows), where a PSI over categories says nothing.
        static func reasonToSkip(_ reference: Column, _ logged: Column) -> String? {
            func isNumeric(_ type: ColumnType) -> Bool { type == .float || type == .int }
            guard isNumeric(reference.type) == isNumeric(logged.type) else {
                return "\(reference.type) in the reference but \(logged.type) in the log"
            }
            guard reference.type == .string else { return nil }
            let distinct = Set((0..<reference.count).compactMap { reference[$0]?.description }).count
            guard distinct > maximumCategories, distinct * 2 > reference.count else { return nil }
            return "free text (\(distinct) distinct values in \(reference.count) reference rows)"
        }

        /// The most categories a text column may have and still be compared category by category.
        static let maximumCategories = 50

        func judge() throws -> Outcome {
            let located = try project.locate()
            let store = try located.openStore()
            let artifacts = try located.openArtifacts()
            let all = try store.requestLogs(deployment: deployment)
            guard !all.isEmpty else {
                throw DriftUndecidable(message: "no logged requests for deployment '\(deployment)' in this project; serve it with `mlp serve --log-requests --model \(deployment)=MODEL` and send it traffic first")
            }
            var segments = all
            if let since, let seconds = DriftInputs.seconds(since) {
                let cutoff = Date().timeIntervalSince1970 - seconds
                segments = all.filter { $0.lastAt >= cutoff }
                guard !segments.isEmpty else {
                    throw DriftUndecidable(message: "deployment '\(deployment)' has no segment logged in the last \(since) (its newest ended \(Format.time(all.last!.lastAt)))")
                }
            }
            if let last { segments = Array(segments.suffix(last)) }
            let referenceData = try DriftInputs.reference(reference, store: store, artifacts: artifacts)
            let (logged, skippedSegments) = try DriftInputs.logged(segments, artifacts: artifacts, reference: referenceData)
            let shared = logged.columnNames.filter { !DriftInputs.isAnswerColumn($0) && referenceData.column(named: $0) != nil }
            let skipped = shared.compactMap { name in
                Self.reasonToSkip(referenceData.column(named: name)!, logged.column(named: name)!).map { SkippedColumn(name: name, reason: $0) }
            }
            let comparable = shared.filter { name in !skipped.contains { $0.name == name } }
            guard !comparable.isEmpty else {
                let inputs = logged.columnNames.filter { !DriftInputs.isAnswerColumn($0) }
                let reasons = skipped.map { "; \($0.name): \($0.reason)" }.joined()
                throw DriftUndecidable(message: "the logged requests (columns \(inputs.joined(separator: ", "))) and the reference (columns \(referenceData.columnNames.joined(separator: ", "))) have no comparable column in common\(reasons)")
            }
            guard logged.rowCount >= minRows else {
                throw DriftUndecidable(message: "only \(logged.rowCount) logged rows for '\(deployment)' in \(segments.count) segment(s); at least \(minRows) are needed (--min-rows)")
            }
            guard referenceData.rowCount >= minRows else {
                throw DriftUndecidable(message: "the reference has only \(referenceData.rowCount) rows; at least \(minRows) are needed (--min-rows)")
            }
            let report = try DriftReport.compare(reference: referenceData, current: logged, columns: comparable,
                                                 psiThreshold: psiThreshold, ksAlpha: alpha, bins: bins)
            return Outcome(deployment: deployment, reference: reference, verdict: report.drifted.isEmpty ? "no drift" : "drift", reason: nil,
                           segments: segments.count - skippedSegments, skippedSegments: skippedSegments, loggedRows: logged.rowCount,
                           referenceRows: referenceData.rowCount, psiThreshold: psiThreshold, alpha: alpha, ksThreshold: report.ksThreshold,
                           features: report.features, skippedColumns: skipped, drifted: report.drifted)
        }

        static func render(_ outcome: Outcome) -> String {
            var table = TextTable("FEATURE", "KIND", "LOGGED", "REFERENCE", "PSI", "KS D", "KS P", "DRIFTED")
            for feature in outcome.features {
                table.add(feature.name, feature.kind, String(feature.currentCount), String(feature.referenceCount), number(feature.psi),
                          feature.ksStatistic.map(number) ?? "-", feature.ksPValue.map(number) ?? "-",
                          feature.drifted ? "yes: " + feature.reasons.joined(separator: "; ") : "no")
            }
            var lines = ["deployment \(outcome.deployment): \(outcome.loggedRows) logged rows in \(outcome.segments) segment(s) vs \(outcome.referenceRows) reference rows",
                         table.render()]
            if outcome.skippedSegments > 0 { lines.append("left out \(outcome.skippedSegments) segment(s) with other columns than the newest, or whose file is gone") }
            for column in outcome.skippedColumns { lines.append("not compared: \(column.name), \(column.reason)") }
            let ks = outcome.ksThreshold.map { ", KS p-value < \(number($0))" } ?? ""
            lines.append(outcome.drifted.isEmpty
                ? "no drift: \(outcome.features.count) column(s) within PSI < \(number(outcome.psiThreshold))\(ks.isEmpty ? "" : " and KS p-value ≥ \(number(outcome.ksThreshold!))")"
                : "DRIFT in \(outcome.drifted.joined(separator: ", ")) (PSI ≥ \(number(outcome.psiThreshold))\(ks))")
            return lines.joined(separator: "\n")
        }

        static func number(_ value: Double) -> String {
            value != 0 && abs(value) < 1e-3 ? String(format: "%.2e", value) : String(format: "%.4f", value)
        }
    }
}
