import CNcurses
import Foundation

/// Puts the terminal back the way it was on every way out: a normal exit, Ctrl-C, SIGTERM,
/// SIGHUP, and crashes (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP).
///
/// Ctrl-C and SIGTERM set a flag the event loop sees within one poll, so the TUI leaves as it
/// does on `q`; a second one ends the process at once. A crash signal restores the terminal,
/// then re-raises the signal with its default action so the process still dies of it.
enum TerminalGuard {
    nonisolated(unsafe) static var active: Int32 = 0
    nonisolated(unsafe) static var interrupts: Int32 = 0
    /// The last of SIGINT, SIGTERM, SIGHUP that arrived (0 for none).
    nonisolated(unsafe) static var stopSignal: Int32 = 0
    nonisolated(unsafe) static var installed = false

    static let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]
    static let stopSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Installs the handlers; call before `initscr` so ncurses keeps them.
    static func install() {
        guard !installed else { return }
        installed = true
        atexit { TerminalGuard.restore() }
        for number in stopSignals {
            signal(number) { number in
                TerminalGuard.interrupts += 1
                TerminalGuard.stopSignal = number
                if TerminalGuard.interrupts > 1 || TerminalGuard.active == 0 {
                    TerminalGuard.restore()
                    _exit(128 + number)
                }
            }
        }
        for number in crashSignals {
            signal(number) { number in
                TerminalGuard.restore()
                signal(number, SIG_DFL)
                raise(number)
            }
        }
    }

    /// Whether Ctrl-C or SIGTERM asked the TUI to leave.
    static var interrupted: Bool { interrupts > 0 }

    /// Leaves curses mode if the TUI is in it. Safe to call more than once.
    static func restore() {
        guard active != 0 else { return }
        active = 0
        endwin()
    }
}
