import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine {
    struct Lineage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show where an artifact came from and what read it.",
            discussion: "Prints the step that produced the artifact, the steps that consumed it, and (up to --depth) the artifacts its producer read, recursively.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "An artifact digest or a unique prefix of it (see `mlp artifacts`).")
        var artifact: String

        @Option(help: "How many producer steps upstream to follow.")
        var depth = 5

        func run() async throws {
            let store = try server.open(project).store
            let record = try store.findArtifact(artifact)
            let edges = try store.lineage(digest: record.digest)
            if output.json {
                try Format.printJSON(try tree(record.digest, type: record.type, store: store, depth: depth))
                return
            }
            print("artifact  \(record.digest)")
            print("type      \(record.type.rawValue), \(Format.size(record.size)), stored \(Format.time(record.createdAt))")
            let producers = edges.filter { $0.direction == .produced }
            let consumers = edges.filter { $0.direction == .consumed }
            print("produced by")
            if producers.isEmpty { print("  (nothing recorded)") }
            for edge in producers { print("  run \(edge.runID)  step \(label(edge))  output \(edge.port)") }
            print("consumed by")
            if consumers.isEmpty { print("  (nothing yet)") }
            for edge in consumers { print("  run \(edge.runID)  step \(label(edge))  input \(edge.port)") }
            if let origin = producers.first, depth > 0 {
                print("upstream")
                try printUpstream(stepID: origin.stepID, store: store, indent: "  ", depth: depth, seen: [record.digest])
            }
        }

        func label(_ edge: LineageEdge) -> String { edge.step + (edge.index.map { "[\($0)]" } ?? "") }

        func printUpstream(stepID: Int64, store: any MetadataStore, indent: String, depth: Int, seen: Set<String>) throws {
            let inputs = try store.lineage(stepID: stepID).filter { $0.direction == .consumed }
            if inputs.isEmpty { print("\(indent)(the producing step read no artifacts)") }
            for input in inputs.sorted(by: { $0.port < $1.port }) {
                let producer = try store.lineage(digest: input.digest).first { $0.direction == .produced }
                let from = producer.map { " ← run \($0.runID) step \(label($0)).\($0.port)" } ?? ""
                print("\(indent)\(input.port): \(input.digest.prefix(12))\(from)")
                if let producer, depth > 1, !seen.contains(input.digest) {
                    try printUpstream(stepID: producer.stepID, store: store, indent: indent + "  ", depth: depth - 1, seen: seen.union([input.digest]))
                }
            }
        }

        func tree(_ digest: String, type: PortType?, store: any MetadataStore, depth: Int) throws -> JSONValue {
            let edges = try store.lineage(digest: digest)
            func view(_ edge: LineageEdge) -> JSONValue {
                .object(["run": .string(edge.runID), "step": .string(edge.step), "index": edge.index.map { .number(Double($0)) } ?? .null, "port": .string(edge.port)])
            }
            var fields: [String: JSONValue] = [
                "digest": .string(digest),
                "produced_by": .array(edges.filter { $0.direction == .produced }.map(view)),
                "consumed_by": .array(edges.filter { $0.direction == .consumed }.map(view)),
            ]
            if let type { fields["type"] = .string(type.rawValue) }
            if depth > 0, let origin = edges.first(where: { $0.direction == .produced }) {
                let inputs = try store.lineage(stepID: origin.stepID).filter { $0.direction == .consumed }
                fields["inputs"] = .object(Dictionary(try inputs.map { ($0.port, try tree($0.digest, type: nil, store: store, depth: depth - 1)) },
                                                      uniquingKeysWith: { first, _ in first }))
            }
            return .object(fields)
        }
    }
}
