// CSV / TSV record scanner (RFC 4180) working on raw bytes.

/// Where one field lies in the buffer.
struct FieldRef {
    /// Content range (inside the quotes for a quoted field; trailing CR of the line excluded).
    var start: Int
    var end: Int
    /// Quoted field containing doubled quotes that must be undone.
    var escaped: Bool
    /// Whether the field has a byte ≥ 0x80 (needs full UTF-8 validation).
    var nonASCII: Bool
}

enum ScanResult {
    /// A record ends; the next one starts at `next`; `newlines` LFs were consumed (inside quotes and the final one).
    case complete(next: Int, newlines: Int)
    /// The buffer ends inside the record and more bytes may come.
    case needMore
}

/// Splits delimited records into fields. Holds no per-record state, so a record cut by the end of a chunk can
/// simply be scanned again once more bytes are there.
struct DelimitedScanner {
    let delimiter: UInt8
    let file: String

    private static let quote: UInt8 = 0x22
    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D

    /// Scans the record starting at `start` (which must be < `end`) and appends its fields to `fields`.
    /// `line` is the record's line and `base` the file offset of `p[0]`, for errors.
    @inline(__always)
    func scanRecord(_ p: UnsafePointer<UInt8>, start: Int, end: Int, atEOF: Bool, line: Int, base: Int,
                    fields: inout [FieldRef]) throws -> ScanResult {
        fields.removeAll(keepingCapacity: true)
        let d = delimiter
        let dMask = lowBytes &* UInt64(d)
        let lfMask = lowBytes &* UInt64(Self.lf)
        let qMask = lowBytes &* UInt64(Self.quote)
        var i = start
        var newlines = 0
        while true {
            var j: Int
            if i < end && p[i] == Self.quote {
                // Quoted field: runs to a quote not followed by another quote.
                let quoteLine = line + newlines
                j = i + 1
                var escaped = false
                var acc: UInt64 = 0
                while true {
                    while j &+ 8 <= end {
                        let v = load8(p, j)
                        let m = zeroBytes(v ^ qMask) | zeroBytes(v ^ lfMask) | zeroBytes(v)
                        if m != 0 {
                            let k = m.trailingZeroBitCount >> 3
                            acc |= v & lowMask(k)
                            j &+= k
                            break
                        }
                        acc |= v
                        j &+= 8
                    }
                    if j >= end {
                        if atEOF { throw CorpusError(file: file, line: quoteLine, problem: .unterminatedQuote) }
                        return .needMore
                    }
                    let b = p[j]
                    if b == Self.quote {
                        if j &+ 1 < end {
                            if p[j &+ 1] == Self.quote { escaped = true; j &+= 2; continue }
                            break
                        }
                        if atEOF { break }
                        return .needMore
                    } else if b == Self.lf {
                        newlines &+= 1
                        j &+= 1
                    } else if b == 0 {
                        throw CorpusError(file: file, line: line + newlines, problem: .nulByte(byteOffset: base + j))
                    } else {
                        acc |= UInt64(b)
                        j &+= 1
                    }
                }
                // p[j] is the closing quote.
                fields.append(FieldRef(start: i &+ 1, end: j, escaped: escaped, nonASCII: acc & highBits != 0))
                j &+= 1
                if j < end {
                    let b = p[j]
                    if b == Self.cr {
                        if j &+ 1 < end {
                            if p[j &+ 1] == Self.lf { j &+= 1 } else {
                                throw CorpusError(file: file, line: line + newlines, problem: .textAfterClosingQuote)
                            }
                        } else if atEOF {
                            j &+= 1
                        } else {
                            return .needMore
                        }
                    } else if b != d && b != Self.lf {
                        throw CorpusError(file: file, line: line + newlines, problem: .textAfterClosingQuote)
                    }
                } else if !atEOF {
                    return .needMore
                }
            } else {
                // Unquoted field: runs to the delimiter, LF or end of data.
                j = i
                var acc: UInt64 = 0
                while true {
                    while j &+ 8 <= end {
                        let v = load8(p, j)
                        let m = zeroBytes(v ^ dMask) | zeroBytes(v ^ lfMask) | zeroBytes(v)
                        if m != 0 {
                            let k = m.trailingZeroBitCount >> 3
                            acc |= v & lowMask(k)
                            j &+= k
                            break
                        }
                        acc |= v
                        j &+= 8
                    }
                    if j >= end {
                        if atEOF { break }
                        return .needMore
                    }
                    let b = p[j]
                    if b == d || b == Self.lf { break }
                    if b == 0 {
                        throw CorpusError(file: file, line: line + newlines, problem: .nulByte(byteOffset: base + j))
                    }
                    acc |= UInt64(b)
                    j &+= 1
                }
                var fieldEnd = j
                if fieldEnd > i && p[fieldEnd &- 1] == Self.cr && (j == end || p[j] == Self.lf) { fieldEnd &-= 1 }
                fields.append(FieldRef(start: i, end: fieldEnd, escaped: false, nonASCII: acc & highBits != 0))
            }
            // p[j] is the delimiter, LF, or j == end (end of data).
            if j < end && p[j] == d {
                i = j &+ 1
                continue
            }
            if j < end {
                return .complete(next: j &+ 1, newlines: newlines &+ 1)
            }
            return .complete(next: end, newlines: newlines)
        }
    }

    /// The field's text as a String, validating UTF-8 and undoing doubled quotes.
    /// `recordStart`/`line` locate the record for error messages.
    @inline(__always)
    func string(_ f: FieldRef, _ p: UnsafePointer<UInt8>, recordStart: Int, line: Int, base: Int) throws(CorpusError) -> String {
        try validate(f.start, f.end, f.nonASCII, p, recordStart: recordStart, line: line, base: base)
        if !f.escaped { return makeString(p, f.start, f.end) }
        return unescaped(p, f.start, f.end)
    }

    @inline(__always)
    func validate(_ start: Int, _ end: Int, _ nonASCII: Bool, _ p: UnsafePointer<UInt8>, recordStart: Int, line: Int,
                  base: Int) throws(CorpusError) {
        if nonASCII, let bad = firstInvalidUTF8(p, start, end) {
            throw CorpusError(file: file, line: line + countLF(p, recordStart, bad),
                              problem: .invalidUTF8(byteOffset: base + bad))
        }
    }

    /// Field bytes with each `""` turned into `"`.
    func unescaped(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(unsafeUninitializedCapacity: end - start) { out in
            var o = 0
            var i = start
            while i < end {
                let b = p[i]
                out[o] = b
                o += 1
                i += (b == Self.quote && i + 1 < end && p[i + 1] == Self.quote) ? 2 : 1
            }
            return o
        }
    }
}
