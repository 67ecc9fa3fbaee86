/// Where a key lands in a limiter's fixed table: two slots chosen by Swift's hasher, which is seeded at random per
/// process, so clients cannot aim their keys at someone else's slots. Keys that share a slot share its count; a
/// key is refused only when both its slots say so, so a collision can make a limit bite sooner for one key, but no
/// key's count is ever forgotten or shortened while its window is live.
struct LimiterSlots: Sendable {
    /// Slots in the table.
    let count: Int

    /// The two slots of `key`.
    func slots(of key: some Hashable) -> (Int, Int) {
        (slot(of: key, salt: 0x9E37_79B9), slot(of: key, salt: 0x85EB_CA6B))
    }

    private func slot(of key: some Hashable, salt: Int) -> Int {
        var hasher = Hasher()
        hasher.combine(salt)
        hasher.combine(key)
        let hash = UInt(bitPattern: hasher.finalize())
        return Int(hash % UInt(count))
    }
}
