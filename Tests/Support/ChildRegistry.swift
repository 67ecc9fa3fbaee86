import Foundation
import Glibc

/// A record of the child processes that tests start, so that a test run that crashed (its children were never
/// stopped) does not leave gateways and proxies running: each child is a file named by its pid that holds the
/// test process's pid, and the first child a test process starts stops, with SIGTERM, every recorded child whose
/// test process is gone and whose command line is still one of ours.
enum ChildRegistry {
    static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("roomlog-test-children").path

    /// Stops the children of crashed test runs; runs once per test process.
    static let sweptOnce: Void = sweep()

    static func record(_ child: Int32) {
        _ = sweptOnce
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: directory + "/\(child)", contents: Data("\(getpid())".utf8))
    }

    static func forget(_ child: Int32) {
        try? FileManager.default.removeItem(atPath: directory + "/\(child)")
    }

    private static func sweep() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            guard let child = Int32(name),
                  let parent = (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)).flatMap({ Int32($0) }),
                  !isRunning(parent) else { continue }
            let commandLine = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/\(child)/cmdline")).readToEnd())
                .flatMap { String(decoding: $0, as: UTF8.self) } ?? ""  // procfs files report size 0: read to the end
            if isRunning(child), commandLine.contains("roomlog") { kill(child, SIGTERM) }
            forget(child)
        }
    }

    private static func isRunning(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
