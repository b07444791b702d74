import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine {
    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs side by side: their params and final metrics, differences marked.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "Two or more runs (ids, unique prefixes, or `latest`).")
        var runs: [String]

        func validate() throws {
            if runs.count < 2 { throw ValidationError("give at least two runs to compare") }
        }

        func run() async throws {
            let store = try server.open(project).store
            let records = try runs.map { try store.findRun($0) }
            var params: [[String: String]] = []
            var metrics: [[String: Double]] = []
            for record in records {
                params.append(Dictionary(uniqueKeysWithValues: try store.params(runID: record.id).map { ($0.name, $0.value) }))
                // The last final value of each metric key in the run.
                var finals: [String: Double] = [:]
                for metric in try store.metrics(runID: record.id) where metric.iteration == nil { finals[metric.key] = metric.value }
                metrics.append(finals)
            }
            if output.json {
                try Format.printJSON(JSONValue.array(records.indices.map { index in
                    .object(["run": .string(records[index].id), "status": .string(records[index].status.rawValue),
                             "params": .object(params[index].mapValues { JSONView.parse($0) }),
                             "metrics": .object(metrics[index].mapValues { .number($0) })])
                }))
                return
            }
            let headers = ["", ] + records.map { String($0.id.suffix(9)) }
            var table = TextTable()
            table.headers = headers
            table.add(row: ["status"] + records.map(\.status.rawValue))
            for (title, rows) in [("param", params.map { $0 }), ("metric", metrics.map { $0.mapValues { String(format: "%.6g", $0) } })] {
                let keys = Set(rows.flatMap(\.keys)).sorted()
                for key in keys {
                    let values = rows.map { $0[key] ?? "-" }
                    let differs = Set(values).count > 1
                    table.add(row: ["\(differs ? "*" : " ") \(title) \(key)"] + values.map { Format.value(JSONView.parse($0), limit: 14) })
                }
            }
            print(table.render())
            print("\n* differs between the runs")
        }
    }
}
