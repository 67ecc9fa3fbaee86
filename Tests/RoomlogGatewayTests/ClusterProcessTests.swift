import Foundation
import Glibc
import Testing
import RoomlogTestSupport

/// Three hosts (gateways on three data directories) on one PostgreSQL, as `roomlog serve --cluster` runs them.
final class ClusterHosts: @unchecked Sendable {
    let cluster: String
    let directories: [String]
    var hosts: [GatewayProcess]

    /// Starts `count` hosts on a new database of the test PostgreSQL (or on `cluster`).
    init(count: Int = 3, cluster: String? = nil, arguments: [String] = []) async throws {
        self.cluster = try cluster ?? TestPostgres.newDatabase()
        directories = (0..<count).map { _ in temporaryDataDirectory() }
        hosts = []
        for directory in directories { hosts.append(try await GatewayProcess(data: directory, arguments: ["--cluster", self.cluster] + arguments)) }
    }

    /// Restarts host `index` on its directory.
    func restart(_ index: Int, arguments: [String] = []) async throws {
        hosts[index] = try await GatewayProcess(data: directories[index], arguments: ["--cluster", cluster] + arguments)
    }

    /// `roomlog verify --cluster` of every host's mirror: each line of output, and whether all passed.
    func verify() async throws -> [String] {
        var failures: [String] = []
        for directory in directories {
            let result = try await run("roomlog", ["verify", "--data", directory, "--cluster", cluster])
            if result.status != 0 { failures.append(result.errors) }
        }
        return failures
    }

    func stop() async {
        for host in hosts { _ = try? await host.stop() }
        for directory in directories { try? FileManager.default.removeItem(atPath: directory) }
    }
}

@Suite("Hosts of a cluster on PostgreSQL", .serialized)
struct ClusterProcessTests {
    @Test("three hosts: a token minted on A works on B at once; a message sent on A reaches B and C; logout on A closes C's socket with 4001; every mirror equals the cluster")
    func threeHosts() async throws {
        let cluster = try await ClusterHosts()
        let (a, b, c) = (cluster.hosts[0], cluster.hosts[1], cluster.hosts[2])
        let alice = try await a.user("alice")
        #expect(try await b.call("GET", "/api/v1/me", token: alice).status == 200)
        #expect(try await b.call("POST", "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice).status == 201)
        let bob = try await c.user("bob")
        #expect(try await c.call("POST", "/api/v1/rooms/kkbox/join", token: bob).status == 200)
        let closing = try await Socket.open(port: c.port, token: bob) { onC in
            _ = try await onC.expect()
            try await onC.send(#"{"type":"subscribe","room":"kkbox"}"#)
            _ = try await onC.expect()
            try await Socket.open(port: b.port, token: alice) { onB in
                _ = try await onB.expect()
                try await onB.send(#"{"type":"subscribe","room":"kkbox"}"#)
                _ = try await onB.expect()
                let sent = try await a.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"from a","id":"x1"}"#, token: alice)
                #expect(sent.status == 201)
                for socket in [onB, onC] {
                    let event = try #require((try await socket.expect())["event"] as? [String: Any])
                    #expect(event["body"] as? String == "from a" && event["seq"] as? Int == sent.json["seq"] as? Int)
                }
            }
            #expect(try await a.call("POST", "/api/v1/logout", token: bob).status == 204)
            while try await onC.next() != nil {}
        }
        #expect(closing == 4001)
        await pause(milliseconds: 200)
        #expect(try await cluster.verify() == [])
        await cluster.stop()
    }

    @Test("one name registered on two hosts at once: exactly one 201")
    func oneName() async throws {
        let cluster = try await ClusterHosts(count: 2)
        for round in 0..<5 {
            let body = #"{"name":"same\#(round)","password":"long enough"}"#
            async let first = cluster.hosts[0].call("POST", "/api/v1/register", body)
            async let second = cluster.hosts[1].call("POST", "/api/v1/register", body)
            let statuses = try await [first.status, second.status].sorted()
            #expect(statuses == [201, 409], "round \(round)")
        }
        await cluster.stop()
    }

    @Test("SIGKILL a host's gateway during load, three times: every acknowledged message is in every mirror once, and the mirrors equal the cluster")
    func killedHost() async throws {
        let cluster = try await ClusterHosts(count: 2, arguments: ["--sends-per-second", "100000", "--send-burst", "100000"])
        let alice = try await cluster.hosts[0].user("alice")
        _ = try await cluster.hosts[0].call("POST", "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice)
        var acknowledged: Set<Int> = []
        var index = 0
        for round in 0..<3 {
            let victim = cluster.hosts[0]
            let killAt = index + 20 + round * 7
            while true {
                if index == killAt { victim.child.kill() }
                guard let answer = try? await victim.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"m\#(index)","id":"m\#(index)"}"#, token: alice),
                      answer.status == 201 else { break }
                acknowledged.insert(index)
                index += 1
            }
            _ = try await victim.child.waitForExit()
            try await cluster.restart(0, arguments: ["--sends-per-second", "100000", "--send-burst", "100000"])
            index += 1  // the message in flight at the kill may or may not be in the log; it is not counted
        }
        await pause(milliseconds: 300)
        for host in cluster.hosts {
            let history = try await host.call("GET", "/api/v1/rooms/kkbox/events?limit=500", token: alice)
            let ids = (history.json["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids.count == Set(ids).count, "no message twice")
            for acked in acknowledged { #expect(ids.contains("m\(acked)"), "m\(acked) acknowledged") }
        }
        #expect(try await cluster.verify() == [])
        await cluster.stop()
    }

    @Test("SIGKILL a host while its writer holds the cluster's append lock (as PostgreSQL shows it): the other host appends at once after, and nothing acknowledged is lost")
    func killedHoldingLock() async throws {
        let limits = ["--sends-per-second", "100000", "--send-burst", "100000"]
        let cluster = try await ClusterHosts(count: 2, arguments: limits)
        let (victim, other) = (cluster.hosts[0], cluster.hosts[1])
        let alice = try await victim.user("alice")
        _ = try await victim.call("POST", "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice)
        // Eight senders keep the victim's writer busy, so it keeps the lock across batches; each stops at its first
        // failure (the kill) or after 2,000 messages.
        let load = Task {
            try await withThrowingTaskGroup(of: [String].self) { group in
                for lane in 0..<8 {
                    group.addTask {
                        var acked: [String] = []
                        for index in 0..<2000 {
                            let id = "l\(lane)-\(index)"
                            guard let answer = try? await victim.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"\#(id)","id":"\#(id)"}"#, token: alice),
                                  answer.status == 201 else { break }
                            acked.append(id)
                        }
                        return acked
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        let holder = """
            SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
            WHERE l.locktype = 'advisory' AND l.granted AND (l.classid::bigint << 32 | l.objid::bigint) = \(0x526F_6F6D_6C6F_6701 as Int64)
            """
        let victimWriter = "roomlog writer pid \(victim.child.process.processIdentifier) "
        for _ in 0..<1000 {  // a few hundred messages in first
            let room = try await victim.call("GET", "/api/v1/rooms/kkbox", token: alice)
            if (room.json["room"] as? [String: Any])?["head"] as? Int ?? 0 >= 300 { break }
            await pause(milliseconds: 10)
        }
        var held = false
        for _ in 0..<500 where !held {
            held = try TestPostgres.query(address: cluster.cluster, holder).hasPrefix(victimWriter)
            if !held { await pause(milliseconds: 2) }
        }
        #expect(held, "the victim's writer was seen holding the lock")
        victim.child.kill()
        let acknowledged = try await load.value
        #expect(acknowledged.count >= 300 && acknowledged.count < 8 * 2000, "killed during the load (\(acknowledged.count) acknowledged)")
        _ = try await victim.child.waitForExit()
        let started = ContinuousClock.now
        let after = try await other.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"after","id":"after"}"#, token: alice)
        #expect(after.status == 201)
        #expect(ContinuousClock.now - started < .seconds(2), "the lock went with the killed writer's connection")
        try await cluster.restart(0, arguments: limits)
        await pause(milliseconds: 300)
        for host in cluster.hosts {
            var ids: [String] = []
            var after = 0
            while true {
                let page = try await host.call("GET", "/api/v1/rooms/kkbox/events?after=\(after)&limit=500", token: alice)
                let events = page.json["events"] as? [[String: Any]] ?? []
                ids += events.compactMap { $0["id"] as? String }
                guard events.count == 500, let last = events.last?["roomSeq"] as? Int else { break }
                after = last
            }
            #expect(ids.count == Set(ids).count, "no message twice")
            #expect(Set(acknowledged).subtracting(ids).isEmpty, "every acknowledged message is there")
            #expect(ids.contains("after"))
        }
        #expect(try await cluster.verify() == [])
        await cluster.stop()
    }

    @Test("PostgreSQL stopped for 5 s during load: sends get 503, reads continue, sends resume, nothing acknowledged is lost")
    func databaseDown() async throws {
        let server = try TestPostgres.Server()
        defer { server.close() }
        try server.psql("CREATE DATABASE roomlog")
        // A send every 20 ms or so outruns the default 20 a second: without these, the last send may get 429.
        let cluster = try await ClusterHosts(count: 2, cluster: server.address(database: "roomlog"),
                                             arguments: ["--sends-per-second", "100000", "--send-burst", "100000"])
        let (a, b) = (cluster.hosts[0], cluster.hosts[1])
        let alice = try await a.user("alice")
        _ = try await a.call("POST", "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice)
        var acknowledged: [String] = []
        var statuses: [Int: Int] = [:]
        var readsDuringOutage = 0
        let start = ContinuousClock.now
        var stopped = false
        var restarted = false
        var index = 0
        while ContinuousClock.now - start < .seconds(9) {
            let elapsed = ContinuousClock.now - start
            if !stopped, elapsed > .seconds(1) { try server.stop(); stopped = true }
            if stopped, !restarted, elapsed > .seconds(6) { try server.start(); restarted = true }
            let answer = try await a.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"m\#(index)","id":"m\#(index)"}"#, token: alice)
            statuses[answer.status, default: 0] += 1
            if answer.status == 201 { acknowledged.append("m\(index)") }
            if stopped, !restarted, try await b.call("GET", "/api/v1/rooms/kkbox/events?limit=5", token: alice).status == 200 { readsDuringOutage += 1 }
            index += 1
            await pause(milliseconds: 20)
        }
        #expect(statuses[503, default: 0] > 0, "\(statuses)")
        #expect(Set(statuses.keys).isSubset(of: [201, 503]), "\(statuses)")
        #expect(readsDuringOutage > 0)
        let last = try await a.call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"after","id":"after"}"#, token: alice)
        #expect(last.status == 201, "sends resume")
        await pause(milliseconds: 300)
        for host in cluster.hosts {
            let history = try await host.call("GET", "/api/v1/rooms/kkbox/events?limit=500", token: alice)
            let ids = Set((history.json["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
            for id in acknowledged { #expect(ids.contains(id), "\(id) acknowledged") }
        }
        #expect(try await cluster.verify() == [])
        await cluster.stop()
    }

    @Test("a mirror directory deleted is rebuilt from the cluster, equal to the others")
    func deletedMirror() async throws {
        let cluster = try await ClusterHosts(count: 2)
        let alice = try await cluster.hosts[0].user("alice")
        _ = try await cluster.hosts[0].call("POST", "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice)
        for index in 0..<20 { _ = try await cluster.hosts[0].call("POST", "/api/v1/rooms/kkbox/messages", #"{"body":"m\#(index)"}"#, token: alice) }
        _ = try await cluster.hosts[1].stop()
        try FileManager.default.removeItem(atPath: cluster.directories[1])
        try await cluster.restart(1)
        await pause(milliseconds: 500)
        let history = try await cluster.hosts[1].call("GET", "/api/v1/rooms/kkbox/events?limit=100", token: alice)
        #expect((history.json["events"] as? [[String: Any]])?.count == 21)
        #expect(try await cluster.verify() == [])
        await cluster.stop()
    }

    @Test("a wrong address, a database of a newer schema, and another cluster's mirror: exit 1 with a clear error, nothing written")
    func badInput() async throws {
        let empty = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let wrong = try await run("roomlog", ["serve", "--data", empty, "--port", "0", "--cluster", "http://localhost/x"])
        #expect(wrong.status == 1 && wrong.errors.contains("bad cluster address"))
        let refused = try await run("roomlog", ["serve", "--data", empty, "--port", "0", "--cluster", "postgres://postgres@127.0.0.1:1/x"])
        #expect(refused.status == 1 && refused.errors.contains("cannot be reached"))
        #expect(!FileManager.default.fileExists(atPath: empty))
        let newer = try TestPostgres.newDatabase()
        let name = String(newer.split(separator: "/").last!)
        try TestPostgres.psql(name, "CREATE TABLE roomlog_meta (key text PRIMARY KEY, value text NOT NULL); INSERT INTO roomlog_meta VALUES ('schema', '99')")
        let schema = try await run("roomlog", ["serve", "--data", empty, "--port", "0", "--cluster", newer])
        #expect(schema.status == 1 && schema.errors.contains("schema is version 99"))
        #expect(!FileManager.default.fileExists(atPath: empty))
        let first = try await ClusterHosts(count: 1)
        _ = try await first.hosts[0].user("alice")
        _ = try await first.hosts[0].stop()
        let other = try TestPostgres.newDatabase()
        let foreign = try await run("roomlog", ["serve", "--data", first.directories[0], "--port", "0", "--cluster", other])
        #expect(foreign.status == 1 && foreign.errors.contains("epoch"))
        let embedded = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: embedded) }
        _ = try await run("roomlog", ["import", "--data", embedded, URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("data/sample.jsonl.gz").path])
        let local = try await run("roomlog", ["serve", "--data", embedded, "--port", "0", "--cluster", other])
        #expect(local.status == 1 && local.errors.contains("epoch"))
        await first.stop()
    }
}
