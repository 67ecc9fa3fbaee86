import RoomlogCore

extension Store {
    /// Blocks until the log may have grown past `generation` or `milliseconds` pass: for command-line tools that
    /// follow the log on one thread. Returns the generation to pass next time. Throws `StoreError.system`.
    public func waitForAppend(after generation: UInt64?, milliseconds: Int) throws -> UInt64 {
        let signal = try wakeSignal()
        guard let generation else { return signal.generation }
        signal.waitBlocking(after: generation, milliseconds: milliseconds)
        return signal.generation
    }
}
