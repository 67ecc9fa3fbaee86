import RoomlogCore
import RoomlogFuzzSupport

@main
enum Fuzz: FuzzTarget {
    /// Parses any bytes as a line of an export, as import does (a JSON record, then a backup record): never a crash;
    /// an event it accepts renders to a backup record that parses back to the same event.
    static func check(_ bytes: [UInt8]) {
        guard let fields = try? FlatJSON.parse(bytes), let event = try? Event(backupRecord: fields) else { return }
        let again = (try? FlatJSON.parse(event.backupRecord)).flatMap { try? Event(backupRecord: $0) }
        precondition(again == event, "an imported event must survive export and import")
    }
}
