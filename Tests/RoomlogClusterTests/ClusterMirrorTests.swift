import Foundation
import Testing
import RoomlogCore
@testable import RoomlogStore
@testable import RoomlogCluster
import Logging
import RoomlogTestSupport

/// A cluster log in memory, shared by the writers of several stores ("hosts"): one append lock and the ordered
/// events. The contract a real cluster (PostgreSQL) keeps, without a database.
final class MemoryCluster: @unchecked Sendable {
    struct Unreachable: Error {}

    private let condition = NSCondition()
    private var events: [Event] = []
    /// The link whose writer holds the append lock.
    private var holder: ObjectIdentifier?
    /// While true, the cluster cannot be reached.
    var unreachable: Bool {
        get { condition.withLock { isUnreachable } }
        set { condition.withLock { isUnreachable = newValue } }
    }
    private var isUnreachable = false

    var log: [Event] { condition.withLock { events } }

    func link() -> Link { Link(cluster: self) }

    final class Link: ClusterLink, @unchecked Sendable {
        let cluster: MemoryCluster
        init(cluster: MemoryCluster) { self.cluster = cluster }

        func acquire() throws {
            try cluster.condition.withLock {
                guard !cluster.isUnreachable else { throw Unreachable() }
                while let holder = cluster.holder, holder != ObjectIdentifier(self) { cluster.condition.wait() }
                cluster.holder = ObjectIdentifier(self)
            }
        }

        func missing(after head: UInt64) throws -> [Event] {
            try cluster.condition.withLock {
                precondition(cluster.holder == ObjectIdentifier(self), "read without the lock")
                guard !cluster.isUnreachable else { throw Unreachable() }
                return Array(cluster.events.dropFirst(Int(head)))
            }
        }

        func commit(_ events: [Event]) throws {
            try cluster.condition.withLock {
                precondition(cluster.holder == ObjectIdentifier(self), "commit without the lock")
                guard !cluster.isUnreachable else { throw Unreachable() }
                precondition(events.first.map { $0.seq == UInt64(cluster.events.count) + 1 } ?? true, "a batch after a gap")
                cluster.events += events
            }
        }

        func release() {
            cluster.condition.withLock {
                if cluster.holder == ObjectIdentifier(self) { cluster.holder = nil }
                cluster.condition.broadcast()
            }
        }

        func fetch(after head: UInt64) throws -> (events: [Event], more: Bool) {
            try cluster.condition.withLock {
                guard !cluster.isUnreachable else { throw Unreachable() }
                return (Array(cluster.events.dropFirst(Int(head))), false)
            }
        }
    }
}

/// A cluster for the contract tests: in memory, or a fresh database on the test PostgreSQL.
enum ClusterKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, postgres

    var testDescription: String { rawValue }

    /// A new, empty cluster of this kind.
    func make() throws -> TestCluster {
        switch self {
        case .memory: return .memory(MemoryCluster())
        case .postgres: return .postgres(try ClusterAddress(TestPostgres.newDatabase()))
        }
    }
}

enum TestCluster: Sendable {
    case memory(MemoryCluster)
    case postgres(ClusterAddress)

    /// The events the cluster holds.
    var log: [Event] {
        get throws {
            switch self {
            case .memory(let cluster): return cluster.log
            case .postgres(let address):
                let database = ClusterConnection(address: address, logger: Logger(label: "test"))
                defer { database.close() }
                return try ClusterSchema.events(after: 0, batchesMax: 1_000_000, database)
            }
        }
    }
}

/// A host of a test cluster: its own store (the mirror) and writer.
final class MirrorHost: @unchecked Sendable {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("roomlog-mirror-\(UUID().uuidString)").path
    let store: Store
    let writer: LogWriter

    init(_ cluster: TestCluster, mapSizeBytes: Int? = nil) throws {
        var configuration = StoreConfiguration(directory: directory)
        configuration.environment.durable = false
        if let mapSizeBytes { configuration.environment.mapSizeBytes = mapSizeBytes }
        switch cluster {
        case .memory(let memory):
            store = try Store(configuration: configuration)
            writer = LogWriter(store: store, cluster: memory.link())
        case .postgres(let address):
            let (store, link) = try Cluster.open(address, configuration: configuration, logger: Logger(label: "test"))
            self.store = store
            writer = LogWriter(store: store, cluster: link)
        }
    }

    func close() {
        writer.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Brings the mirror up to the cluster and waits until it has `seq`.
    func catchUp(to seq: UInt64) async throws {
        for _ in 0..<500 {
            writer.catchUp()
            if try store.head() >= seq { return }
            await pause(milliseconds: 10)
        }
        throw StoreError.writerStopped
    }
}

@Suite("A store as a mirror of a cluster's log, in memory and on PostgreSQL")
struct ClusterMirrorTests {
    @Test("two hosts append at once: one order in the cluster, and each mirror equals it after catching up", arguments: ClusterKind.allCases)
    func twoHosts(kind: ClusterKind) async throws {
        let cluster = try kind.make()
        let (a, b) = (try MirrorHost(cluster), try MirrorHost(cluster))
        defer { a.close(); b.close() }
        _ = try await a.writer.append(.register(user: "alice", passwordHash: "h"))
        _ = try await a.writer.append(.createRoom(user: "alice", room: "kkbox", topic: ""))
        _ = try await b.writer.append(.register(user: "bob", passwordHash: "h"))  // b catches up under the lock first
        _ = try await b.writer.append(.join(user: "bob", room: "kkbox"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                let (host, user) = index % 2 == 0 ? (a, "alice") : (b, "bob")
                group.addTask { _ = try await host.writer.append(.post(user: user, room: "kkbox", body: "m\(index)", clientId: "c\(index)")) }
            }
            try await group.waitForAll()
        }
        let log = try cluster.log
        #expect(log.map(\.seq) == Array(1...204))
        for host in [a, b] {
            try await host.catchUp(to: 204)
            #expect(try host.store.events(from: 1, limit: 1000) == log)
            #expect(try host.store.verify().isSound)
            #expect(try host.store.room(named: "kkbox")?.head == 202)
        }
    }

    @Test("the mirrors' maps grow while two hosts append: the writer keeps the cluster's lock, each command's event is appended once", arguments: ClusterKind.allCases)
    func mapGrowth(kind: ClusterKind) async throws {
        let cluster = try kind.make()
        let (a, b) = (try MirrorHost(cluster, mapSizeBytes: 1 << 20), try MirrorHost(cluster, mapSizeBytes: 1 << 20))
        defer { a.close(); b.close() }
        let before = a.store.environment.mapSizeBytes
        _ = try await a.writer.append(.register(user: "alice", passwordHash: "h"))
        _ = try await a.writer.append(.createRoom(user: "alice", room: "big", topic: ""))
        let body = String(repeating: "x", count: 3000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<8 {
                let host = lane % 2 == 0 ? a : b
                group.addTask {
                    for index in 0..<60 { _ = try await host.writer.append(.post(user: "alice", room: "big", body: body, clientId: "l\(lane)-\(index)")) }
                }
            }
            try await group.waitForAll()
        }
        let log = try cluster.log
        #expect(log.map(\.seq) == Array(1...482))
        for host in [a, b] {
            try await host.catchUp(to: 482)
            #expect(try host.store.events(from: 1, limit: 1000) == log)
            #expect(try host.store.verify().isSound)
            #expect(host.store.environment.mapSizeBytes > before)
        }
    }

    @Test("one name registered on two hosts at once: exactly one succeeds", arguments: ClusterKind.allCases)
    func oneName(kind: ClusterKind) async throws {
        let cluster = try kind.make()
        let (a, b) = (try MirrorHost(cluster), try MirrorHost(cluster))
        defer { a.close(); b.close() }
        func register(_ host: MirrorHost) async -> Result<CommandOutcome, any Error> {
            do { return .success(try await host.writer.append(.register(user: "alice", passwordHash: "h"))) } catch { return .failure(error) }
        }
        async let first = register(a)
        async let second = register(b)
        let results = await [first, second]
        #expect(results.filter { if case .success = $0 { true } else { false } }.count == 1)
        #expect(results.contains { if case .failure(RoomlogError.nameTaken) = $0 { true } else { false } })
        #expect(try cluster.log.count == 1)
    }

    @Test("while the cluster cannot be reached, commands fail and nothing is appended; afterwards they succeed")
    func unreachableMemory() async throws {
        let memory = MemoryCluster()
        let host = try MirrorHost(.memory(memory))
        defer { host.close() }
        _ = try await host.writer.append(.register(user: "alice", passwordHash: "h"))
        memory.unreachable = true
        await #expect(throws: MemoryCluster.Unreachable.self) { try await host.writer.append(.register(user: "bob", passwordHash: "h")) }
        #expect(try host.store.head() == 1 && memory.log.count == 1)
        memory.unreachable = false
        #expect(try await host.writer.append(.register(user: "bob", passwordHash: "h")).event?.seq == 2)
        #expect(try host.store.verify().isSound)
    }

    @Test("PostgreSQL stopped: commands fail at once with clusterUnavailable and nothing is appended; started again, they succeed")
    func unreachablePostgres() async throws {
        let server = try TestPostgres.Server()
        defer { server.close() }
        let host = try MirrorHost(.postgres(try ClusterAddress(server.address)))
        defer { host.close() }
        _ = try await host.writer.append(.register(user: "alice", passwordHash: "h"))
        try server.stop()
        let refused = await #expect(throws: StoreError.self) { try await host.writer.append(.register(user: "bob", passwordHash: "h")) }
        guard case .clusterUnavailable? = refused else { return #expect(Bool(false), "\(String(describing: refused))") }
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) { try await host.writer.append(.register(user: "carol", passwordHash: "h")) }
        #expect(ContinuousClock.now - started < .milliseconds(1000), "refused at once, not after a connect timeout (2 s)")
        #expect(try host.store.head() == 1)
        try server.start()
        await pause(milliseconds: 1100)
        #expect(try await host.writer.append(.register(user: "bob", passwordHash: "h")).event?.seq == 2)
        #expect(try host.store.verify().isSound)
    }

    @Test("a cluster that lost its last batch (a failover to a lagging standby): the mirror ahead of it appends nothing after the gap, and the lock is free")
    func lostBatch() async throws {
        let database = try TestPostgres.newDatabase()
        let address = try ClusterAddress(database)
        let host = try MirrorHost(.postgres(address))
        defer { host.close() }
        for user in ["alice", "bob"] { _ = try await host.writer.append(.register(user: user, passwordHash: "h")) }
        try TestPostgres.psql(address: database, "DELETE FROM roomlog_batches WHERE first_seq = 2")
        let refused = await #expect(throws: StoreError.self) { try await host.writer.append(.register(user: "carol", passwordHash: "h")) }
        guard case .clusterUnavailable(let reason)? = refused else { return #expect(Bool(false), "\(String(describing: refused))") }
        #expect(reason.contains("moved past 2"), "\(reason)")
        #expect(try TestCluster.postgres(address).log.map(\.seq) == [1])
        let probe = ClusterConnection(address: address, logger: Logger(label: "test"))
        defer { probe.close() }
        var free = false
        for _ in 0..<100 where !free {  // PostgreSQL frees it when the closed connection's backend has ended
            free = try probe.run("SELECT pg_try_advisory_lock(\(ClusterSchema.appendLock))").first?.decode(Bool.self) == true
            if !free { await pause(milliseconds: 20) }
        }
        #expect(free)
    }

    @Test("a catch-up applies the events a notification carried without reading the cluster; offered events that do not follow the mirror's head are read instead")
    func offeredEvents() async throws {
        let memory = MemoryCluster()
        let (a, b) = (try MirrorHost(.memory(memory)), try MirrorHost(.memory(memory)))
        defer { a.close(); b.close() }
        for user in ["alice", "bob", "carol"] { _ = try await a.writer.append(.register(user: user, passwordHash: "h")) }
        let log = memory.log
        memory.unreachable = true  // from here on, only what is offered can be applied
        b.writer.catchUp(through: 2, offering: Array(log[1...1]))  // event 2 alone does not follow b's head (0)
        await pause(milliseconds: 100)
        #expect(try b.store.head() == 0)
        b.writer.catchUp(through: 2, offering: Array(log[0...1]))
        b.writer.catchUp(through: 3, offering: Array(log[2...2]))
        for _ in 0..<100 where try b.store.head() < 3 { await pause(milliseconds: 10) }
        #expect(try b.store.events(from: 1, limit: 10) == log)
        #expect(try b.store.verify().isSound)
    }

    @Test("a host that only follows catches up with the cluster and wakes its tailers", arguments: ClusterKind.allCases)
    func follower(kind: ClusterKind) async throws {
        let cluster = try kind.make()
        let (a, b) = (try MirrorHost(cluster), try MirrorHost(cluster))
        defer { a.close(); b.close() }
        final class Seen: @unchecked Sendable {
            let lock = NSLock()
            var seqs: [UInt64] = []
        }
        let seen = Seen()
        let follower = try LogFollower(store: b.store, from: 1, onBatch: { batch in seen.lock.withLock { seen.seqs += batch.map(\.seq) } }, onEnd: { _ in })
        defer { follower.stop() }
        for index in 0..<5 { _ = try await a.writer.append(.register(user: "u\(index)", passwordHash: "h")) }
        try await b.catchUp(to: 5)
        for _ in 0..<200 where seen.lock.withLock({ seen.seqs.count }) < 5 { await pause(milliseconds: 10) }
        #expect(seen.lock.withLock { seen.seqs } == [1, 2, 3, 4, 5])
        #expect(try b.store.user(named: "u4") != nil)
    }
}
