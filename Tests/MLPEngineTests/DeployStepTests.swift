import Foundation
import Testing
import MLPCore
import MLPStore
@testable import MLPEngine

@Suite struct DeployStepTests {
    func sandbox(_ pipeline: String) throws -> Sandbox { try .withPluginDoubles(pipeline) }

    func pipeline(_ deploy: String) -> String {
        """
        name: ship
        steps:
          load: {uses: connector/lines, with: {path: numbers.txt}}
          fit: {uses: trainer/mean, with: {data: "${{ steps.load.outputs.data }}"}}
          register: {uses: register, with: {model: "${{ steps.fit.outputs.model }}", name: churn}}
          gate: {uses: approval, needs: [register], with: {show: "${{ steps.fit.outputs.metrics }}", auto_approve_if: "mean > 0"}}
          deploy: {\(deploy), needs: [gate]}
        """
    }

    @Test func aCanaryStepDeploysTheFirstVersionDirectlyThenTriesTheNextOne() async throws {
        let sandbox = try sandbox(pipeline(#"uses: deploy/canary, with: {model: "${{ steps.register.outputs.reference }}", name: churn-api, traffic: 10, sticky_header: x-user, max_error_rate: 0.05}"#))
        let (first, steps) = try await sandbox.run()
        #expect(first.status == .succeeded, "\(first.error ?? "")")
        #expect(sandbox.outputs(steps["deploy"])["mode"] == .string("direct"))
        #expect(try sandbox.engine.store.deployment(name: "churn-api")?.stableVersion == 1)

        try sandbox.write("numbers.txt", "10\n20\n")
        let (second, again) = try await sandbox.run()
        #expect(second.status == .succeeded, "\(second.error ?? "")")
        let deployment = try #require(try sandbox.engine.store.deployment(name: "churn-api"))
        #expect(deployment.stableVersion == 1 && deployment.candidateVersion == 2 && deployment.mode == .canary)
        #expect(deployment.canaryPercent == 10 && deployment.stickyHeader == "x-user" && deployment.maxErrorRate == 0.05)
        #expect(sandbox.outputs(again["deploy"])["candidate"] == .string("churn:2"))

        // Running it again changes nothing: the deployment already is what the step asks for.
        let (_, third) = try await sandbox.run()
        #expect(third["deploy"]?.status == .succeeded)
        #expect(try sandbox.engine.store.deployment(name: "churn-api")?.generation == deployment.generation)
        #expect(try sandbox.engine.store.deploymentEvents(name: "churn-api").map(\.action) == [.deploy, .canary])
    }

    @Test func aShadowStepMirrorsTheNewVersion() async throws {
        let sandbox = try sandbox(pipeline(#"uses: deploy/shadow, with: {model: "${{ steps.register.outputs.reference }}", name: churn-api}"#))
        _ = try await sandbox.run()
        try sandbox.write("numbers.txt", "4\n")
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .succeeded, "\(run.error ?? "")")
        #expect(sandbox.outputs(steps["deploy"])["mode"] == .string("shadow"))
        #expect(try sandbox.engine.store.deployment(name: "churn-api")?.candidateVersion == 2)
    }

    @Test func aBadTrafficShareFailsTheStepWithAReason() async throws {
        let sandbox = try sandbox(pipeline(#"uses: deploy/canary, with: {model: "${{ steps.register.outputs.reference }}", name: churn-api, traffic: 10}"#))
        _ = try await sandbox.run()
        try sandbox.write("mlp.yaml", pipeline(#"uses: deploy/canary, with: {model: "${{ steps.register.outputs.reference }}", name: churn-api, traffic: 150}"#))
        try sandbox.write("numbers.txt", "4\n")
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .failed)
        #expect(steps["deploy"]?.error?.contains("at most 100") == true, "\(steps["deploy"]?.error ?? "")")
        #expect(try sandbox.engine.store.deployment(name: "churn-api")?.candidateVersion == nil)
    }
}
