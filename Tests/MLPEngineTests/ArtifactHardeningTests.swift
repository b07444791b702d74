import Foundation
import Testing
import MLPCore
@testable import MLPStore
@testable import MLPEngine
#if canImport(Glibc)
import Glibc
#endif

/// Issue 13, items 3, 4 and 5 in the engine: collecting a step's outputs never reaches outside
/// `$MLP_OUTPUTS` and never stores a link or special file, code files joining a cache key are
/// regular files, and a step never starts on an input whose stored bytes changed.
@Suite(.timeLimit(.minutes(2))) struct ArtifactHardeningTests {
    func runner(_ sandbox: Sandbox) -> StepRunner {
        StepRunner(project: sandbox.engine.project, store: sandbox.engine.store, artifacts: sandbox.engine.artifacts,
                   registry: sandbox.engine.registry, observer: nil, baseEnvironment: [:])
    }

    func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func collectingAnOutputWhoseNameIsAPathTouchesNothingOutsideTheOutputsFolder() throws {
        let sandbox = try Sandbox("name: x\nsteps:\n  a: {uses: noop}\n")
        let outputs = sandbox.root + "/runs/r/a/outputs"
        try FileManager.default.createDirectory(atPath: outputs, withIntermediateDirectories: true)
        let victim = sandbox.root + "/victim.txt"
        try "do not move me".write(toFile: victim, atomically: true, encoding: .utf8)
        for name in ["../../../../victim.txt", "", ".", "..", "a/b", "x\u{0}y"] {
            let outcome = try runner(sandbox).collectOutputs([name: .file], runID: "r", stepID: nil, from: outputs,
                                                             metricsPath: outputs + "/../metrics.jsonl", exitCode: 0)
            guard case .failed(let message, _, _) = outcome else { Issue.record("'\(name)' was collected"); continue }
            #expect(message.contains("plain file name"), "\(message)")
        }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "do not move me")
        #expect(try mode(victim) == 0o644)
        #expect(sandbox.engine.artifacts.blobs().isEmpty)
    }

    @Test func aLinkedFileOutputFailsTheStepAndLeavesItsTargetAlone() async throws {
        let sandbox = try Sandbox("""
            name: links
            steps:
              a: {uses: shell, with: {run: 'ln -s "$MLP_PROJECT_DIR/target.txt" "$MLP_OUTPUTS/out"'}, outputs: {out: file}}
            """, files: ["target.txt": "mine"])
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .failed)
        let error = steps["a"]?.error ?? ""
        #expect(error.contains("output 'out' is a symbolic link") && error.contains("target.txt"), "\(error)")
        #expect(try mode(sandbox.root + "/target.txt") == 0o644)
    }

    @Test func aLinkedFolderOrALinkInsideAFolderFailsTheStep() async throws {
        let sandbox = try Sandbox("""
            name: folders
            steps:
              linked: {uses: shell, with: {run: 'ln -s "$MLP_PROJECT_DIR/data" "$MLP_OUTPUTS/out"'}, outputs: {out: directory}}
              inner: {uses: shell, with: {run: 'mkdir "$MLP_OUTPUTS/out" && echo a > "$MLP_OUTPUTS/out/a" && ln -s /etc/passwd "$MLP_OUTPUTS/out/p"'}, outputs: {out: directory}}
            """, files: ["data/x.txt": "x"])
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .failed)
        #expect(steps["linked"]?.status == .failed && (steps["linked"]?.error ?? "").contains("symbolic link"), "\(steps["linked"]?.error ?? "")")
        let inner = steps["inner"]?.error ?? ""
        #expect(steps["inner"]?.status == .failed && inner.contains("out/p") && inner.contains("symbolic link"), "\(inner)")
    }

    @Test func aFIFOOutputOrMetricLogFailsTheStepInsteadOfHanging() async throws {
        let sandbox = try Sandbox("""
            name: fifos
            steps:
              file: {uses: shell, with: {run: 'mkfifo "$MLP_OUTPUTS/out"'}, outputs: {out: file}}
              value: {uses: shell, with: {run: 'mkfifo "$MLP_OUTPUTS/n"'}, outputs: {n: int}}
              folder: {uses: shell, with: {run: 'mkdir "$MLP_OUTPUTS/out" && mkfifo "$MLP_OUTPUTS/out/pipe"'}, outputs: {out: directory}}
              metrics: {uses: shell, with: {run: 'mkfifo "$MLP_METRICS"'}}
            """)
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .failed)
        for name in ["file", "value", "folder", "metrics"] {
            #expect(steps[name]?.status == .failed && (steps[name]?.error ?? "").contains("FIFO"), "\(name): \(steps[name]?.error ?? "")")
        }
    }

    @Test func aDeviceAsACodeFileFailsTheStepAtOnce() async throws {
        let sandbox = try Sandbox("""
            name: devices
            steps:
              a: {uses: shell, with: {run: "true", files: [/dev/zero]}}
            """)
        let started = ContinuousClock.now
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .failed && ContinuousClock.now - started < .seconds(30))
        #expect((steps["a"]?.error ?? "").contains("character device"), "\(steps["a"]?.error ?? "")")
    }

    @Test func aStepDoesNotStartOnAnInputWhoseBlobChanged() async throws {
        let sandbox = try Sandbox("""
            name: verify
            steps:
              make: {uses: shell, with: {run: 'echo good > "$MLP_OUTPUTS/data"'}, outputs: {data: file}}
              use: {uses: shell, with: {script: steps/use.sh, data: "${{ steps.make.outputs.data }}"}, outputs: {copy: file}}
            """, files: ["steps/use.sh": "cat \"$MLP_INPUT_DATA\" > \"$MLP_OUTPUTS/copy\"\n"])
        let (first, _) = try await sandbox.run()
        #expect(first.status == .succeeded, "\(first.error ?? "")")
        let digest = ArtifactStore.digest(of: Data("good\n".utf8))
        let blob = sandbox.engine.artifacts.blobPath(digest)
        chmod(blob, 0o644)
        try "evil\n".write(toFile: blob, atomically: false, encoding: .utf8)
        try sandbox.write("steps/use.sh", "cat \"$MLP_INPUT_DATA\" > \"$MLP_OUTPUTS/copy\"; echo changed >> \"$MLP_OUTPUTS/copy\"\n")
        let (second, steps) = try await sandbox.run()
        #expect(second.status == .failed)
        let error = steps["use"]?.error ?? ""
        #expect(error.contains("input 'data'") && error.contains(digest) && error.contains(ArtifactStore.digest(of: Data("evil\n".utf8))), "\(error)")
        #expect(try sandbox.engine.store.attempts(stepID: steps["use"]!.id!).allSatisfy { $0.handle == nil }, "the script never ran")
    }
}
