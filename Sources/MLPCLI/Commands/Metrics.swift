import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine {
    struct Metrics: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A run's metrics: final values, and each series logged through $MLP_METRICS.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The run id, a unique prefix of it, or `latest`.")
        var run: String = "latest"

        func run() async throws {
            let store = try server.open(project).store
            let record = try store.findRun(run)
            let metrics = try store.metrics(runID: record.id)
            let steps = Dictionary(uniqueKeysWithValues: try store.steps(runID: record.id).compactMap { step in step.id.map { ($0, step.displayName) } })
            let finals = metrics.filter { $0.iteration == nil }
            let series = Dictionary(grouping: metrics.filter { $0.iteration != nil }) { "\(steps[$0.stepID ?? -1] ?? "-")/\($0.key)" }
            if output.json {
                try Format.printJSON(JSONValue.object([
                    "run": .string(record.id),
                    "final": .array(finals.map { .object(["step": .string(steps[$0.stepID ?? -1] ?? ""), "key": .string($0.key), "value": .number($0.value)]) }),
                    "series": .object(series.mapValues { points in
                        .array(points.map { .object(["step": .number(Double($0.iteration!)), "value": .number($0.value)]) })
                    }),
                ]))
                return
            }
            guard !metrics.isEmpty else {
                print("run \(record.id) recorded no metrics")
                return
            }
            if !finals.isEmpty {
                var table = TextTable("STEP", "METRIC", "VALUE")
                for metric in finals { table.add(steps[metric.stepID ?? -1] ?? "-", metric.key, JSONValue.format(metric.value)) }
                print(table.render())
            }
            if !series.isEmpty {
                if !finals.isEmpty { print("") }
                var table = TextTable("SERIES", "POINTS", "FIRST", "LAST", "MIN", "MAX")
                for name in series.keys.sorted() {
                    let values = series[name]!.sorted { $0.iteration! < $1.iteration! }.map(\.value)
                    table.add(name, String(values.count), JSONValue.format(values.first!), JSONValue.format(values.last!),
                              JSONValue.format(values.min()!), JSONValue.format(values.max()!))
                }
                print(table.render())
                print("\nplot one with: mlp plot \(record.id) METRIC")
            }
        }
    }
}
