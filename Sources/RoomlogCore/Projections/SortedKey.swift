/// A key's first 16 bytes as two big-endian integers (zero-padded), which order keys as memcmp does whenever they
/// differ, and the key's place in its buffer.
struct SortedKey {
    struct Prefix: Comparable {
        var high: UInt64
        var low: UInt64
        static func < (a: Prefix, b: Prefix) -> Bool { a.high != b.high ? a.high < b.high : a.low < b.low }
    }

    let prefix: Prefix
    let index: Int

    /// How `a` and `b` compare byte by byte, a proper prefix first (memcmp, then length): -1, 0 or 1.
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    init(prefixOf key: UnsafeRawBufferPointer, index: Int) {
        var high: UInt64 = 0, low: UInt64 = 0
        for position in 0..<16 {
            let byte = position < key.count ? UInt64(key[position]) : 0
            if position < 8 { high = high << 8 | byte } else { low = low << 8 | byte }
        }
        prefix = Prefix(high: high, low: low)
        self.index = index
    }
}
