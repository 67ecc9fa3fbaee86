import Dispatch
import HummingbirdBcrypt

/// bcrypt hashing and checking on Dispatch's thread pool: never on an event loop, the cooperative pool or the
/// log writer's thread.
public struct PasswordHasher: Sendable {
    /// The bcrypt cost.
    public let cost: UInt8
    /// A hash of a password nobody has, checked when a login names an unknown user, so that both take as long.
    private let decoy: String

    /// A hasher of this cost.
    public init(cost: UInt8) {
        self.cost = cost
        decoy = Bcrypt.hash("roomlog-decoy-password", cost: cost)
    }

    /// The bcrypt hash of `password`.
    public func hash(_ password: String) async -> String {
        let cost = cost
        return await offload { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`; with no hash, checks a decoy and returns false.
    public func verify(_ password: String, hash: String?) async -> Bool {
        let decoy = decoy
        return await offload {
            guard let hash else {
                _ = Bcrypt.verify(password, hash: decoy)
                return false
            }
            return Bcrypt.verify(password, hash: hash)
        }
    }

    private func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}
