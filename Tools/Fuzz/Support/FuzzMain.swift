import Foundation

/// The entry point of a fuzz target's executable. Built for fuzzing (`Tools/fuzz.sh`: `-sanitize=fuzzer,address
/// -DFUZZING`), it hands `check` to libFuzzer's driver, which generates inputs; built plainly, it replays files
/// (`FuzzReplay`).
public enum FuzzMain {
    nonisolated(unsafe) static var check: (([UInt8]) -> Void)?

    /// Runs the fuzzer, or replays the files named on the command line, with `check`.
    public static func run(_ check: @escaping ([UInt8]) -> Void) -> Never {
        #if FUZZING
        Self.check = check
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, count in
            FuzzMain.check?(Array(UnsafeBufferPointer(start: data, count: count)))
            return 0
        })
        #else
        FuzzReplay.run(check)
        exit(0)
        #endif
    }
}

#if FUZZING
/// libFuzzer's driver: parses libFuzzer's flags from the command line and calls `callback` with each input.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
#endif
