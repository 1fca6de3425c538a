/// RFC 8259 syntax, checked before Foundation's decoder reads a body: that decoder accepts what JSON does not
/// (trailing commas, among others), and a client sending them should hear so rather than have it stored. Nesting
/// is bounded, so a hostile body cannot exhaust the stack.
enum StrictJSON {
    struct Invalid: Error { var offset: Int; var problem: String }

    static let maxDepth = 64

    static func validate(_ b: UnsafeRawBufferPointer) throws {
        var i = 0
        func fail(_ problem: String) -> Invalid { Invalid(offset: i, problem: problem) }
        func skipSpace() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
        func literal(_ word: String) throws {
            let w = Array(word.utf8)
            guard i + w.count <= b.count else { throw fail("unexpected end") }
            for k in 0..<w.count where b[i + k] != w[k] { throw fail("unexpected character") }
            i += w.count
        }
        func string() throws {
            i += 1  // opening quote
            while i < b.count {
                let c = b[i]
                if c == 0x22 { i += 1; return }
                if c < 0x20 { throw fail("control character in a string") }
                if c == 0x5C {
                    guard i + 1 < b.count else { break }
                    switch b[i + 1] {
                    case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
                    case 0x75:
                        guard i + 6 <= b.count else { throw fail("short \\u escape") }
                        for k in 2..<6 where !isHex(b[i + k]) { throw fail("bad \\u escape") }
                        i += 6
                    default: throw fail("bad escape")
                    }
                } else {
                    i += 1
                }
            }
            throw fail("unterminated string")
        }
        func isHex(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) || (0x41...0x46).contains(c) || (0x61...0x66).contains(c) }
        func digits() throws {
            let start = i
            while i < b.count, (0x30...0x39).contains(b[i]) { i += 1 }
            if i == start { throw fail("digit expected") }
        }
        func number() throws {
            if b[i] == 0x2D { i += 1 }
            guard i < b.count else { throw fail("unexpected end") }
            if b[i] == 0x30 { i += 1 } else { try digits() }
            if i < b.count, b[i] == 0x2E { i += 1; try digits() }
            if i < b.count, b[i] == 0x65 || b[i] == 0x45 {
                i += 1
                if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
                try digits()
            }
        }
        func value(_ depth: Int) throws {
            skipSpace()
            guard i < b.count else { throw fail("unexpected end") }
            switch b[i] {
            case 0x7B, 0x5B:
                guard depth < maxDepth else { throw fail("nested deeper than \(maxDepth)") }
                let object = b[i] == 0x7B
                let close: UInt8 = object ? 0x7D : 0x5D
                i += 1
                skipSpace()
                if i < b.count, b[i] == close { i += 1; return }
                while true {
                    if object {
                        skipSpace()
                        guard i < b.count, b[i] == 0x22 else { throw fail("a key (string) expected") }
                        try string()
                        skipSpace()
                        guard i < b.count, b[i] == 0x3A else { throw fail("':' expected") }
                        i += 1
                    }
                    try value(depth + 1)
                    skipSpace()
                    guard i < b.count else { throw fail("unexpected end") }
                    if b[i] == close { i += 1; return }
                    guard b[i] == 0x2C else { throw fail("',' or a closing bracket expected") }
                    i += 1
                }
            case 0x22: try string()
            case 0x74: try literal("true")
            case 0x66: try literal("false")
            case 0x6E: try literal("null")
            case 0x2D, 0x30...0x39: try number()
            default: throw fail("unexpected character")
            }
        }
        try value(0)
        skipSpace()
        if i != b.count { throw fail("text after the JSON value") }
    }
}
