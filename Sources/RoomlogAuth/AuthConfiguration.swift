import Foundation

/// How passwords are hashed and sessions are made.
public struct AuthConfiguration: Sendable {
    /// The bcrypt cost (log2 of rounds); 12 takes about a quarter of a second per hash.
    public var bcryptCost: UInt8 = 12
    /// bcrypt computations at once: the machine's cores.
    public var hashThreads = ProcessInfo.processInfo.activeProcessorCount
    /// bcrypt computations that may wait for a thread; more are refused with `PasswordHasher.Busy`.
    public var hashQueueMax = 256

    /// The defaults.
    public init() {}

    /// Checks the values; throws `AuthConfigurationError`.
    public func validate() throws {
        guard (4...31).contains(bcryptCost) else { throw AuthConfigurationError.bcryptCostOutOfRange(bcryptCost) }
        guard hashThreads >= 1, hashQueueMax >= 0 else { throw AuthConfigurationError.hashPoolOutOfRange }
    }
}

/// A configuration value out of range.
public enum AuthConfigurationError: Error, Equatable {
    case bcryptCostOutOfRange(UInt8)
    case hashPoolOutOfRange
}
