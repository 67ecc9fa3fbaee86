/// The client message ids a replay meets, in `seq` order, as a list instead of a dictionary: a rebuild meets a million
/// of them, and one sort at the end both puts them in the order they are written in and finds an id used twice as
/// two neighbours.
public struct ClientIdList: Sendable {
    /// Each id's key laid end to end: its user's UTF-8, a 0 byte (names hold none), the id's UTF-8. Keys in byte
    /// order are in (user, id) order.
    private var keyBytes: [UInt8] = []
    /// Where each key starts in `keyBytes`, and where the last one ends.
    var keyStarts: [Int] = [0]
    /// Each id's receipt.
    public private(set) var receipts: [MessageReceipt] = []

    /// An empty list.
    public init() {}

    /// The number of ids.
    public var count: Int { receipts.count }

    /// Makes room for `count` ids.
    public mutating func reserveCapacity(_ count: Int) {
        keyBytes.reserveCapacity(count * 16)
        keyStarts.reserveCapacity(count + 1)
        receipts.reserveCapacity(count)
    }

    /// Adds `user`'s id with its receipt.
    public mutating func append(user: String, _ receipt: MessageReceipt) {
        keyBytes.append(contentsOf: user.utf8)
        keyBytes.append(0)
        keyBytes.append(contentsOf: receipt.id.utf8)
        keyStarts.append(keyBytes.count)
        receipts.append(receipt)
    }

    /// Adds the client id of `event` if it is a message that has one.
    public mutating func appendId(of event: Event) {
        guard case .messagePosted(let user, let room, _, let clientId?) = event.payload else { return }
        append(user: user, MessageReceipt(id: clientId, room: room, seq: event.seq, roomSeq: event.roomSeq))
    }

    /// Calls `body` with the keys' bytes and a function that gives the range of key `index` in them.
    public func withKeys<R>(_ body: (UnsafeRawBufferPointer, (Int) -> Range<Int>) throws -> R) rethrows -> R {
        try keyBytes.withUnsafeBytes { bytes in try body(bytes) { keyStarts[$0]..<keyStarts[$0 + 1] } }
    }

    /// The indices of the ids in key order. Throws `LogInconsistency` at the first `seq` whose id its user already
    /// used, as `Projections.applyChecked` would have.
    public func sortedIndices() throws(LogInconsistency) -> [Int] {
        let (order, repeated) = withKeys { bytes, range in
            func key(_ index: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[range(index)]) }
            // Sorted by the keys' first 16 bytes as two integers; only equal prefixes compare whole keys, and equal
            // keys stay in list (`seq`) order, so the second of two equal neighbours is the repeat.
            var order = receipts.indices.map { SortedKey(prefixOf: key($0), index: $0) }
            order.sort { a, b in
                if a.prefix != b.prefix { return a.prefix < b.prefix }
                let order = SortedKey.compare(key(a.index), key(b.index))
                return order != 0 ? order < 0 : a.index < b.index
            }
            var repeated: Int?
            for (first, second) in zip(order, order.dropFirst()) where first.prefix == second.prefix {
                guard SortedKey.compare(key(first.index), key(second.index)) == 0 else { continue }
                if repeated.map({ receipts[second.index].seq < receipts[$0].seq }) ?? true { repeated = second.index }
            }
            return (order.map(\.index), repeated)
        }
        if let repeated { throw LogInconsistency(seq: receipts[repeated].seq, problem: "client id \(receipts[repeated].id) is used twice") }
        return order
    }

    /// The first id used twice before `seq`, as `sortedIndices` names it, or nil.
    public func repeatedId(before seq: UInt64) -> LogInconsistency? {
        do {
            _ = try sortedIndices()
            return nil
        } catch {
            return error.seq < seq ? error : nil
        }
    }

    /// The keys whose receipts differ between this list and `other` (an id in one of them only, or with another
    /// receipt), given each list's key order (`sortedIndices()`).
    public func differingKeys(_ order: [Int], _ other: ClientIdList, _ otherOrder: [Int]) -> [Projections.ClientKey] {
        var differing: [Projections.ClientKey] = []
        withKeys { bytes, range in
            other.withKeys { otherBytes, otherRange in
                var (next, otherNext) = (0, 0)
                while next < order.count || otherNext < otherOrder.count {
                    let comparison: Int
                    if next == order.count {
                        comparison = 1
                    } else if otherNext == otherOrder.count {
                        comparison = -1
                    } else {
                        comparison = SortedKey.compare(UnsafeRawBufferPointer(rebasing: bytes[range(order[next])]),
                                                       UnsafeRawBufferPointer(rebasing: otherBytes[otherRange(otherOrder[otherNext])]))
                    }
                    if comparison < 0 || (comparison == 0 && receipts[order[next]] != other.receipts[otherOrder[otherNext]]) {
                        differing.append(clientKey(bytes[range(order[next])], receipts[order[next]]))
                    } else if comparison > 0 {
                        differing.append(clientKey(otherBytes[otherRange(otherOrder[otherNext])], other.receipts[otherOrder[otherNext]]))
                    }
                    if comparison <= 0 { next += 1 }
                    if comparison >= 0 { otherNext += 1 }
                }
            }
        }
        return differing
    }

    /// The `ClientKey` of `key` (user, 0, id), whose receipt is `receipt`.
    func clientKey(_ key: Slice<UnsafeRawBufferPointer>, _ receipt: MessageReceipt) -> Projections.ClientKey {
        let separator = key.firstIndex(of: 0)!
        return Projections.ClientKey(user: String(decoding: key[key.startIndex..<separator], as: UTF8.self), id: receipt.id)
    }

    /// The ids as the dictionary of `Projections.clientMessages`.
    public var dictionary: [Projections.ClientKey: MessageReceipt] {
        var clientMessages: [Projections.ClientKey: MessageReceipt] = [:]
        clientMessages.reserveCapacity(count)
        withKeys { bytes, range in
            for (index, receipt) in receipts.enumerated() { clientMessages[clientKey(bytes[range(index)], receipt)] = receipt }
        }
        return clientMessages
    }
}
