import Foundation

/// One server for the whole test process (tests tell their requests apart by a unique query); it exits
/// when the test process does.
let sharedServer = Result { try LoopbackServer() }

/// `Resources/test_server.py` started on a free port of 127.0.0.1, stopped by ``stop()``.
final class LoopbackServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    let logPath: String
    let folder: String

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    init() throws {
        folder = NSTemporaryDirectory() + "mlp-http-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        logPath = folder + "/requests.log"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/test_server.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--log", logPath]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // The server prints its port once it listens.
        var line = Data()
        let deadline = Date().addingTimeInterval(20)
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty || Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                throw StartFailure(description: "the test server did not start (python3 \(script))")
            }
            line += chunk
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw StartFailure(description: "the test server printed no port")
        }
        self.port = port
    }

    /// `PATH?t=…` with a token no other test uses, so request counts stay per test.
    func unique(_ path: String) -> String { path + (path.contains("?") ? "&" : "?") + "t=\(UUID().uuidString.prefix(8))" }

    /// `http://127.0.0.1:PORT/PATH`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// How many requests asked for exactly `path` (with its query).
    func requests(_ path: String) -> Int {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0 == path }.count
    }

    /// Kills the server. SIGKILL, because a child may inherit a mask that blocks SIGTERM from the
    /// test process's thread; the server keeps nothing that needs a graceful shutdown.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
