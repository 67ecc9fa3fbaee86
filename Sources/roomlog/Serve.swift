import ArgumentParser
import Foundation
import RoomlogCore
import RoomlogStore

/// `roomlog serve`: runs on the log in `--data`. (The HTTP and WebSocket gateway is issue 4; until then it runs
/// the log's writer, closes expired sessions, and prints each new event as a JSON line.)
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a gateway on the log (several may share one directory).")

    @OptionGroup var options: DataOptions

    func run() async throws {
        let store = try Store(configuration: StoreConfiguration(directory: options.data))
        FileHandle.standardError.write(Data("roomlog: serving \(options.data) (epoch \(store.epoch), head \(try store.head())); no HTTP listener yet\n".utf8))
        for try await batch in try store.tail(from: try store.head() + 1) {
            for event in batch { FileHandle.standardOutput.write(Data(event.jsonRecord + [0x0A])) }
        }
    }
}
