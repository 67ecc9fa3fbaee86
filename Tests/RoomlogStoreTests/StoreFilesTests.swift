import Foundation
import Testing
import RoomlogCore
@testable import RoomlogStore

@Suite("Store files")
struct StoreFilesTests {
    func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("a new data directory is 0700 and its files 0600; one made by an earlier version (0755, 0644) is tightened on open")
    func permissions() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("roomlog-files-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = ["data.mdb", "lock.mdb", "wake", "durable"]
        do {
            _ = try Store(configuration: StoreConfiguration(directory: directory))
        }
        #expect(try mode(directory) == 0o700)
        for file in files { #expect(try mode(directory + "/" + file) == 0o600, "\(file)") }
        chmod(directory, 0o755)
        for file in files { chmod(directory + "/" + file, 0o644) }
        _ = try Store(configuration: StoreConfiguration(directory: directory))
        #expect(try mode(directory) == 0o700)
        for file in files { #expect(try mode(directory + "/" + file) == 0o600, "\(file)") }
    }
}
