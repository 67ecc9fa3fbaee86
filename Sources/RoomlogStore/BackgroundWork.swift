import Foundation

/// A value computed on a thread of its own while the caller does something else.
final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the thread before `done` is signalled; read only after waiting for it.
    private var outcome: Result<Value, any Error>?

    /// Starts `work` on a new thread called `name`.
    init(name: String, _ work: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            outcome = Result { try work() }
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Waits for the work to end; returns its value or throws what it threw. May be called again.
    func value() throws -> Value {
        done.wait()
        defer { done.signal() }
        return try outcome!.get()
    }
}
