import Foundation

/// What a fuzz target's executable does when built without libFuzzer (a normal `swift build`): runs its check on
/// each file named on the command line, or on every file of each directory named, and says how many it ran. With
/// the seed corpus it proves the check still passes on every kept input; with a crash file it reproduces the crash.
public enum FuzzReplay {
    /// Runs `check` on the bytes of every file the command line names; exits 2 on bad usage.
    public static func run(_ check: ([UInt8]) -> Void) {
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: \(CommandLine.arguments[0]) FILE_OR_DIRECTORY...\n".utf8))
            exit(2)
        }
        var count = 0
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                check(Array(data))
                count += 1
            }
        }
        print("ran \(count) inputs")
    }
}
