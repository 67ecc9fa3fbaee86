import Glibc

/// The process's limit of open files (`RLIMIT_NOFILE`), which bounds how many connections a gateway can hold.
enum FileLimit {
    /// Descriptors kept for what is not a connection: the log, its wake-up, listeners, pipes.
    static let reservedFiles = 256

    /// Raises the soft limit (and the hard one, where the process may) so that `connections` connections fit;
    /// returns the limit in force, which may still be lower when the hard limit cannot be raised.
    static func raise(toFit connections: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        let wanted = rlim_t(connections + reservedFiles)
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = wanted
            raised.rlim_max = max(limit.rlim_max, wanted)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) != 0 {
                raised = limit
                raised.rlim_cur = min(wanted, limit.rlim_max)
                _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised)
            }
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }
}
