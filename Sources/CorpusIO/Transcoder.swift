/// Turns bytes in another encoding into UTF-8, one chunk at a time (a UTF-16 code unit or surrogate pair cut by a
/// chunk's end is carried over to the next). A NUL character and broken UTF-16 are errors naming the offset of the
/// file's own bytes, so a message points at the file, not at the converted text.
struct Transcoder {
    enum Kind: Equatable {
        case latin1, windows1252
        case utf16(bigEndian: Bool)
    }

    let kind: Kind
    let file: String
    /// Raw bytes of an incomplete UTF-16 unit or pair, from the end of the previous chunk.
    private var carry: [UInt8] = []
    /// File offset of the next raw byte (of `carry[0]` while carrying).
    private var offset = 0
    /// Line of the next byte, for errors.
    private var line = 1

    init(_ kind: Kind, file: String) {
        self.kind = kind
        self.file = file
    }

    /// Appends the UTF-8 form of `raw` to `out`. `atEOF`: no bytes follow (an unfinished unit is an error).
    mutating func append(_ raw: UnsafeBufferPointer<UInt8>, atEOF: Bool, to out: inout [UInt8]) throws {
        out.reserveCapacity(out.count + raw.count * 2)
        switch kind {
        case .latin1, .windows1252:
            let table = kind == .windows1252
            for (i, b) in raw.enumerated() {
                if b < 0x80 {
                    if b == 0 { throw CorpusError(file: file, line: line, problem: .nulByte(byteOffset: offset + i)) }
                    if b == 0x0A { line += 1 }
                    out.append(b)
                } else if table && b < 0xA0 {
                    appendUTF8(Self.windows1252High[Int(b - 0x80)], to: &out)
                } else {
                    out.append(0xC0 | (b >> 6))
                    out.append(0x80 | (b & 0x3F))
                }
            }
            offset += raw.count
        case .utf16(let bigEndian):
            if carry.isEmpty {
                try utf16(raw, bigEndian: bigEndian, atEOF: atEOF, to: &out)
            } else {
                let joined = carry + Array(raw)
                carry = []
                try joined.withUnsafeBufferPointer { try utf16($0, bigEndian: bigEndian, atEOF: atEOF, to: &out) }
            }
        }
    }

    private mutating func utf16(_ b: UnsafeBufferPointer<UInt8>, bigEndian: Bool, atEOF: Bool,
                                to out: inout [UInt8]) throws {
        @inline(__always) func unit(_ i: Int) -> UInt32 {
            bigEndian ? UInt32(b[i]) << 8 | UInt32(b[i + 1]) : UInt32(b[i + 1]) << 8 | UInt32(b[i])
        }
        func broken(_ i: Int) -> CorpusError {
            CorpusError(file: file, line: line, problem: .invalidUTF16(byteOffset: offset + i))
        }
        var i = 0
        while i < b.count {
            if i + 2 > b.count {
                if atEOF { throw broken(i) }
                break
            }
            let u = unit(i)
            var scalar = u
            var width = 2
            if u >= 0xD800 && u <= 0xDBFF {
                if i + 4 > b.count {
                    if atEOF { throw broken(i) }
                    break
                }
                let low = unit(i + 2)
                guard low >= 0xDC00 && low <= 0xDFFF else { throw broken(i) }
                scalar = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                width = 4
            } else if u >= 0xDC00 && u <= 0xDFFF {
                throw broken(i)
            } else if u == 0 {
                throw CorpusError(file: file, line: line, problem: .nulByte(byteOffset: offset + i))
            } else if u == 0xFEFF && offset + i == 0 {
                // The byte-order mark is not text.
                i += 2
                continue
            }
            if scalar == 0x0A { line += 1 }
            appendUTF8(scalar, to: &out)
            i += width
        }
        carry = Array(b[i...])
        offset += i
    }

    @inline(__always)
    private func appendUTF8(_ c: UInt32, to out: inout [UInt8]) {
        switch c {
        case ..<0x80:
            out.append(UInt8(c))
        case ..<0x800:
            out.append(UInt8(0xC0 | (c >> 6)))
            out.append(UInt8(0x80 | (c & 0x3F)))
        case ..<0x10000:
            out.append(UInt8(0xE0 | (c >> 12)))
            out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (c & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (c >> 18)))
            out.append(UInt8(0x80 | ((c >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (c & 0x3F)))
        }
    }

    /// Code points of Windows-1252's bytes 0x80–0x9F (the undefined 0x81, 0x8D, 0x8F, 0x90, 0x9D as themselves).
    static let windows1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D,
        0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x009D, 0x017E, 0x0178,
    ]
}
