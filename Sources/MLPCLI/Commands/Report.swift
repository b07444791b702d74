import ArgumentParser
import Foundation
import MLPCore
import MLPData
import MLPStore

extension MLPCommandLine {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise a run as Markdown for a pull-request comment, against a baseline.",
            discussion: """
                The run's gates (each threshold with its numbers), its final metrics with deltas against the baseline \
                (absolute and relative, ▲/▼), its params (changed ones marked), and for each dataset a step produced: \
                rows, schema changes and drift (PSI per shared column) against the same step's dataset in the baseline run. \
                A chart of the main metric (--metric; default: the first a gate's thresholds name, else auc, accuracy, f1, \
                r2 or loss) is written as an SVG beside the Markdown and linked from it: its series in this run and the \
                baseline's, or, when it has none, its value over the pipeline's last 20 runs.

                --against: @ALIAS (that alias of the model the pipeline registers, such as @champion), NAME@ALIAS, \
                NAME:VERSION (the version's card metrics, and the run that made it), or a run id.

                Examples:
                  mlp report latest --against @champion -o report.md       # report.md and report-auc.svg
                  mlp report 20261207-1200 --against 20261206-0900 --json
                """)

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The run (id, unique prefix, or `latest`).")
        var run: String

        @Option(help: "The format of the report: md (Markdown); --json prints JSON instead.")
        var format = "md"

        @Option(help: ArgumentHelp("The baseline: @champion (an alias of the model the pipeline registers), NAME@ALIAS, NAME:VERSION or a run.", valueName: "ref"))
        var against: String?

        @Option(help: ArgumentHelp("The metric to chart (default: the first a gate's thresholds name, else auc, accuracy, f1, r2, loss).", valueName: "name"))
        var metric: String?

        @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Where to write the Markdown (default: standard output).", valueName: "file"))
        var outputFile: String?

        @Option(help: ArgumentHelp("Where to write the chart (default: beside -o as NAME-METRIC.svg, else report-METRIC.svg here).", valueName: "file"))
        var chart: String?

        @Flag(name: .customLong("no-chart"), help: "Write no chart.")
        var noChart = false

        func validate() throws {
            guard format == "md" else { throw ValidationError("--format \(format): the report is written as md (Markdown); --json prints it as JSON") }
            if let outputFile { try OutputFile.validate(outputFile, example: "report.md") }
            if let chart { try OutputFile.validate(chart, option: "--chart", example: "chart.svg") }
            if noChart, chart != nil { throw ValidationError("give --chart or --no-chart, not both") }
        }

        func run() async throws {
            let location = try server.open(project)
            let store = location.store
            let record = try store.findRun(run)
            let artifacts = try? location.artifacts(project)
            var report = try RunReport.gather(run: record, against: against, store: store, metric: metric) { ref in
                guard let artifacts, let path = try? location.path(of: ref, in: artifacts) else { return nil }
                return try? DatasetFile.read(path)
            }
            var chartFile: String?
            if !noChart, let svg = try RunReport.chart(for: report, store: store) {
                let path = chartPath(metric: report.mainMetric ?? "metric")
                chartFile = path
                _ = try OutputFile.write(Data(svg.render().utf8), to: path, example: "chart.svg")
                report.chartTitle = svg.title
                // Linked relative to the Markdown when they share a folder.
                let folder = outputFile.map { ($0 as NSString).deletingLastPathComponent } ?? ""
                report.chartLink = !folder.isEmpty && path.hasPrefix(folder + "/") ? String(path.dropFirst(folder.count + 1)) : path
            }
            if output.json {
                try Format.printJSON(report.json)
                return
            }
            let text = report.markdown()
            if let outputFile, outputFile != "-" {
                _ = try OutputFile.write(Data(text.utf8), to: outputFile, example: "report.md")
                FileHandle.standardError.write(Data("wrote \(outputFile)\(chartFile.map { " and \($0)" } ?? "")\n".utf8))
            } else {
                print(text, terminator: "")
            }
        }

        /// The chart's path: --chart, else beside the Markdown (`report.md` → `report-auc.svg`), else `report-auc.svg` here.
        func chartPath(metric: String) -> String {
            if let chart { return chart }
            let safe = String(metric.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" })
            guard let outputFile, outputFile != "-" else { return "report-\(safe).svg" }
            let base = (outputFile as NSString).deletingPathExtension
            return "\(base)-\(safe).svg"
        }
    }
}
