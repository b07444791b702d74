import ArgumentParser
import Foundation
import MLPCore
import MLPEngine
import MLPStore
#if canImport(Glibc)
import Glibc
#endif

extension MLPCommandLine {
    /// `mlp gc`: removes blobs nothing refers to.
    struct Gc: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Remove stored artifacts that no run, model version or deployment refers to.",
            discussion: """
                A blob is kept when the metadata store records it (a step's input or output, a registered model version, \
                which deployments point at, a request-log segment), or when it is a file of such a folder. What is left was \
                written by a run that was killed before it recorded it.

                Refused while a run is being driven (its lock is held): wait for it, or `mlp cancel` it. A blob stored \
                less than --min-age ago is kept too, in case a run that started meanwhile is about to record it.
                """)

        @OptionGroup var project: ProjectOptions
        @OptionGroup var output: OutputOptions

        @Flag(name: .customLong("dry-run"), help: "Say what would be removed; remove nothing.")
        var dryRun = false

        @Option(name: .customLong("min-age"), help: ArgumentHelp("Keep blobs stored less than this many seconds ago (default: 3600).", valueName: "seconds"))
        var minAge: Double = 3600

        func validate() throws {
            guard minAge >= 0, minAge.isFinite else { throw ValidationError("--min-age must be a number of seconds, 0 or more") }
        }

        func run() async throws {
            let project = try self.project.locate()
            if let active = Self.activeRun(locks: project.locksDirectory) {
                throw ValidationError("run \(active) is being driven now; run `mlp gc` when it has finished (or `mlp cancel \(active)`)")
            }
            let store = try project.openStore()
            let artifacts = try project.openArtifacts()
            let result = try artifacts.collectGarbage(keeping: try store.referencedArtifactDigests(), minimumAge: minAge, dryRun: dryRun)
            if !dryRun {
                // Parquet / CSV / JSON-lines copies handed to script steps go with their dataset.
                let removed = Set(result.removed.map(\.digest))
                DatasetExchange.prune(cacheDirectory: DatasetExchange.cacheDirectory(stateDirectory: project.stateDirectory), minimumAge: minAge,
                                      isStored: { !removed.contains($0) && FileManager.default.fileExists(atPath: artifacts.blobPath($0)) })
            }
            if output.json {
                try Format.printJSON(JSONValue.object([
                    "dry_run": .bool(dryRun), "removed": .number(Double(result.removed.count)), "bytes": .number(Double(result.removedBytes)),
                    "digests": .array(result.removed.map { .string($0.digest) }), "kept": .number(Double(result.kept)),
                    "kept_recent": .number(Double(result.keptRecent.count)),
                ]))
                return
            }
            let verb = dryRun ? "would remove" : "removed"
            print("\(verb) \(result.removed.count) unreferenced blob\(result.removed.count == 1 ? "" : "s") (\(Format.size(result.removedBytes))); kept \(result.kept) referenced")
            if !result.keptRecent.isEmpty {
                print("kept \(result.keptRecent.count) unreferenced blob\(result.keptRecent.count == 1 ? "" : "s") stored in the last \(Int(minAge)) s (see --min-age)")
            }
        }

        /// A run whose driver holds its lock now, if any.
        static func activeRun(locks directory: String) -> String? {
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted() where name.hasSuffix(".lock") {
                let fd = open("\(directory)/\(name)", O_RDWR | O_CLOEXEC)
                guard fd >= 0 else { continue }
                defer { close(fd) }
                if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                    flock(fd, LOCK_UN)
                } else {
                    return String(name.dropLast(5))
                }
            }
            return nil
        }
    }
}
