import Foundation
import Histogram
import RoomlogCore
import RoomlogStore

/// A fresh data directory under the system's temporary directory.
func temporaryDirectory(_ label: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("roomlog-bench-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A histogram of nanosecond values, printed in microseconds.
struct Latencies {
    var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)

    mutating func record(nanoseconds: UInt64) {
        _ = histogram.record(max(nanoseconds, 1))
    }

    func microseconds(_ percentile: Double) -> String {
        String(format: "%.1f", Double(histogram.valueAtPercentile(percentile)) / 1000)
    }

    var summary: String {
        "n=\(histogram.totalCount) p50=\(microseconds(50)) µs p90=\(microseconds(90)) µs p99=\(microseconds(99)) µs p99.9=\(microseconds(99.9)) µs max=\(String(format: "%.1f", Double(histogram.max) / 1000)) µs"
    }
}

/// Runs `body` with `callers` concurrent tasks, each given its index.
func concurrently(_ callers: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<callers { group.addTask { try await body(index) } }
        try await group.waitForAll()
    }
}

/// Registers `users` users (`u0`, `u1`, ...) and has user `i` create room `r<i % rooms>` or join it.
func prepare(_ writer: LogWriter, users: Int, rooms: Int) async throws {
    try await concurrently(min(users, 256)) { lane in
        for index in stride(from: lane, to: users, by: min(users, 256)) {
            _ = try await writer.append(.register(user: "u\(index)", passwordHash: "bench-hash"))
        }
    }
    for index in 0..<min(rooms, users) {
        _ = try await writer.append(.createRoom(user: "u\(index)", room: "r\(index)", topic: "room \(index)"))
    }
    try await concurrently(min(users, 256)) { lane in
        for index in stride(from: lane, to: users, by: min(users, 256)) where index >= rooms {
            _ = try await writer.append(.join(user: "u\(index)", room: "r\(index % rooms)"))
        }
    }
}

/// A message body of exactly `bytes` ASCII bytes, made once so that the load generator spends its time appending.
func body(bytes: Int) -> String {
    String(repeating: "x", count: bytes)
}

/// The size of a file in bytes, or 0.
func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}

/// The path of this executable.
func executablePath() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}
