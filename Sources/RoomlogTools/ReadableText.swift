/// Text of clients made safe to print to a terminal: every control character (C0 but the newline, DEL, C1) and
/// every bidirectional override or isolate is written as an escape (`\r`, `\t`, `\u{1B}`), never raw.
enum ReadableText {
    /// Appends `text` to `line`, escaped; each newline is kept and followed by `newlineIndent`, or escaped as `\n`
    /// when `newlineIndent` is nil.
    static func append(_ text: String, to line: inout [UInt8], newlineIndent: String? = nil) {
        guard text.unicodeScalars.contains(where: needsEscape) else {
            line.append(contentsOf: text.utf8)
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where newlineIndent != nil:
                line.append(0x0A)
                line.append(contentsOf: newlineIndent!.utf8)
            case "\n": line.append(contentsOf: #"\n"#.utf8)
            case "\r": line.append(contentsOf: #"\r"#.utf8)
            case "\t": line.append(contentsOf: #"\t"#.utf8)
            case _ where needsEscape(scalar): line.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".utf8)
            default: line.append(contentsOf: String(scalar).utf8)
            }
        }
    }

    /// Whether `scalar` is a control character or a bidirectional control (which reorders what follows it).
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
