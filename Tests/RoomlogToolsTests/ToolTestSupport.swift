import Foundation
import RoomlogTestSupport

/// The committed sample export.
let samplePath: String = {
    let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    return tests.deletingLastPathComponent().appendingPathComponent("data/sample.jsonl.gz").path
}()

/// Runs `roomlog` with `arguments` to completion.
func roomlog(_ arguments: String...) async throws -> (status: Int32, lines: [String], errors: String) {
    try await run("roomlog", arguments)
}

/// A fresh data directory holding the imported sample; removed by the caller.
func importedSample() async throws -> String {
    let directory = temporaryDataDirectory()
    let result = try await roomlog("import", "--data", directory, samplePath)
    guard result.status == 0 else { throw ChildProcess.Failure(description: "import failed: \(result.errors)") }
    return directory
}
