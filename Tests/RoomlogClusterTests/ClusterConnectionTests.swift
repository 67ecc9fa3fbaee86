import Foundation
import Glibc
import Logging
import RoomlogTestSupport
import Testing
@testable import RoomlogCluster

@Suite("A connection to the cluster's PostgreSQL")
struct ClusterConnectionTests {
    @Test("it names its process and role, and asks PostgreSQL to drop it within seconds when its host goes silent")
    func settings() throws {
        let database = ClusterConnection(address: try ClusterAddress(TestPostgres.newDatabase()), role: "writer", logger: Logger(label: "test"))
        defer { database.close() }
        func show(_ name: String) throws -> String? { try database.run("SHOW \(unescaped: name)").first?.decode(String.self) }
        #expect(try show("application_name")?.hasPrefix("roomlog writer pid \(getpid()) on ") == true)
        #expect(try show("tcp_keepalives_idle") == "5")
        #expect(try show("tcp_keepalives_count") == "3")
        #expect(try show("tcp_user_timeout") == "5000")  // milliseconds
    }

    @Test("a statement left unanswered past its time drops the connection and fails; the next statement reconnects")
    func unanswered() throws {
        let database = ClusterConnection(address: try ClusterAddress(TestPostgres.newDatabase()), statementSeconds: 1, logger: Logger(label: "test"))
        defer { database.close() }
        _ = try database.run("SELECT 1")
        let started = ContinuousClock.now
        #expect(throws: ClusterError.self) { try database.run("SELECT pg_sleep(10)") }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(try database.run("SELECT 2").first?.decode(Int.self) == 2)
        #expect(database.generation == 2)
    }
}
