public import Foundation
import Glibc

/// A built helper executable run as a child process, with its standard output collected line by line.
public final class ChildProcess: @unchecked Sendable {
    /// A child that could not start or did not do what was awaited.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        /// A failure saying `description`.
        public init(description: String) {
            self.description = description
        }
    }

    /// The process.
    public let process = Process()
    private let lock = NSLock()
    private var pending = Data()
    private var collected: [String] = []
    private var errorText = Data()
    private var endedStreams: Set<Int> = []

    private func reachedEnd(of stream: Int) {
        lock.withLock { _ = endedStreams.insert(stream) }
    }

    /// Whether standard output and standard error have both been read to their end.
    var outputComplete: Bool { lock.withLock { endedStreams.count == 2 } }

    /// The directory of the built products (the test bundle's own directory).
    public static let productsDirectory: URL = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent()
    }()

    /// Starts the built product `product` with `arguments`; throws if it is not built.
    public convenience init(_ product: String, _ arguments: [String]) throws {
        try self.init(product, arguments, standardInput: nil)
    }

    /// Starts the built product (or, for an absolute path, that executable) with `arguments`, its standard input
    /// read from `standardInput` (a file) if given.
    public init(_ product: String, _ arguments: [String], standardInput: String?, environment: [String: String]? = nil) throws {
        let url = product.hasPrefix("/") ? URL(fileURLWithPath: product) : Self.productsDirectory.appendingPathComponent(product)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw Failure(description: "\(url.path) is not built: run `swift build --build-tests` first (Tools/test.sh does)")
        }
        process.executableURL = url
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        if let standardInput { process.standardInput = FileHandle(forReadingAtPath: standardInput) }
        if let environment { process.environment = environment }
        try process.run()
        ChildRegistry.record(process.processIdentifier)
        try? output.fileHandleForWriting.close()
        try? errors.fileHandleForWriting.close()
        startReading(output.fileHandleForReading.fileDescriptor, stream: 1)
        startReading(errors.fileHandleForReading.fileDescriptor, stream: 2)
        self.pipes = [output, errors]
    }

    private var pipes: [Pipe] = []

    /// Reads `descriptor` to its end on a thread of its own.
    private func startReading(_ descriptor: Int32, stream: Int) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                let data = Data(buffer[0..<count])
                if stream == 1 { receive(data) } else { receiveError(data) }
            }
            reachedEnd(of: stream)
        }
        thread.start()
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

    private func receiveError(_ data: Data) {
        lock.withLock { errorText.append(data) }
    }

    /// What the child wrote to standard error so far.
    public var standardError: String { lock.withLock { String(decoding: errorText, as: UTF8.self) } }

    /// Every complete line printed so far.
    public var lines: [String] { lock.withLock { collected } }

    /// Waits until `predicate` holds for the lines so far; throws after `seconds`.
    public func waitFor(seconds: Double = 60, _ what: String, _ predicate: ([String]) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !predicate(lines) {
            guard process.isRunning || predicate(lines) else {
                await pause(milliseconds: 50)
                if predicate(lines) { return }
                throw Failure(description: "child exited (\(process.terminationStatus)) before \(what); last lines: \(lines.suffix(3))")
            }
            guard Date() < deadline else { throw Failure(description: "timed out waiting for \(what)") }
            await pause(milliseconds: 5)
        }
    }

    /// Waits for the process to exit (killing it after `seconds`) and returns its status.
    public func waitForExit(seconds: Double = 120) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() > deadline {
                kill()
                throw Failure(description: "child did not exit within \(seconds) s")
            }
            await pause(milliseconds: 10)
        }
        ChildRegistry.forget(process.processIdentifier)
        while !outputComplete, Date() < deadline { await pause(milliseconds: 5) }
        return process.terminationStatus
    }

    /// Sends SIGKILL.
    public func kill() {
        signal(SIGKILL)
    }

    /// Sends `number` to the child.
    public func signal(_ number: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, number) }
    }
}

/// A path for a data directory that does not exist yet, under the system's temporary directory.
public func temporaryDataDirectory() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("roomlog-test-\(UUID().uuidString)").path
}

/// Runs a built product to completion and returns its exit status, standard output lines and standard error.
public func run(_ product: String, _ arguments: [String], seconds: Double = 120) async throws -> (status: Int32, lines: [String], errors: String) {
    let child = try ChildProcess(product, arguments)
    let status = try await child.waitForExit(seconds: seconds)
    return (status, child.lines, child.standardError)
}
