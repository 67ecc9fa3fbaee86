import NIOCore
import RoomlogCore
import RoomlogStore

/// The rooms this connection follows: each catches up from the log, then goes live in the hub.
extension ChatConnection {
    /// Sends every event of `room` after `roomSeq` from the log, then follows it live. `replacing` restarts a feed
    /// the connection already has (a subscribe with `after`); otherwise an existing one stays as it is.
    func follow(_ room: String, after roomSeq: UInt64, replacing: Bool) {
        let (started, stopped) = feeds.follow(room, after: roomSeq, replacing: replacing)
        if let stopped { hub.unsubscribe(stopped) }
        if started { continueCatchUp() }
    }

    /// Sends the next page (`catchUpPageEventsMax`) of each room being caught up, one page per loop tick while the
    /// client keeps up, and pauses as soon as the outbox is full (`channelWritabilityChanged` resumes), so a long
    /// catch-up neither holds the loop nor piles up frames: it holds at most one frame past the outbox. A page that
    /// comes back short and is sent whole reached the head: the room goes live in that same tick, so every event
    /// the hub delivers afterwards is past what the page held, and the hub skips any `roomSeq` already sent: no
    /// gap, no repeat.
    func continueCatchUp() {
        guard let context, state.state == .open else { return }
        let pageEvents = services.configuration.catchUpPageEventsMax
        for (room, last) in feeds.catchingUp {
            guard context.channel.isWritable else { return }
            do {
                let events = try services.store.roomEvents(room, after: last, limit: pageEvents)?.events ?? []
                var sent = last
                if batch {
                    for frame in EventFrames.batches(room: room, events, bytesMax: services.configuration.frameBytesMax) {
                        guard context.channel.isWritable else { break }
                        send(frame.json)
                        sent = frame.last
                    }
                } else {
                    for event in events where context.channel.isWritable {
                        send(EventFrames.event(event))
                        sent = event.roomSeq
                    }
                }
                if events.count == pageEvents || sent != events.last?.roomSeq ?? last {
                    feeds.advanced(room, to: sent)
                } else {
                    let subscription = Subscription(room: room, connection: self, last: sent)
                    feeds.caughtUp(room, live: subscription)
                    hub.subscribe(subscription)
                }
            } catch {
                _ = feeds.stop(room)
                send(FrameError(.internalError, "could not read the room's history; subscribe again", room: room))
            }
        }
        guard !feeds.catchingUp.isEmpty, !catchUpScheduled, context.channel.isWritable else { return }
        catchUpScheduled = true
        context.eventLoop.execute { [self] in
            catchUpScheduled = false
            continueCatchUp()
        }
    }
}
