import Foundation

/// Appends how long drawing takes to a file (`MLP_TUI_TIMINGS=FILE`): one line per event,
/// `first_paint MS EPOCH` (from the command's start to the first screen, and the wall-clock
/// time it appeared), `key NAME MS` (from reading the key to the screen updated, fetching
/// included) and `tick MS` (a live refresh).
final class Timings {
    private let file: UnsafeMutablePointer<FILE>?

    init?(path: String?) {
        guard let path, !path.isEmpty, let file = fopen(path, "a") else { return nil }
        self.file = file
    }

    deinit { if let file { fclose(file) } }

    func record(_ event: String, since start: UInt64, wallClock: Bool = false) {
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
        let wall = wallClock ? String(format: " %.3f", Date().timeIntervalSince1970) : ""
        fputs(String(format: "%@ %.3f", event, milliseconds) + wall + "\n", file)
        fflush(file)
    }
}
