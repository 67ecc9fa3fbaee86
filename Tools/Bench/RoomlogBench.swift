import ArgumentParser

/// Benchmarks of the Roomlog store that print figures, and the child processes that the store's cross-process
/// tests start.
@main
struct RoomlogBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roomlog-bench",
        abstract: "Benchmarks of the Roomlog log, and helper processes for its tests.",
        subcommands: [AppendsBenchmark.self, WakeupBenchmark.self, LogBenchmark.self, DiskBenchmark.self, AppendChild.self, TailChild.self, WakeWriterChild.self, SampleCommand.self]
    )
}
