import Foundation

/// A fuzz target: one check of any bytes, which must never crash. Its executable's `@main` type conforms, and gets
/// its entry point from here. Built for fuzzing (`Tools/fuzz.sh`: `-sanitize=fuzzer,address -DFUZZING`), it hands
/// `check` to libFuzzer's driver, which generates inputs; built plainly, it replays files (`FuzzReplay`).
public protocol FuzzTarget {
    /// Runs the target's check on `bytes`; traps (precondition) when an invariant breaks.
    static func check(_ bytes: [UInt8])
}

extension FuzzTarget {
    public static func main() {
        #if FUZZING
        fuzzCheck = check
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput))
        #else
        FuzzReplay.run(check)
        #endif
    }
}

/// The check of the running target, for libFuzzer's callback.
nonisolated(unsafe) var fuzzCheck: (([UInt8]) -> Void)?

/// libFuzzer's callback: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let check = fuzzCheck else { preconditionFailure("the fuzz target's main did not run: no check to call") }
    check(Array(UnsafeBufferPointer(start: data, count: count)))
    return 0
}

#if FUZZING
/// libFuzzer's driver: parses libFuzzer's flags from the command line and calls `callback` with each input.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
#endif
