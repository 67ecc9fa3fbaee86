import Foundation
import Glibc
import NIOCore
import NIOPosix
import RoomlogCore
import Testing
@testable import RoomlogGateway

@Suite("A hub's rooms and its flushes")
struct HubTests {
    static let at = Timestamp(milliseconds: 1_764_000_000_000)

    static func broadcast(_ roomSeq: UInt64) -> Broadcast {
        let event = Event(seq: 100 + roomSeq, at: at, roomSeq: roomSeq,
                          payload: .messagePosted(user: "alice", room: "kkbox", body: "m\(roomSeq)", clientId: "c\(roomSeq)"))
        return Broadcast(event, record: event.jsonRecord, room: "kkbox", deflater: nil)
    }

    /// Each frame's type and the roomSeqs it carries.
    static func decode(_ frames: [ByteBuffer]) throws -> [(type: String, roomSeqs: [Int])] {
        try frames.map { buffer in
            let frame = try #require(RawSocket.frame(in: Array(buffer.readableBytesView)))
            #expect(frame.opcode == 0x1 && frame.length == buffer.readableBytes)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(frame.payload)) as? [String: Any])
            let type = json["type"] as? String ?? ""
            let records = type == "events" ? json["events"] as? [[String: Any]] ?? [] : [json["event"] as? [String: Any] ?? [:]]
            return (type, records.compactMap { $0["roomSeq"] as? Int })
        }
    }

    static func frames(_ room: HubRoom, after roomSeq: UInt64, batch: Bool) -> (frames: [ByteBuffer], events: Int) {
        var frames: [ByteBuffer] = []
        let events = room.write(after: roomSeq, batch: batch, deflater: nil, bytesMax: 16_384) { frames.append($0); return true }
        return (frames, events)
    }

    @Test("a batch=1 subscriber behind by several events gets them in one events frame, made once for every subscriber at that position; a plain one gets an event frame each")
    func framesForARange() throws {
        let room = HubRoom(name: "kkbox")
        for roomSeq: UInt64 in 1...5 { room.append(Self.broadcast(roomSeq)) }
        let batched = Self.frames(room, after: 2, batch: true)
        #expect(batched.events == 3)
        let decoded = try Self.decode(batched.frames)
        #expect(decoded.map(\.type) == ["events"] && decoded.first?.roomSeqs == [3, 4, 5])
        // A second subscriber at the same position gets the very same buffer, not a copy made again.
        let again = Self.frames(room, after: 2, batch: true)
        let storage = { (buffer: ByteBuffer) in buffer.withUnsafeReadableBytes { $0.baseAddress } }
        #expect(again.frames.count == 1 && storage(again.frames[0]) == storage(batched.frames[0]))

        let plain = try Self.decode(Self.frames(room, after: 2, batch: false).frames)
        #expect(plain.map(\.type) == ["event", "event", "event"] && plain.flatMap(\.roomSeqs) == [3, 4, 5])
        let one = try Self.decode(Self.frames(room, after: 4, batch: true).frames)
        #expect(one.map(\.type) == ["event"] && one.first?.roomSeqs == [5])
        #expect(Self.frames(room, after: 5, batch: true).events == 0)

        // A new event moves the head: the range's frame is made anew and carries it.
        room.append(Self.broadcast(6))
        let moved = try Self.decode(Self.frames(room, after: 2, batch: true).frames)
        #expect(moved.map(\.type) == ["events"] && moved.first?.roomSeqs == [3, 4, 5, 6])
        #expect(room.head == 6)
    }

    @Test("a room holds only the events that a subscription may lack: with none subscribed, appending does not grow it")
    func recentIsBounded() {
        let room = HubRoom(name: "kkbox")
        for roomSeq in 1...1000 { room.append(Self.broadcast(UInt64(roomSeq))) }
        #expect(room.events(after: 0).count < HubRoom.trimAtLeast)
        #expect(room.head == 1000)
        room.trim()
        #expect(!room.hasRecent && room.head == 1000)
    }

    /// What a test loop did, in order; touched only on that loop.
    final class Steps: @unchecked Sendable {
        var entries: [String] = []
    }

    final class ReadRecorder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let steps: Steps
        init(_ steps: Steps) { self.steps = steps }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { steps.entries.append("read") }
    }

    final class Chain: @unchecked Sendable {
        var yield: LoopYield?
    }

    @Test("a chain of steps through LoopYield lets the loop read a socket that became ready meanwhile (a chain of execute would not)")
    func yieldLetsTheLoopRead() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let steps = Steps()
        var ends: [CInt] = [0, 0]
        #expect(pipe(&ends) == 0)
        let reader = try await NIOPipeBootstrap(group: loop)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ReadRecorder(steps)) } }
            .takingOwnershipOfDescriptor(input: ends[0]).get()
        defer { reader.close(promise: nil); close(ends[1]) }
        let done = loop.makePromise(of: Void.self)
        let writeEnd = ends[1]
        let yield = try await loop.submit {
            let chain = Chain()
            chain.yield = LoopYield(loop: loop) {
                steps.entries.append("step")
                if steps.entries.count == 1 { _ = write(writeEnd, "x", 1) }  // the reader's pipe is ready from now on
                if steps.entries.filter({ $0 == "step" }).count < 50 { chain.yield?.schedule() } else { done.succeed() }
            }
            chain.yield?.open()
            return chain
        }.get()
        for _ in 0..<500 where !(try await loop.submit { yield.yield?.isOpen ?? false }.get()) {
            try await Task.sleep(for: .milliseconds(2))
        }
        try await loop.submit { yield.yield?.schedule() }.get()
        try await done.futureResult.get()
        let entries = try await loop.submit { steps.entries }.get()
        let read = try #require(entries.firstIndex(of: "read"))
        #expect(read < entries.count - 1, "the read came only after the whole chain")
        try await loop.submit { yield.yield?.close() }.get()
    }
}
