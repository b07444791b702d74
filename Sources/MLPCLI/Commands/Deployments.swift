import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine {
    /// `mlp deployments`: lists deployments, or shows one with its history.
    struct Deployments: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List deployments, or show one with every change it went through.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "A deployment's name: show it and its history.")
        var name: String?

        func run() async throws {
            let store = try server.open(project).store
            if let name {
                guard let deployment = try store.deployment(name: name) else { throw StoreError.deploymentNotFound(name) }
                let events = try store.deploymentEvents(name: name)
                let logs = try store.requestLogs(deployment: name)
                if output.json {
                    var view = DeploymentViews.json(deployment)
                    if case .object(var fields) = view {
                        fields["events"] = .array(events.map(DeploymentViews.json))
                        fields["request_logs"] = .array(logs.map { log in
                            .object(["digest": .string(log.digest), "rows": .number(Double(log.rows)), "first_at": .number(log.firstAt), "last_at": .number(log.lastAt)])
                        })
                        view = .object(fields)
                    }
                    try Format.printJSON(view)
                    return
                }
                print(DeploymentViews.sentence(deployment))
                print("rollback if: \(DeploymentViews.thresholds(deployment))")
                print("request log: \(logs.count) segment\(logs.count == 1 ? "" : "s"), \(logs.reduce(0) { $0 + $1.rows }) rows")
                var table = TextTable("GEN", "WHEN", "ACTION", "STABLE", "CANDIDATE", "BY", "REASON")
                for event in events {
                    table.add(String(event.generation), Format.time(event.at), event.action.rawValue, String(event.stableVersion),
                              event.candidateVersion.map(String.init) ?? "-", event.by, event.reason ?? "")
                }
                print(table.render())
                return
            }
            let deployments = try store.deployments()
            if output.json {
                try Format.printJSON(JSONValue.array(deployments.map(DeploymentViews.json)))
                return
            }
            guard !deployments.isEmpty else {
                print("no deployments; `mlp deploy MODEL --name NAME` or a pipeline's deploy/canary step makes one")
                return
            }
            var table = TextTable("NAME", "MODEL", "STABLE", "CANDIDATE", "MODE", "ROLLBACK IF", "GEN", "UPDATED")
            for deployment in deployments {
                let candidate = deployment.candidateVersion.map { version in
                    deployment.mode == .canary ? "\(version) (\(Format.percent(deployment.canaryPercent)))" : String(version)
                } ?? "-"
                table.add(deployment.name, deployment.model, String(deployment.stableVersion), candidate, deployment.mode.rawValue,
                          DeploymentViews.thresholds(deployment), String(deployment.generation), Format.time(deployment.updatedAt))
            }
            print(table.render())
        }
    }
}

/// How deployments read, as text and as JSON.
enum DeploymentViews {
    /// Prints a deployment after a change: its JSON view, or its sentence.
    static func show(_ deployment: DeploymentRecord, json: Bool) throws {
        if json { try Format.printJSON(Self.json(deployment)) } else { print(sentence(deployment)) }
    }

    /// One line: what serves the deployment now.
    static func sentence(_ deployment: DeploymentRecord) -> String {
        let stable = "\(deployment.model):\(deployment.stableVersion)"
        guard let candidate = deployment.candidateVersion.map({ "\(deployment.model):\($0)" }) else {
            return "\(deployment.name): \(stable) serves every request (generation \(deployment.generation))"
        }
        switch deployment.mode {
        case .canary:
            let sticky = deployment.stickyHeader.map { ", sticky by header \($0)" } ?? ""
            return "\(deployment.name): canary \(candidate) takes \(Format.percent(deployment.canaryPercent)) of requests\(sticky); \(stable) the rest (generation \(deployment.generation))"
        case .shadow:
            return "\(deployment.name): \(stable) answers every request; \(candidate) gets a copy as a shadow (generation \(deployment.generation))"
        case .direct:
            return "\(deployment.name): \(stable) serves every request (generation \(deployment.generation))"
        }
    }

    /// The automatic-rollback thresholds, or "-".
    static func thresholds(_ deployment: DeploymentRecord) -> String {
        var parts: [String] = []
        if let rate = deployment.maxErrorRate { parts.append("errors > \(Format.percent(rate * 100))") }
        if let p99 = deployment.maxP99Ms { parts.append("p99 > \(Format.number(p99)) ms") }
        return parts.isEmpty ? "-" : parts.joined(separator: " or ") + " (after \(deployment.minRequests) requests)"
    }

    static func json(_ deployment: DeploymentRecord) -> JSONValue {
        .object([
            "name": .string(deployment.name), "model": .string(deployment.model),
            "stable_version": .number(Double(deployment.stableVersion)),
            "candidate_version": deployment.candidateVersion.map { .number(Double($0)) } ?? .null,
            "previous_stable_version": deployment.previousStableVersion.map { .number(Double($0)) } ?? .null,
            "mode": .string(deployment.mode.rawValue), "canary_percent": .number(deployment.canaryPercent),
            "sticky_header": JSONView.string(deployment.stickyHeader), "max_error_rate": JSONView.number(deployment.maxErrorRate),
            "max_p99_ms": JSONView.number(deployment.maxP99Ms), "min_requests": .number(Double(deployment.minRequests)),
            "generation": .number(Double(deployment.generation)), "created_at": .number(deployment.createdAt),
            "updated_at": .number(deployment.updatedAt), "updated_by": .string(deployment.updatedBy),
        ])
    }

    static func json(_ event: DeploymentEventRecord) -> JSONValue {
        .object([
            "action": .string(event.action.rawValue), "stable_version": .number(Double(event.stableVersion)),
            "candidate_version": event.candidateVersion.map { .number(Double($0)) } ?? .null,
            "generation": .number(Double(event.generation)), "at": .number(event.at), "by": .string(event.by),
            "reason": JSONView.string(event.reason),
        ])
    }
}
