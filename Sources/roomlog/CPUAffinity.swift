import Foundation
import NIOCore

/// The CPUs this process may run on (its affinity, as `taskset` or a cpuset sets it). NIO sizes its shared
/// event loop group by the machine's cores and cgroup quota only, so a gateway pinned to one core ran two event
/// loops on it, taking turns with its writer and tail threads.
enum CPUAffinity {
    /// How many CPUs the affinity mask allows (`Cpus_allowed` in /proc/self/status: `sched_getaffinity` is not in
    /// Swift's Glibc module), or nil when it cannot be read.
    static var count: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        let bits = line.dropFirst("Cpus_allowed:".count).reduce(0) { count, character in
            count + (character.hexDigitValue?.nonzeroBitCount ?? 0)
        }
        return bits > 0 ? bits : nil
    }

    /// Suggests one event loop per allowed CPU for NIO's shared group, unless `NIO_SINGLETON_GROUP_LOOP_COUNT` says
    /// otherwise; call it before anything uses the group.
    static func sizeEventLoops() {
        guard getenv("NIO_SINGLETON_GROUP_LOOP_COUNT") == nil, let count, count < System.coreCount else { return }
        NIOSingletons.groupLoopCountSuggestion = count
    }
}
