import Foundation
import MLPCore
import MLPStore

/// Runs the TUI on the real terminal until the user quits.
public enum TerminalUI {
    /// Runs `app` on the terminal: reads keys, refreshes the view every `refreshInterval`
    /// seconds (so changes made by other processes show), and restores the terminal on the way out.
    ///
    /// - Parameters:
    ///   - mouse: whether to read the mouse (wheel scrolls, a click selects).
    ///   - started: when the command began (`DispatchTime.now().uptimeNanoseconds`), for the first-paint timing.
    /// - Returns: the signal that ended the TUI (SIGINT, SIGTERM, SIGHUP), or nil when the user quit.
    @discardableResult
    public static func run(_ app: TUIApp, refreshInterval: Double = 0.5, mouse: Bool = true,
                           environment: [String: String] = ProcessInfo.processInfo.environment,
                           started: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Int32? {
        let timings = Timings(path: environment["MLP_TUI_TIMINGS"])
        let terminal = CursesTerminal(environment: environment, mouse: mouse)
        defer { terminal.close() }
        app.context.glyphs = Glyphs(unicode: terminal.unicode)
        app.resize(width: terminal.width, height: terminal.height)
        terminal.present(app.render(width: terminal.width, height: terminal.height), clearFirst: false)
        timings?.record("first_paint", since: started, wallClock: true)

        let interval = UInt64(max(0.05, refreshInterval) * 1_000_000_000)
        var lastRefresh = DispatchTime.now().uptimeNanoseconds
        while !app.finished, !TerminalGuard.interrupted {
            let now = DispatchTime.now().uptimeNanoseconds
            let wait = lastRefresh + interval > now ? (lastRefresh + interval - now) / 1_000_000 : 0
            if let key = terminal.readKey(timeout: Int32(min(wait, 100))) {
                let start = DispatchTime.now().uptimeNanoseconds
                var clear = false
                if key == .resize || key == .control("l") {
                    clear = true
                    app.resize(width: terminal.width, height: terminal.height)
                }
                app.handle(key)
                if app.finished { break }
                terminal.present(app.render(width: terminal.width, height: terminal.height), clearFirst: clear)
                timings?.record("key \(key.name)", since: start)
            }
            // Also between keys: holding a key down must not stop the live refresh.
            if DispatchTime.now().uptimeNanoseconds >= lastRefresh + interval {
                let start = DispatchTime.now().uptimeNanoseconds
                app.refresh()
                terminal.present(app.render(width: terminal.width, height: terminal.height), clearFirst: false)
                lastRefresh = DispatchTime.now().uptimeNanoseconds
                timings?.record("tick", since: start)
            }
        }
        return TerminalGuard.interrupted ? TerminalGuard.stopSignal : nil
    }
}
