/// What the gateway needs to know of the cluster when its log is a mirror of one (`roomlog serve --cluster`): the
/// cluster's head, to wait for the mirror before refusing a token it does not know yet, and whether the cluster
/// can be reached, for readiness. Implemented over PostgreSQL in `RoomlogCluster`.
public protocol ClusterView: Sendable {
    /// The last `seq` the cluster holds; throws when it cannot be reached.
    func head() async throws -> UInt64
    /// Why the cluster cannot be used now, or nil when it answers.
    var problem: String? { get }
}
