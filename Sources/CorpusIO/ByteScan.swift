// Byte-level helpers: SWAR scanning, UTF-8 validation, Latin-1 decoding, whitespace.

@inline(__always) func isASCIISpace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A || b == 0x0B || b == 0x0C
}

let lowBytes: UInt64 = 0x0101_0101_0101_0101
let highBits: UInt64 = 0x8080_8080_8080_8080

/// Nonzero with the high bit set in (at least) the lowest zero byte of `x`. Bits above the lowest zero byte may
/// be false positives; the lowest flagged byte is always exact.
@inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 {
    (x &- lowBytes) & ~x & highBits
}

@inline(__always) func load8(_ p: UnsafePointer<UInt8>, _ i: Int) -> UInt64 {
    UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
}

/// The lowest `k` bytes of a word (k in 0..<8).
@inline(__always) func lowMask(_ k: Int) -> UInt64 {
    (UInt64(1) &<< UInt64(k &* 8)) &- 1
}

/// Whether `p[start..<end]` is all ASCII.
@inline(__always) func isASCII(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var i = start
    var acc: UInt64 = 0
    while i &+ 8 <= end { acc |= load8(p, i); i &+= 8 }
    var tail: UInt8 = 0
    while i < end { tail |= p[i]; i &+= 1 }
    return acc & highBits == 0 && tail & 0x80 == 0
}

/// Index of the first byte of the first invalid UTF-8 sequence in `p[start..<end]`, or `nil` when valid.
/// Rejects overlong forms, surrogates and code points above U+10FFFF; a sequence cut off by `end` is invalid.
func firstInvalidUTF8(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
    var i = start
    while i < end {
        // ASCII run, 8 bytes at a time.
        while i &+ 8 <= end && load8(p, i) & highBits == 0 { i &+= 8 }
        if i >= end { break }
        let b0 = p[i]
        if b0 < 0x80 { i &+= 1; continue }
        var need = 0
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: return i
        }
        // The first continuation byte has the restricted range; the others are 0x80...0xBF.
        for k in 1...need {
            let j = i &+ k
            // Blame the first byte of the bad sequence.
            if j >= end { return i }
            let b = p[j]
            if k == 1 {
                if b < lo || b > hi { return i }
            } else if b & 0xC0 != 0x80 {
                return i
            }
        }
        i &+= need &+ 1
    }
    return nil
}

/// Index of the first NUL byte in `p[start..<end]`, or `nil`.
@inline(__always) func firstNUL(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
    var i = start
    while i &+ 8 <= end {
        let m = zeroBytes(load8(p, i))
        if m != 0 { return i &+ (m.trailingZeroBitCount >> 3) }
        i &+= 8
    }
    while i < end { if p[i] == 0 { return i }; i &+= 1 }
    return nil
}

/// Index of the first LF in `p[start..<end]`, or `end`.
@inline(__always) func nextLF(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
    var i = start
    let lf = lowBytes &* 0x0A
    while i &+ 8 <= end {
        let m = zeroBytes(load8(p, i) ^ lf)
        if m != 0 { return i &+ (m.trailingZeroBitCount >> 3) }
        i &+= 8
    }
    while i < end { if p[i] == 0x0A { return i }; i &+= 1 }
    return end
}

/// Whether `p[start..<end]` is empty or only ASCII whitespace.
@inline(__always) func isBlank(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var i = start
    while i < end { if !isASCIISpace(p[i]) { return false }; i &+= 1 }
    return true
}

/// `p[start..<end]` without leading and trailing ASCII whitespace.
@inline(__always) func trimmed(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> (Int, Int) {
    var s = start, e = end
    while s < e && isASCIISpace(p[s]) { s &+= 1 }
    while e > s && isASCIISpace(p[e &- 1]) { e &-= 1 }
    return (s, e)
}

/// A String from bytes already known to be valid UTF-8.
@inline(__always) func makeString(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> String {
    String(decoding: UnsafeBufferPointer(start: p + start, count: end &- start), as: UTF8.self)
}

/// A String from Latin-1 (ISO 8859-1) bytes: every byte is the code point of the same value.
/// The record's text as UTF-8 when its bytes are valid UTF-8 (a PhraseBank file saved as UTF-8 would otherwise
/// become mojibake), else as Latin-1 (the format's own encoding).
func phraseBankString(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> String {
    if isASCII(p, start, end) { return makeString(p, start, end) }
    let bytes = UnsafeBufferPointer(start: p + start, count: end - start)
    if let s = String(validating: bytes, as: UTF8.self) { return s }
    return latin1String(p, start, end)
}

func latin1String(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> String {
    if isASCII(p, start, end) { return makeString(p, start, end) }
    var extra = 0
    for i in start..<end where p[i] >= 0x80 { extra += 1 }
    return String(unsafeUninitializedCapacity: end - start + extra) { out in
        var o = 0
        for i in start..<end {
            let b = p[i]
            if b < 0x80 {
                out[o] = b; o += 1
            } else {
                out[o] = 0xC0 | (b >> 6)
                out[o + 1] = 0x80 | (b & 0x3F)
                o += 2
            }
        }
        return o
    }
}

/// Number of LF bytes in `p[start..<end]`.
func countLF(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
    var n = 0
    var i = start
    while i < end { if p[i] == 0x0A { n += 1 }; i += 1 }
    return n
}
