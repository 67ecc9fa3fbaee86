import Foundation
import Testing
import Hummingbird
@testable import RoomlogGateway
import RoomlogTestSupport
import RoomlogCore
import RoomlogStore

@Suite("WebSocket messaging")
struct WebSocketTests {
    @Test("hello, subscribe after 0, send with ack; another member gets the same seq and roomSeq")
    func delivery() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let alice = try await client.user("alice")
            let bob = try await client.user("bob")
            try await client.call(.post, "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice)
            try await Socket.open(port: port, token: bob) { b in
                let hello = try await b.expect()
                #expect(hello["type"] as? String == "hello" && hello["user"] as? String == "bob")
                #expect(hello["epoch"] as? String == gateway.store.epoch)
                try await b.send(#"{"type":"join","room":"kkbox"}"#)
                let joined = try await b.expect()
                #expect(joined["type"] as? String == "joined" && joined["head"] as? Int == 2)
                try await Socket.open(port: port, token: alice) { a in
                    #expect((try await a.expect())["rooms"] as? [String: Int] == ["kkbox": 2])
                    try await a.send(#"{"type":"subscribe","room":"kkbox","after":0}"#)
                    let subscribed = try await a.expect()
                    #expect(subscribed["type"] as? String == "subscribed" && subscribed["recovered"] as? Bool == true && subscribed["head"] as? Int == 2)
                    #expect(((try await a.expect())["event"] as? [String: Any])?["type"] as? String == "room.created")
                    #expect(((try await a.expect())["event"] as? [String: Any])?["type"] as? String == "room.joined")
                    try await a.send(#"{"type":"send","room":"kkbox","body":"肚子餓了吃啥 ?","id":"c-19"}"#)
                    var ack: [String: Any] = [:]
                    var own: [String: Any] = [:]
                    for _ in 0..<2 {
                        let frame = try await a.expect()
                        if frame["type"] as? String == "ack" { ack = frame } else { own = frame["event"] as? [String: Any] ?? [:] }
                    }
                    #expect(ack["id"] as? String == "c-19" && ack["room"] as? String == "kkbox" && ack["roomSeq"] as? Int == 3)
                    #expect(own["body"] as? String == "肚子餓了吃啥 ?")
                    let delivered = try #require((try await b.expect())["event"] as? [String: Any])
                    #expect(delivered["seq"] as? Int == ack["seq"] as? Int && delivered["roomSeq"] as? Int == 3 && delivered["user"] as? String == "alice")
                    try await a.send(#"{"type":"send","room":"kkbox","body":"another body","id":"c-19"}"#)
                    let repeated = try await a.expect()
                    #expect(repeated["type"] as? String == "ack" && repeated["seq"] as? Int == ack["seq"] as? Int)
                }
            }
        }
    }

    @Test("the order of 200 quick sends is kept for the sender's acks and for another member")
    func order() async throws {
        let gateway = try GatewayHarness { $0.sendBurstMessages = 500; $0.sendsPerSecond = 1000 }
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let tokens = try await client.room("kkbox", owner: "alice", members: ["bob"])
            let (alice, bob) = (tokens[0], tokens[1])
            try await Socket.open(port: port, token: bob) { b in
                _ = try await b.expect()
                try await b.send(#"{"type":"subscribe","room":"kkbox"}"#)
                _ = try await b.expect()
                try await Socket.open(port: port, token: alice) { a in
                    _ = try await a.expect()
                    for index in 0..<200 { try await a.send(#"{"type":"send","room":"kkbox","body":"m\#(index)","id":"i\#(index)"}"#) }
                    var acked: [Int] = []
                    while acked.count < 200 {
                        let frame = try await a.expect()
                        if frame["type"] as? String == "ack" { acked.append(frame["roomSeq"] as? Int ?? -1) }
                    }
                    #expect(acked == Array(3..<203))
                }
                var bodies: [String] = []
                while bodies.count < 200 {
                    let event = try #require((try await b.expect())["event"] as? [String: Any])
                    bodies.append(event["body"] as? String ?? "")
                }
                #expect(bodies == (0..<200).map { "m\($0)" })
            }
        }
    }

    @Test("200 subscribers of one room (past a hub's flushes per task) get 30 quick sends each, every one once, in order", .timeLimit(.minutes(1)))
    func manySubscribers() async throws {
        let subscribers = 200, messages = 30
        #expect(subscribers / 2 > Hub.flushesPerTask, "more subscribers per loop than one flush task takes")
        let gateway = try GatewayHarness { $0.sendBurstMessages = 100; $0.sendsPerSecond = 1000; $0.socketsPerSessionMax = subscribers }
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let tokens = try await client.room("kkbox", owner: "alice", members: ["bob"])
            // Opens the sockets one inside the other; the innermost sends, then every one reads what it got.
            @Sendable func open(_ opened: [Socket]) async throws {
                guard opened.count == subscribers else {
                    try await Socket.open(port: port, token: tokens[1]) { socket in
                        try await socket.subscribe("kkbox")
                        try await open(opened + [socket])
                    }
                    return
                }
                try await Socket.open(port: port, token: tokens[0]) { alice in
                    _ = try await alice.expect()
                    for index in 0..<messages { try await alice.send(#"{"type":"send","room":"kkbox","body":"m\#(index)","id":"many\#(index)"}"#) }
                    var acks = 0
                    while acks < messages { if try await alice.expect()["type"] as? String == "ack" { acks += 1 } }
                }
                try await withThrowingTaskGroup(of: [String].self) { group in
                    for socket in opened {
                        group.addTask {
                            var bodies: [String] = []
                            while bodies.count < messages {
                                let frame = try await socket.expect()
                                if let event = frame["event"] as? [String: Any] { bodies.append(event["body"] as? String ?? "") }
                            }
                            return bodies
                        }
                    }
                    var readers = 0
                    for try await bodies in group {
                        #expect(bodies == (0..<messages).map { "m\($0)" })
                        readers += 1
                    }
                    #expect(readers == subscribers)
                }
            }
            try await open([])
        }
    }

    @Test("every bad frame gets its error frame and the connection stays open")
    func errors() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let alice = try await client.user("alice")
            let bob = try await client.user("bob")
            try await client.call(.post, "/api/v1/rooms", #"{"name":"kkbox"}"#, token: bob)
            try await client.call(.post, "/api/v1/rooms", #"{"name":"mine"}"#, token: alice)
            try await Socket.open(port: port, token: alice) { a in
                _ = try await a.expect()
                let cases: [(String, String)] = [
                    ("not json", "bad_frame"), (#"{"room":"kkbox"}"#, "bad_frame"), (#"{"type":"dance"}"#, "bad_frame"),
                    (#"{"type":"send","room":"mine","body":"x"}"#, "bad_frame"), (#"{"type":"subscribe","room":7}"#, "bad_frame"),
                    (#"{"type":"subscribe","room":"mine","after":-1}"#, "bad_frame"),
                    (#"{"type":"send","room":"mine","body":"","id":"a"}"#, "invalid_body"),
                    (#"{"type":"send","room":"mine","body":"x\ud800","id":"a"}"#, "invalid_body"),
                    (#"{"type":"send","room":"mine","body":"x","id":""}"#, "invalid_id"),
                    (#"{"type":"send","room":"nowhere","body":"x","id":"b"}"#, "room_not_found"),
                    (#"{"type":"subscribe","room":"nowhere"}"#, "room_not_found"),
                    (#"{"type":"join","room":"nowhere"}"#, "room_not_found"),
                    (#"{"type":"send","room":"kkbox","body":"x","id":"c"}"#, "not_a_member"),
                    (#"{"type":"subscribe","room":"kkbox"}"#, "not_a_member"),
                ]
                for (frame, code) in cases {
                    try await a.send(frame)
                    let error = try await a.expect()
                    #expect(error["type"] as? String == "error" && error["code"] as? String == code, "\(frame)")
                }
                try await a.send(#"{"type":"send","room":"mine","body":"x","id":"ok1"}"#)
                let ack = try await a.expect()
                #expect(ack["type"] as? String == "ack")
            }
        }
    }

    @Test("a session over its message rate gets rate_limited and stays connected")
    func rateLimit() async throws {
        let gateway = try GatewayHarness { $0.sendBurstMessages = 2; $0.sendsPerSecond = 0.01 }
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let alice = try await client.user("alice")
            try await client.call(.post, "/api/v1/rooms", #"{"name":"mine"}"#, token: alice)
            try await Socket.open(port: port, token: alice) { a in
                _ = try await a.expect()
                for index in 0..<2 {
                    try await a.send(#"{"type":"send","room":"mine","body":"x","id":"ok\#(index)"}"#)
                    let ack = try await a.expect()
                    #expect(ack["type"] as? String == "ack")
                }
                try await a.send(#"{"type":"send","room":"mine","body":"x","id":"over"}"#)
                let limited = try await a.expect()
                #expect(limited["code"] as? String == "rate_limited" && limited["id"] as? String == "over")
                try await a.send(#"{"type":"unsubscribe","room":"mine"}"#)
                let answer = try await a.expect()
                #expect(answer["type"] as? String == "unsubscribed")
            }
        }
    }

    @Test("a client that goes away without a close frame has its socket closed by the server")
    func halfClosed() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let tokens = try await client.room("kkbox", owner: "alice", members: [])
            let raw = try RawSocket(port: port, token: tokens[0])
            try raw.send(#"{"type":"subscribe","room":"kkbox"}"#)
            raw.shutdownWriting()
            #expect(raw.serverCloses())
        }
    }

    @Test("a reader that never reads is closed with 1013 while a fast reader in the same room gets everything")
    func slowReader() async throws {
        // The slow reader reads only at the end: the close timeout must outlast the run, or its connection is
        // dropped (as it should be) before its close frame gets through.
        let gateway = try GatewayHarness {
            $0.outboxBytesMax = 8192; $0.socketSendBufferBytes = 4096; $0.sendBurstMessages = 1000; $0.sendsPerSecond = 1000
            $0.closeTimeoutMilliseconds = 120_000
        }
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let tokens = try await client.room("kkbox", owner: "alice", members: ["bob"])
            let (alice, bob) = (tokens[0], tokens[1])
            let slow = try RawSocket(port: port, token: bob)
            try slow.send(#"{"type":"subscribe","room":"kkbox"}"#)
            let body = String(repeating: "b", count: 200)
            try await Socket.open(port: port, token: alice) { fast in
                _ = try await fast.expect()
                try await fast.send(#"{"type":"subscribe","room":"kkbox"}"#)
                _ = try await fast.expect()
                let poster = Task {
                    for index in 0..<600 { try await client.call(.post, "/api/v1/rooms/kkbox/messages", #"{"body":"\#(index) \#(body)"}"#, token: alice) }
                }
                var received = 0
                while received < 600 {
                    let frame = try await fast.expect()
                    if frame["type"] as? String == "event" { received += 1 }
                }
                #expect(received == 600)
                try await poster.value
            }
            #expect(slow.readCloseCode() == 1013)
        }
    }

    @Test("a message's durable path is timed in each of its eight stages at /metrics")
    func stagesTimed() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let tokens = try await client.room("kkbox", owner: "alice", members: ["bob"])
            try await Socket.open(port: port, token: tokens[1]) { b in
                try await b.subscribe("kkbox")
                try await Socket.open(port: port, token: tokens[0]) { a in
                    _ = try await a.expect()
                    try await a.send(#"{"type":"send","room":"kkbox","body":"timed","id":"t1"}"#)
                    #expect(try await a.expect()["type"] as? String == "ack")
                }
                #expect(try await b.expect()["type"] as? String == "event")
            }
            let metrics = try await client.call(.get, "/metrics").text
            for stage in ["frame_read", "writer_queue", "transaction", "data_flush", "completion", "follower_wakeup", "hub_delivery", "socket_flush"] {
                let count = metrics.split(separator: "\n").first { $0.hasPrefix(#"roomlog_durable_path_stage_seconds_count{stage="\#(stage)"}"#) }
                #expect(Double(count?.split(separator: " ").last ?? "") ?? 0 >= 1, "\(stage)")
            }
        }
    }

    @Test("batch=1: 200 quick sends reach a batch subscriber in events frames, every roomSeq once in order; a plain one gets event frames; a catch-up comes in events frames")
    func batchedFrames() async throws {
        let gateway = try GatewayHarness { $0.sendBurstMessages = 500; $0.sendsPerSecond = 1000; $0.frameBytesMax = 2048 }
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let tokens = try await client.room("kkbox", owner: "alice", members: ["bob", "carol"])
            /// The roomSeqs of `count` message events and the number of frames that brought them.
            @Sendable func read(_ socket: Socket, _ count: Int) async throws -> (roomSeqs: [Int], frames: [String: Int], largest: Int) {
                var roomSeqs: [Int] = [], frames: [String: Int] = [:], largest = 0
                while roomSeqs.count < count {
                    let frame = try await socket.expect()
                    let type = frame["type"] as? String ?? ""
                    guard type == "event" || type == "events" else { continue }
                    frames[type, default: 0] += 1
                    let records = type == "events" ? frame["events"] as? [[String: Any]] ?? [] : [frame["event"] as? [String: Any] ?? [:]]
                    largest = max(largest, records.count)
                    roomSeqs += records.compactMap { $0["roomSeq"] as? Int }
                }
                return (roomSeqs, frames, largest)
            }
            try await Socket.open(port: port, token: tokens[1], query: "?batch=1") { batched in
                try await batched.subscribe("kkbox")
                try await Socket.open(port: port, token: tokens[2]) { plain in
                    try await plain.subscribe("kkbox")
                    try await Socket.open(port: port, token: tokens[0]) { a in
                        _ = try await a.expect()
                        for index in 0..<200 { try await a.send(#"{"type":"send","room":"kkbox","body":"m\#(index)","id":"i\#(index)"}"#) }
                    }
                    let live = try await read(batched, 200)
                    #expect(live.roomSeqs == Array(4..<204))
                    #expect(live.frames["events", default: 0] >= 1 && live.frames["events", default: 0] < 200)
                    let each = try await read(plain, 200)
                    #expect(each.roomSeqs == Array(4..<204) && each.frames == ["event": 200])
                }
            }
            // A catch-up from the start: the room's creation, two joins and 200 messages, many to a frame.
            try await Socket.open(port: port, token: tokens[1], query: "?batch=1") { batched in
                _ = try await batched.expect()
                try await batched.send(#"{"type":"subscribe","room":"kkbox","after":0}"#)
                _ = try await batched.expect()
                let caughtUp = try await read(batched, 203)
                #expect(caughtUp.roomSeqs == Array(1..<204))
                #expect(caughtUp.frames["event"] == nil && caughtUp.largest > 10)
            }
        }
    }

    @Test("permessage-deflate: negotiated without context takeover; compressed clients and plain ones get the same events")
    func deflate() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let tokens = try await client.room("kkbox", owner: "alice", members: ["bob", "carol"])
            let raw = try RawSocket(port: port, token: tokens[2], extraHeaders: "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")
            #expect(raw.handshake.lowercased().contains("sec-websocket-extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover"))
            let body = String(repeating: "compress me ", count: 40)
            try await Socket.open(port: port, token: tokens[1]) { plain in
                _ = try await plain.expect()
                try await plain.send(#"{"type":"subscribe","room":"kkbox"}"#)
                _ = try await plain.expect()
                try await Socket.open(port: port, token: tokens[0], deflate: true) { compressed in
                    let hello = try await compressed.expect()
                    #expect(hello["type"] as? String == "hello")
                    try await compressed.send(#"{"type":"subscribe","room":"kkbox"}"#)
                    _ = try await compressed.expect()
                    try await compressed.send(#"{"type":"send","room":"kkbox","body":"\#(body)","id":"z1"}"#)
                    var bodies: [String] = []
                    for _ in 0..<2 {
                        let frame = try await compressed.expect()
                        if let event = frame["event"] as? [String: Any] { bodies.append(event["body"] as? String ?? "") }
                    }
                    #expect(bodies == [body])
                }
                let event = try await plain.expect()["event"] as? [String: Any]
                #expect(event?["body"] as? String == body)
            }
        }
    }

    @Test("a message over 16,384 bytes (after inflation, when compressed) closes the connection with 1009", arguments: [false, true])
    func tooLarge(deflate: Bool) async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let alice = try await client.user("alice")
            let code = try await Socket.open(port: port, token: alice, deflate: deflate) { socket in
                _ = try await socket.expect()
                try await socket.send(#"{"type":"send","room":"x","id":"big","body":""# + String(repeating: "x", count: 20_000) + #""}"#)
                while try await socket.next() != nil {}
            }
            #expect(code == 1009)
        }
    }

    @Test("a resumed subscriber gets exactly the 50 messages it missed, in order, then live ones, while others keep sending")
    func resume() async throws {
        // Pages of 7 events, so the catch-up goes live at a page boundary while the live sends arrive.
        let gateway = try GatewayHarness { $0.sendBurstMessages = 1000; $0.sendsPerSecond = 1000; $0.catchUpPageEventsMax = 7 }
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let tokens = try await client.room("kkbox", owner: "alice", members: ["bob"])
            let (alice, bob) = (tokens[0], tokens[1])
            for index in 0..<50 { try await client.call(.post, "/api/v1/rooms/kkbox/messages", #"{"body":"missed \#(index)"}"#, token: alice) }
            try await Socket.open(port: port, token: alice) { a in
                _ = try await a.expect()
                let sender = Task {
                    for index in 0..<50 { try await a.send(#"{"type":"send","room":"kkbox","body":"live \#(index)","id":"l\#(index)"}"#) }
                }
                try await Socket.open(port: port, token: bob) { b in
                    _ = try await b.expect()
                    try await b.send(#"{"type":"subscribe","room":"kkbox","after":2,"epoch":"\#(gateway.store.epoch)"}"#)
                    #expect((try await b.expect())["recovered"] as? Bool == true)
                    var roomSeqs: [Int] = []
                    while roomSeqs.count < 100 {
                        let event = try #require((try await b.expect())["event"] as? [String: Any])
                        roomSeqs.append(event["roomSeq"] as? Int ?? -1)
                    }
                    #expect(roomSeqs == Array(3..<103))
                }
                try await sender.value
            }
        }
    }

    @Test("a subscriber catching up a long history that stops reading is paused, not closed, and gets it all in order once it reads")
    func pausedCatchUp() async throws {
        let gateway = try GatewayHarness { $0.outboxBytesMax = 8192; $0.socketSendBufferBytes = 4096; $0.catchUpPageEventsMax = 50 }
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let tokens = try await client.room("kkbox", owner: "alice", members: ["bob"])
            let body = String(repeating: "h", count: 200)
            for index in 0..<3000 { _ = try await gateway.writer.append(.post(user: "alice", room: "kkbox", body: "\(index) \(body)", clientId: nil)) }
            let bob = try RawSocket(port: port, token: tokens[1])
            try bob.send(#"{"type":"subscribe","room":"kkbox","after":0}"#)
            await pause(milliseconds: 300)  // not reading: the outbox fills and the catch-up pauses
            let texts = try bob.readTexts { texts in texts.filter { $0.hasPrefix(#"{"type":"event""#) }.count >= 3002 }
            let roomSeqs = texts.compactMap { text -> Int? in
                guard let frame = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
                return (frame["event"] as? [String: Any])?["roomSeq"] as? Int
            }
            #expect(roomSeqs == Array(1...3002))
            try await client.call(.post, "/api/v1/rooms/kkbox/messages", #"{"body":"live"}"#, token: tokens[0])
            let live = try bob.readTexts { $0.contains { $0.hasPrefix(#"{"type":"event""#) } }
            #expect(live.contains { $0.contains(#""roomSeq":3003"#) })
        }
    }

    @Test("join and subscribe sent in one write take effect in order: joined, then subscribed, with no not_a_member")
    func joinThenSubscribe() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let alice = try await client.user("alice")
            try await client.call(.post, "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice)
            let bob = try RawSocket(port: port, token: try await client.user("bob"))
            _ = try bob.readTexts { $0.count == 1 }  // hello
            try bob.write(RawSocket.maskedFrame(#"{"type":"join","room":"kkbox"}"#) + RawSocket.maskedFrame(#"{"type":"subscribe","room":"kkbox","after":0}"#))
            let texts = try bob.readTexts { $0.count == 4 }
            let types = texts.compactMap { text -> String? in
                let frame = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                return frame?["type"] as? String
            }
            #expect(types == ["joined", "subscribed", "event", "event"])
            #expect(texts[2].contains(#""roomSeq":1"#) && texts[3].contains(#""roomSeq":2"#))
        }
    }

    @Test("a subscriber from another epoch is told recovered false and gets only live events")
    func otherEpoch() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let alice = try await client.user("alice")
            try await client.call(.post, "/api/v1/rooms", #"{"name":"kkbox"}"#, token: alice)
            try await Socket.open(port: port, token: alice) { a in
                _ = try await a.expect()
                try await a.send(#"{"type":"subscribe","room":"kkbox","after":0,"epoch":"another-lineage"}"#)
                let subscribed = try await a.expect()
                #expect(subscribed["recovered"] as? Bool == false && subscribed["head"] as? Int == 1)
                try await a.send(#"{"type":"send","room":"kkbox","body":"live","id":"x"}"#)
                var types: [String] = []
                for _ in 0..<2 { types.append((try await a.expect())["type"] as? String ?? "") }
                #expect(types.sorted() == ["ack", "event"])
            }
        }
    }

    @Test("logout closes the session's sockets with 4001")
    func logout() async throws {
        let gateway = try GatewayHarness()
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let alice = try await client.user("alice")
            let code = try await Socket.open(port: port, token: alice) { a in
                _ = try await a.expect()
                try await client.call(.post, "/api/v1/logout", token: alice)
                while try await a.next() != nil {}
            }
            #expect(code == 4001)
        }
    }

    @Test("the upgrade is refused with HTTP 401 without a session and 403 for a foreign origin; a GET without upgrade is 401, else 400")
    func admission() async throws {
        let gateway = try GatewayHarness { $0.allowedOrigins = ["https://chat.example"] }
        defer { gateway.close() }
        try await gateway.runLive { client, port in
            let alice = try await client.user("alice")
            let anonymousUpgrade = await #expect(throws: (any Error).self) { try await Socket.open(port: port, token: nil) { _ in } }
            #expect("\(anonymousUpgrade.map { "\($0)" } ?? "")".contains("upgrade"))
            await #expect(throws: (any Error).self) { try await Socket.open(port: port, token: alice) { _ in } }
            let anonymous = try await client.call(.get, "/api/v1/ws")
            #expect(anonymous.status == .unauthorized && anonymous.errorCode == "unauthorized")
            let foreign = #expect(throws: SocketError.self) { try RawSocket(port: port, token: alice, extraHeaders: "Origin: http://evil.example\r\n") }
            #expect(foreign?.description.contains("HTTP/1.1 403") == true && foreign?.description.contains("origin_refused") == true)
            _ = try RawSocket(port: port, token: alice, extraHeaders: "Origin: https://chat.example\r\n")
            _ = try RawSocket(port: port, token: alice, extraHeaders: "Origin: http://127.0.0.1:\(port)\r\n")
            let plain = try await client.call(.get, "/api/v1/ws", token: alice, headers: [.origin: "http://evil.example"])
            #expect(plain.errorCode == "bad_request")
        }
    }
}
