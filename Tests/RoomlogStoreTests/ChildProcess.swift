import Foundation
import Glibc

/// A built helper executable run as a child process, with its standard output collected line by line.
final class ChildProcess: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let process = Process()
    private let lock = NSLock()
    private var pending = Data()
    private var collected: [String] = []

    /// The directory of the built products (the test bundle's own directory).
    static let productsDirectory: URL = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent()
    }()

    /// Starts the built product `product` with `arguments`; throws if it is not built.
    init(_ product: String, _ arguments: [String]) throws {
        let url = Self.productsDirectory.appendingPathComponent(product)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw Failure(description: "\(url.path) is not built: run `swift build --build-tests` first (Tools/test.sh does)")
        }
        process.executableURL = url
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.receive(data)
        }
        try process.run()
    }

    private func receive(_ data: Data) {
        lock.withLock {
            pending.append(data)
            while let newline = pending.firstIndex(of: 0x0A) {
                collected.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
    }

    /// Every complete line printed so far.
    var lines: [String] { lock.withLock { collected } }

    /// Waits until `predicate` holds for the lines so far; throws after `seconds`.
    func waitFor(seconds: Double = 60, _ what: String, _ predicate: ([String]) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !predicate(lines) {
            guard process.isRunning || predicate(lines) else {
                try await Task.sleep(for: .milliseconds(50))
                if predicate(lines) { return }
                throw Failure(description: "child exited (\(process.terminationStatus)) before \(what); last lines: \(lines.suffix(3))")
            }
            guard Date() < deadline else { throw Failure(description: "timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits for the process to exit (killing it after `seconds`) and returns its status.
    func waitForExit(seconds: Double = 120) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() > deadline {
                kill()
                throw Failure(description: "child did not exit within \(seconds) s")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(50))  // let the last output arrive
        return process.terminationStatus
    }

    /// Sends SIGKILL.
    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }
}
