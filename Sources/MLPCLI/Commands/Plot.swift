import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine {
    struct Plot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plot a metric's series (one line per step and run) as an SVG file.",
            discussion: "Series are the points a step logged to $MLP_METRICS with a \"step\" number. Several runs overlay.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions

        @Argument(help: ArgumentHelp("One or more runs (ids, unique prefixes, or `latest`), then the metric key, such as loss: `mlp plot RUN [RUN…] METRIC`. RUN,RUN also works.",
                                     valueName: "run… metric"))
        var runsThenMetric: [String] = []

        @Option(name: [.customShort("o"), .long], help: "Where to write the SVG (default: METRIC.svg); - writes it to standard output.")
        var output: String?

        /// The runs, each argument also split at commas (`mlp plot A,B loss`, as before).
        var runs: [String] { runsThenMetric.dropLast().flatMap { $0.split(separator: ",").map(String.init) } }
        /// The metric key: the last argument.
        var metric: String { runsThenMetric.last ?? "" }

        func validate() throws {
            guard runsThenMetric.count >= 2 else {
                throw ValidationError(runsThenMetric.isEmpty ? "give a run and a metric: mlp plot RUN [RUN…] METRIC"
                                                             : "give a run before the metric: mlp plot RUN [RUN…] \(runsThenMetric[0])")
            }
            guard !runs.isEmpty else { throw ValidationError("no run given before the metric \(metric)") }
            if let output { try OutputFile.validate(output, example: "\(metric).svg") }
        }

        func run() async throws {
            let store = try server.open(project).store
            var lines: [(label: String, points: [(Double, Double)])] = []
            for reference in runs {
                let record = try store.findRun(reference)
                let names = Dictionary(uniqueKeysWithValues: try store.steps(runID: record.id).compactMap { step in step.id.map { ($0, step.displayName) } })
                let points = try store.metrics(runID: record.id).filter { $0.key == metric && $0.iteration != nil }
                for (stepID, group) in Dictionary(grouping: points, by: { $0.stepID ?? -1 }) {
                    let sorted = group.sorted { $0.iteration! < $1.iteration! }.map { (Double($0.iteration!), $0.value) }
                    lines.append(("\(record.id.suffix(9)) \(names[stepID] ?? "-")", sorted))
                }
            }
            guard !lines.isEmpty else {
                throw RuntimeError("no series named '\(metric)' in \(runs.joined(separator: ", ")); `mlp metrics RUN` lists what was logged")
            }
            let path = output ?? "\(metric).svg"
            let svg = SVGChart(title: metric, lines: lines.sorted { $0.label < $1.label }).render()
            let destination = try OutputFile.write(Data(svg.utf8), to: path, example: "\(metric).svg")
            let summary = "wrote \(destination == .standardOutput ? "standard output" : path) (\(lines.count) line\(lines.count == 1 ? "" : "s"), \(lines.map(\.points.count).reduce(0, +)) points)"
            if destination == .standardOutput {
                FileHandle.standardError.write(Data((summary + "\n").utf8))
            } else {
                print(summary)
            }
        }
    }
}

/// A small line chart: axes with ticks, one polyline per series, a legend.
struct SVGChart {
    var title: String
    var lines: [(label: String, points: [(Double, Double)])]
    let width = 720.0, height = 420.0, left = 70.0, right = 20.0, top = 40.0, bottom = 50.0
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    func render() -> String {
        let xs = lines.flatMap { $0.points.map(\.0) }, ys = lines.flatMap { $0.points.map(\.1) }
        var (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1)
        var (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if x0 == x1 { x1 = x0 + 1 }
        if y0 == y1 { y0 -= 0.5; y1 += 0.5 }
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * plotH }
        func label(_ v: Double) -> String { abs(v) >= 1000 || (abs(v) < 0.01 && v != 0) ? String(format: "%.2e", v) : String(format: "%.3g", v) }
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="24" font-size="15" font-weight="bold">\(escape(title))</text>
            <line x1="\(left)" y1="\(top + plotH)" x2="\(left + plotW)" y2="\(top + plotH)" stroke="black"/>
            <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(top + plotH)" stroke="black"/>

            """
        for tick in 0...5 {
            let fraction = Double(tick) / 5
            let x = x0 + fraction * (x1 - x0), y = y0 + fraction * (y1 - y0)
            svg += "<line x1=\"\(px(x))\" y1=\"\(top + plotH)\" x2=\"\(px(x))\" y2=\"\(top + plotH + 5)\" stroke=\"black\"/>"
            svg += "<text x=\"\(px(x))\" y=\"\(top + plotH + 18)\" text-anchor=\"middle\">\(label(x))</text>\n"
            svg += "<line x1=\"\(left)\" y1=\"\(py(y))\" x2=\"\(left + plotW)\" y2=\"\(py(y))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(py(y) + 4)\" text-anchor=\"end\">\(label(y))</text>\n"
        }
        svg += "<text x=\"\(left + plotW / 2)\" y=\"\(height - 10)\" text-anchor=\"middle\">step</text>\n"
        for (index, line) in lines.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let points = line.points.map { "\(px($0.0)),\(py($0.1))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            svg += "<text x=\"\(left + plotW - 4)\" y=\"\(top + 14 + Double(index) * 16)\" text-anchor=\"end\" fill=\"\(colour)\">\(escape(line.label))</text>\n"
        }
        return svg + "</svg>\n"
    }
}
