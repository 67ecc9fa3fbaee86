/// Why a cluster cannot be used: each says what to do.
public enum ClusterError: Error, Equatable, CustomStringConvertible {
    /// The address does not parse.
    case badAddress(String)
    /// PostgreSQL could not be reached or answered with an error.
    case unreachable(String)
    /// The database holds Roomlog's tables in a newer schema than this build knows.
    case unsupportedSchema(found: Int)
    /// The data directory mirrors another cluster (or holds a log of its own).
    case otherCluster(mirror: String, cluster: String)
    /// The data directory holds events that the cluster does not have.
    case mirrorAhead(mirror: UInt64, cluster: UInt64)
    /// The mirror's event at `seq` differs from the cluster's.
    case mirrorDiffers(seq: UInt64)
    /// A batch in the database does not decode.
    case corruptBatch(firstSeq: UInt64, reason: String)

    public var description: String {
        switch self {
        case .badAddress(let reason): "bad cluster address: \(reason)"
        case .unreachable(let reason): "the cluster's PostgreSQL cannot be reached: \(reason)"
        case .unsupportedSchema(let found): "the cluster's schema is version \(found), newer than this build knows (\(ClusterSchema.version)); upgrade roomlog"
        case .otherCluster(let mirror, let cluster):
            "the data directory holds a log of epoch \(mirror), the cluster's epoch is \(cluster): use an empty directory (it fills from the cluster) or the cluster that directory belongs to"
        case .mirrorAhead(let mirror, let cluster):
            "the data directory holds events up to seq \(mirror) but the cluster only up to \(cluster): it is not this cluster's mirror; use an empty directory"
        case .mirrorDiffers(let seq): "the mirror differs from the cluster at seq \(seq): rebuild it with `roomlog rebuild --cluster`"
        case .corruptBatch(let first, let reason): "the cluster's batch from seq \(first) does not decode: \(reason)"
        }
    }
}
