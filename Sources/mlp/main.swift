import Foundation
import MLPCLI

// A reader that goes away (`mlp runs | head`) must not kill a process that may be driving a run:
// writes to a closed pipe fail quietly instead.
signal(SIGPIPE, SIG_IGN)

await MLPCommandLine.execute()
