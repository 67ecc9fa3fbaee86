import Foundation
import RoomlogCore
public import RoomlogStore

/// `roomlog stats`: what a log holds and how it is used, as `name: value` lines.
public enum StatsReport {
    /// The lines for `store`; throws a storage error.
    public static func lines(for store: Store) throws -> [String] {
        let head = try store.head()
        let counts = try store.counts()
        let usage = try store.usage()
        let fileBytes = ((try? FileManager.default.attributesOfItem(atPath: store.configuration.directory + "/data.mdb"))?[.size] as? NSNumber)?.intValue ?? 0
        var lines = [
            "directory: \(store.configuration.directory)",
            "epoch: \(store.epoch)",
            "head: \(head)",
        ]
        for type in EventType.allCases { lines.append("events.\(type.rawValue): \(counts.eventsByType[type] ?? 0)") }
        lines += [
            "users: \(counts.records["users"] ?? 0)",
            "rooms: \(counts.records["rooms"] ?? 0)",
            "memberships: \(counts.records["room_members"] ?? 0)",
            "live sessions: \(counts.records["sessions"] ?? 0)",
            "client message ids: \((counts.records["client_ids"] ?? 0) + (counts.records["client_ids_recent"] ?? 0)) (\(counts.records["client_ids_recent"] ?? 0) recent, not yet merged)",
            "file bytes: \(fileBytes)",
            "map bytes: \(usage.mapBytes) (\(String(format: "%.1f", 100 * Double(usage.usedBytes) / Double(usage.mapBytes)))% used)",
            "last transaction: \(usage.lastTransaction)",
            "reader slots in use: \(usage.readerSlotsInUse) of \(usage.readerSlotsMax)",
        ]
        lines += usage.readers.map { "reader (pid thread txnid): \($0)" }
        return lines
    }
}
