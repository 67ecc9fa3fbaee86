import ArgumentParser
import Foundation
import RoomlogAuth
import RoomlogCore
import RoomlogStore
import RoomlogTools

/// Writes the committed sample export: a few rooms, a few hundred events, a conversation in several languages.
/// Every sample user's password is `roomlog-demo`.
struct SampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sample", abstract: "Write the sample export (data/sample.jsonl.gz).")

    @Option(help: "The export file to write.") var out = "data/sample.jsonl.gz"

    static let users = ["alice", "bob", "chen", "dana", "emi", "felix"]
    static let rooms: [(name: String, topic: String, creator: String, members: [String])] = [
        ("lobby", "say hello", "alice", ["bob", "chen", "dana", "emi", "felix"]),
        ("kkbox", "肚子餓了吃啥", "chen", ["alice", "dana"]),
        ("paris", "on se retrouve où ?", "felix", ["alice", "emi"]),
        ("dev", "builds, logs, 3 a.m.", "dana", ["bob", "emi", "chen"]),
    ]
    static let lines: [String: [(String, String)]] = [
        "lobby": [("alice", "hello everyone 👋"), ("bob", "hi alice!"), ("chen", "大家好"), ("dana", "morning"), ("emi", "おはようございます"),
                  ("felix", "salut tout le monde"), ("alice", "welcome to roomlog, every line here is an event in one log"),
                  ("bob", "so if I leave and come back I get everything I missed?"), ("alice", "yes: subscribe with your last roomSeq"),
                  ("emi", "すごい"), ("chen", "順序是由日誌決定的，不是時鐘"), ("dana", "no clocks deciding order, love it")],
        "kkbox": [("chen", "肚子餓了吃啥 ?"), ("alice", "牛肉麵?"), ("dana", "ramen again?"), ("chen", "好啊，牛肉麵"),
                  ("alice", "我要加辣"), ("dana", "I'll take the small one"), ("chen", "12點樓下見")],
        "paris": [("felix", "on se retrouve où ?"), ("emi", "à la gare ?"), ("alice", "je peux venir à 19h"), ("felix", "parfait, gare de Lyon"),
                  ("emi", "d'accord 🙂"), ("felix", "n'oubliez pas les billets")],
        "dev": [("dana", "deploying gateway 2"), ("bob", "tail says head is moving"), ("emi", "ログを確認します"), ("chen", "verify passed"),
                ("dana", "rebuild took 3 s on the big log"), ("bob", "line one\nline two of a long message"), ("emi", "了解です")],
    ]

    func run() async throws {
        let directory = try temporaryDirectory("sample")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(configuration: StoreConfiguration(directory: directory))
        let writer = LogWriter(store: store)
        var authConfiguration = AuthConfiguration()
        authConfiguration.bcryptCost = 10
        let accounts = try Accounts(store: store, writer: writer, configuration: authConfiguration)
        var sessions: [String: SessionToken] = [:]
        for user in Self.users {
            _ = try await accounts.register(name: user, password: "roomlog-demo")
            sessions[user] = try await accounts.login(name: user, password: "roomlog-demo").token
        }
        for room in Self.rooms {
            _ = try await writer.append(.createRoom(user: room.creator, room: room.name, topic: room.topic))
            for member in room.members { _ = try await writer.append(.join(user: member, room: room.name)) }
        }
        var counter = 0
        for round in 0..<9 {
            if round == 5 { _ = try await writer.append(.join(user: "bob", room: "dev")) }
            for room in Self.rooms {
                for (user, text) in Self.lines[room.name]! {
                    counter += 1
                    let body = round == 0 ? text : "\(text) (\(round + 1))"
                    _ = try await writer.append(.post(user: user, room: room.name, body: body, clientId: "\(user)-\(counter)"))
                }
            }
            if round == 4 { _ = try await writer.append(.leave(user: "bob", room: "dev")) }
        }
        _ = try await accounts.logout(sessions["felix"]!)
        writer.stop()
        let report = try Exporter.export(store, to: out)
        print("wrote \(report.events) events to \(out)")
    }
}
