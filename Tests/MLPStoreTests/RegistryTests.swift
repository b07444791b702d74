import Foundation
import Testing
import MLPCore
@testable import MLPStore

@Suite struct ModelRegistryTests {
    /// A fresh store holding three model artifacts.
    func open(_ backend: StoreBackendUnderTest) throws -> any MetadataStore {
        let store = try backend.fresh("registry").store
        try store.commit(StateChange(artifacts: ["a", "b", "c"].map { ArtifactRecord(digest: String(repeating: $0, count: 64), type: .model, size: 1, createdAt: 1) }))
        return store
    }

    func register(_ store: any MetadataStore, _ digest: Character, aliases: [String] = [], step: Int64? = nil) throws -> ModelVersionRecord {
        let version = ModelVersionRecord(name: "churn", digest: String(repeating: digest, count: 64), type: .model, runID: nil, stepID: step,
                                         createdAt: Date().timeIntervalSince1970, createdBy: "ana", card: "{}")
        return try #require(try store.commit(StateChange(registration: ModelRegistration(version: version, aliases: aliases))).registered)
    }

    @Test(arguments: StoreBackendUnderTest.all) func versionsCountUpAndIdenticalBytesReuseTheNewest(_ backend: StoreBackendUnderTest) throws {
        let store = try open(backend)
        #expect(try register(store, "a").version == 1)
        #expect(try register(store, "b", aliases: ["challenger"]).version == 2)
        #expect(try register(store, "b").version == 2, "the same artifact again is the same version")
        #expect(try register(store, "a").version == 3, "an older artifact again is a new version")
        #expect(try store.modelVersions(name: "churn").map(\.version) == [1, 2, 3])
        let summary = try #require(try store.models().first)
        #expect(summary.name == "churn" && summary.versions == 3 && summary.latest.version == 3 && summary.aliases == ["challenger": 2])
    }

    @Test(arguments: StoreBackendUnderTest.all) func registeringIsIdempotentPerStep(_ backend: StoreBackendUnderTest) throws {
        let store = try open(backend)
        let first = try register(store, "a", step: 42)
        let again = try register(store, "b", step: 42)
        #expect(again.id == first.id && again.version == 1)
    }

    @Test(arguments: StoreBackendUnderTest.all) func referencesResolveByNameVersionOrAlias(_ backend: StoreBackendUnderTest) throws {
        let store = try open(backend)
        _ = try register(store, "a")
        _ = try register(store, "b", aliases: ["champion"])
        _ = try register(store, "c")
        #expect(try store.resolveModel("churn").version == 3)
        #expect(try store.resolveModel("churn:1").digest.hasPrefix("aaaa"))
        #expect(try store.resolveModel("churn@champion").version == 2)
        #expect(throws: StoreError.self) { try store.resolveModel("churn@nobody") }
        #expect(throws: StoreError.self) { try store.resolveModel("churn:9") }
        #expect(throws: StoreError.self) { try store.resolveModel("other") }
        let bad = try #require(throws: StoreError.self) { try store.resolveModel("churn:x") }
        #expect(bad.description.contains("expected NAME, NAME:VERSION or NAME@ALIAS"))
    }

    @Test(arguments: StoreBackendUnderTest.all) func aliasesMoveAndEveryMoveIsKept(_ backend: StoreBackendUnderTest) throws {
        let store = try open(backend)
        _ = try register(store, "a")
        _ = try register(store, "b")
        #expect(try store.moveAlias(name: "churn", alias: "champion", to: 1, by: "ana").fromVersion == nil)
        #expect(try store.moveAlias(name: "churn", alias: "champion", to: 2, by: "bo").fromVersion == 1)
        _ = try store.moveAlias(name: "churn", alias: "champion", to: 2, by: "bo")
        #expect(try store.resolveModel("churn@champion").version == 2)
        #expect(throws: StoreError.self) { try store.moveAlias(name: "churn", alias: "champion", to: 7, by: "bo") }
        let events = try store.aliasEvents(name: "churn")
        #expect(events.map { "\($0.fromVersion.map(String.init) ?? "-")→\($0.toVersion) \($0.by)" } == ["-→1 ana", "1→2 bo"])
    }
}
