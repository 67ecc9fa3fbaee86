public import Foundation

extension Thread {
    /// Runs `body` on a new thread that the system knows as `name` (at most 15 bytes): what `top -H`, `ps -L`,
    /// `perf` and `/proc/PID/task/*/comm` show an operator. Foundation gives a name set before `start()` only to
    /// its own object, and one set inside the thread reaches the system only if its creator has already stored the
    /// thread's handle (a race): so the thread names itself through `/proc`.
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        precondition(name.utf8.count <= 15, "thread name \(name) is longer than Linux keeps")
        let thread = Thread {
            let comm = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
            if comm >= 0 {
                _ = write(comm, name, name.utf8.count)
                close(comm)
            }
            body()
        }
        thread.name = name
        thread.start()
    }
}

/// A value computed on a thread of its own while the caller does something else.
final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the thread before `done` is signalled; read only after waiting for it.
    private var outcome: Result<Value, any Error>?

    /// Starts `work` on a new thread called `name` (at most 15 bytes).
    init(name: String, _ work: @escaping @Sendable () throws -> Value) {
        Thread.start(name: name) { [self] in
            outcome = Result { try work() }
            done.signal()
        }
    }

    /// Waits for the work to end; returns its value or throws what it threw. May be called again.
    func value() throws -> Value {
        done.wait()
        defer { done.signal() }
        return try outcome!.get()
    }
}
