import Glibc
import Synchronization

/// Set by SIGINT or SIGTERM, so that long-running tools finish their output and exit 0.
let interruption = Atomic<Bool>(false)

/// Routes SIGINT and SIGTERM to `interruption` instead of killing the process, and unblocks them on this thread
/// (a parent's worker thread may have started this process with them blocked).
func catchInterruption() {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    signal(SIGINT) { _ in interruption.store(true, ordering: .relaxed) }
    signal(SIGTERM) { _ in interruption.store(true, ordering: .relaxed) }
}

/// Whether SIGINT or SIGTERM arrived.
var interrupted: Bool { interruption.load(ordering: .relaxed) }
