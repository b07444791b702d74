import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine {
    /// `mlp verify`: hashes every stored blob and compares it with its digest.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every stored artifact's bytes against its digest.",
            discussion: """
                Every blob under .mlp/artifacts is read and hashed in full; every artifact the metadata store records must \
                have one. Exits 0 when all are intact, 1 when any is damaged or missing, listing them with what to do.

                A run checks what it reads too, cheaply: a blob whose size, inode and change time are as they were when it \
                was stored is not hashed again, any other is, and a step never starts on changed bytes. Progress is shown \
                on a terminal (stderr).
                """)

        @OptionGroup var project: ProjectOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let project = try self.project.locate()
            let store = try project.openStore()
            let artifacts = try project.openArtifacts()
            let blobs = artifacts.blobs()
            let recorded = try store.referencedArtifactDigests()
            let progress = VerifyProgress(total: blobs.count, bytes: blobs.reduce(0) { $0 + $1.size })
            var damaged: [ArtifactIntegrityError] = []
            for blob in blobs {
                if let problem = artifacts.check(digest: blob.digest) { damaged.append(problem) }
                progress.advance(bytes: blob.size)
            }
            progress.finish()
            let present = Set(blobs.map(\.digest))
            for digest in recorded.subtracting(present).sorted() {
                damaged.append(ArtifactIntegrityError(digest: digest, path: artifacts.blobPath(digest), actual: nil, problem: "it is missing from the store"))
            }
            let totalBytes = blobs.reduce(Int64(0)) { $0 + $1.size }
            if output.json {
                let list: [JSONValue] = damaged.map { problem in
                    let what = problem.actual == nil ? (problem.problem ?? "unreadable") : "its bytes hash to another digest"
                    return JSONValue.object(["digest": .string(problem.digest), "path": .string(problem.path),
                                             "actual": JSONView.string(problem.actual), "problem": .string(what)])
                }
                let report: [String: JSONValue] = ["checked": .number(Double(blobs.count)), "bytes": .number(Double(totalBytes)),
                                                   "ok": .bool(damaged.isEmpty), "damaged": .array(list)]
                try Format.printJSON(JSONValue.object(report))
            } else if damaged.isEmpty {
                print("all \(blobs.count) blobs intact (\(Format.size(totalBytes)))")
            } else {
                print("\(damaged.count) of \(max(blobs.count, damaged.count)) artifacts damaged or missing:")
                for problem in damaged {
                    let what = problem.actual.map { "holds bytes hashing to \($0)" } ?? (problem.problem ?? "unreadable")
                    print("  \(problem.digest)  \(what)")
                    print("    \(problem.path)")
                }
                print("""
                    A damaged blob was changed or replaced after mlp stored it; nothing reads it any more (a run that needs it fails). \
                    Put the original back from a backup, or remove it (rm -f PATH) and run the pipeline again: the step that made it runs again.
                    """)
            }
            if !damaged.isEmpty { throw ExitCode(1) }
        }
    }
}

/// A progress line on stderr while `mlp verify` hashes, when stderr is a terminal.
final class VerifyProgress {
    let total: Int
    let bytes: Int64
    let live: Bool
    var done = 0
    var doneBytes: Int64 = 0
    var lastShown = Date.distantPast

    init(total: Int, bytes: Int64) {
        self.total = total
        self.bytes = bytes
        live = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    func advance(bytes size: Int64) {
        done += 1
        doneBytes += size
        guard live, Date().timeIntervalSince(lastShown) >= 0.2 else { return }
        lastShown = Date()
        FileHandle.standardError.write(Data("\r\u{1B}[Kverifying \(done)/\(total) blobs, \(Format.size(doneBytes)) of \(Format.size(bytes))".utf8))
    }

    func finish() {
        if live, lastShown != .distantPast { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
