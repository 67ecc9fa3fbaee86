import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// bcrypt on a bounded pool of its own threads (never an event loop, the cooperative pool or the writer's thread):
/// at most `threads` hashes at once and `queueMax` waiting; past that, `hash` and `verify` throw
/// `PasswordHasher.Busy` at once instead of queueing without end.
///
/// New hashes are of a pre-hash, `base64(HMAC-SHA-256(password))`, stored with the `preHashedPrefix` marker: bcrypt
/// reads at most 72 bytes and stops at a NUL byte, so without it `"\u{0}abcdefgh"` would verify as the empty
/// password and two passwords sharing 72 bytes as each other. Hashes without the marker (stored by earlier
/// versions) keep verifying as they were made, except that a password with a NUL byte never verifies against one.
public final class PasswordHasher: Sendable {
    /// The marker in front of a bcrypt hash of a pre-hashed password.
    public static let preHashedPrefix = "roomlog-hmac-sha256:"
    /// The refusal when `threads` hashes run and `queueMax` wait.
    public struct Busy: Error, Equatable {
        /// The limit that refused it.
        public let queueMax: Int

        /// The refusal by `queueMax`.
        public init(queueMax: Int) {
            self.queueMax = queueMax
        }
    }

    /// The bcrypt cost.
    public let cost: UInt8
    private let pool: NIOThreadPool
    private let admittedMax: Int
    private let admitted = Atomic<Int>(0)
    /// A hash of a password nobody has, checked when a login names an unknown user, so that both take as long.
    private let decoy: String

    /// A hasher of this cost on `threads` threads with `queueMax` computations waiting at most.
    public init(cost: UInt8, threads: Int, queueMax: Int) {
        self.cost = cost
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        admittedMax = threads + queueMax
        self.queueMax = queueMax
        decoy = Self.preHashedPrefix + Bcrypt.hash(Self.preHash("roomlog-decoy-password"), cost: cost)
    }

    private let queueMax: Int

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// The stored form of `password`: the marker and the bcrypt hash of its pre-hash. Throws `Busy`.
    public func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await run { Self.preHashedPrefix + Bcrypt.hash(Self.preHash(password), cost: cost) }
    }

    /// Whether `password` matches `stored`; with no stored hash, checks a decoy and returns false. Throws `Busy`.
    public func verify(_ password: String, hash stored: String?) async throws -> Bool {
        let decoy = decoy
        return try await run {
            guard let stored else {
                _ = Self.check(password, decoy)
                return false
            }
            return Self.check(password, stored)
        }
    }

    /// `base64(HMAC-SHA-256(password))`: 44 bytes, no NUL, different for any two passwords.
    static func preHash(_ password: String) -> String {
        let key = SymmetricKey(data: Array("roomlog password pre-hash".utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: Array(password.utf8), using: key)).base64EncodedString()
    }

    static func check(_ password: String, _ stored: String) -> Bool {
        if stored.hasPrefix(preHashedPrefix) { return Bcrypt.verify(preHash(password), hash: String(stored.dropFirst(preHashedPrefix.count))) }
        return !password.utf8.contains(0) && Bcrypt.verify(password, hash: stored)
    }

    /// Hashes running or waiting now.
    var admittedCount: Int { admitted.load(ordering: .relaxed) }

    private func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        guard admitted.wrappingAdd(1, ordering: .relaxed).newValue <= admittedMax else {
            admitted.wrappingSubtract(1, ordering: .relaxed)
            throw Busy(queueMax: queueMax)
        }
        defer { admitted.wrappingSubtract(1, ordering: .relaxed) }
        return try await pool.runIfActive(work)
    }
}
