import Foundation

/// The output formats' encodings on the product's byte buffer.
extension ByteBuffer {
    /// `number(x)`: a probability rounded to 6 decimals in its shortest form, written without a `String` for
    /// values in [0.0001, 1] (every such value is `0.` and up to 6 digits without trailing zeros, or `1`).
    @inlinable @inline(__always)
    public func append(number x: Float) {
        let scaled = (Double(x) * 1e6).rounded()
        guard scaled >= 100, scaled <= 1e6 else { return append(number(x)) }
        var k = Int(scaled)
        if k == 1_000_000 { return append(UInt8(ascii: "1")) }
        reserve(8)
        var digits = 6
        while k % 10 == 0 { k /= 10; digits -= 1 }
        base[count] = UInt8(ascii: "0")
        base[count + 1] = UInt8(ascii: ".")
        var i = count + 1 + digits
        while i > count + 1 {
            base[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: k % 10)
            k /= 10
            i -= 1
        }
        count += 2 + digits
    }

    /// A CSV field, quoted when it holds `,` `"` CR or LF (inner quotes doubled): the one CSV field writer.
    @inlinable @inline(__always)
    public func append(csvField b: UnsafeBufferPointer<UInt8>) {
        guard ByteScan.needsCSVQuotes(b) else { return append(b) }
        append(0x22)
        var start = 0, from = 0
        while let q = ByteScan.firstQuote(b, from: from) {
            append(UnsafeBufferPointer(rebasing: b[start...q]))  // up to and including the quote
            start = q  // the quote again: doubled
            from = q + 1
        }
        append(UnsafeBufferPointer(rebasing: b[start...]))
        append(0x22)
    }

    /// A JSON string literal, as `jsonString`: `"` `\\` and control characters escaped, everything else as is.
    @inlinable @inline(__always)
    public func append(jsonString b: UnsafeBufferPointer<UInt8>) {
        append(0x22)
        guard ByteScan.needsJSONEscapes(b) else {
            append(b)
            return append(0x22)
        }
        var start = 0
        var i = 0
        while i < b.count {
            let c = b[i]
            // A C1 control: 0xC2 then 0x80–0x9F, escaped as \u0080–\u009f (a terminal may act on it raw).
            let c1 = c == 0xC2 && i + 1 < b.count && b[i + 1] >= 0x80 && b[i + 1] <= 0x9F
            guard c < 0x20 || c == 0x22 || c == 0x5C || c == 0x7F || c1 else { i += 1; continue }
            append(UnsafeBufferPointer(rebasing: b[start..<i]))
            append(0x5C)
            let code = c1 ? b[i + 1] : c
            i += c1 ? 2 : 1
            start = i
            switch code {
            case 0x22: append(0x22)
            case 0x5C: append(0x5C)
            case 0x0A: append(UInt8(ascii: "n"))
            case 0x0D: append(UInt8(ascii: "r"))
            case 0x09: append(UInt8(ascii: "t"))
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                append(UInt8(ascii: "u")); append(UInt8(ascii: "0")); append(UInt8(ascii: "0"))
                append(hex[Int(code >> 4)]); append(hex[Int(code & 15)])
            }
        }
        append(UnsafeBufferPointer(rebasing: b[start...]))
        append(0x22)
    }
}

/// Word-at-a-time scans (8 bytes per step) for the output's escaping rules.
public enum ByteScan {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Non-zero when some byte of `w` equals `c`.
    @inlinable @inline(__always)
    @usableFromInline static func has(_ w: UInt64, _ c: UInt8) -> UInt64 {
        let x = w ^ (ones &* UInt64(c))
        return (x &- ones) & ~x & highs
    }

    /// Non-zero when some byte of `w` is below 0x20 (every byte of `w` below 0x80 is checked exactly; a byte
    /// of 0x80 or more never reports).
    @inlinable @inline(__always)
    @usableFromInline static func hasControl(_ w: UInt64) -> UInt64 {
        (w &- ones &* 0x20) & ~w & highs
    }

    /// Whether the field holds `,` `"` LF or CR.
    @inlinable @inline(__always)
    public static func needsCSVQuotes(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= b.count {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if has(w, 0x2C) | has(w, 0x22) | has(w, 0x0A) | has(w, 0x0D) != 0 { return true }
            i += 8
        }
        while i < b.count {
            let c = b[i]
            if c == 0x2C || c == 0x22 || c == 0x0A || c == 0x0D { return true }
            i += 1
        }
        return false
    }

    /// Whether the text holds `"` `\\` or a control character (below 0x20).
    @inlinable @inline(__always)
    public static func needsJSONEscapes(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= b.count {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // 0x7F is DEL; 0xC2 leads the UTF-8 of C1 controls (U+0080–U+009F, e.g. CSI): both are escaped too.
            if hasControl(w) | has(w, 0x22) | has(w, 0x5C) | has(w, 0x7F) | has(w, 0xC2) != 0 { return true }
            i += 8
        }
        while i < b.count {
            let c = b[i]
            if c < 0x20 || c == 0x22 || c == 0x5C || c == 0x7F || c == 0xC2 { return true }
            i += 1
        }
        return false
    }

    /// Whether the bytes are well-formed UTF-8 (no overlong forms, surrogates or values above U+10FFFF); ASCII
    /// is passed over 8 bytes a step.
    @inlinable
    public static func isValidUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i < b.count {
            if i + 8 <= b.count, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & highs == 0 { i += 8; continue }
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let n: Int, low: UInt8, high: UInt8
            switch c {
            case 0xC2...0xDF: n = 1; low = 0x80; high = 0xBF
            case 0xE0: n = 2; low = 0xA0; high = 0xBF
            case 0xE1...0xEC, 0xEE...0xEF: n = 2; low = 0x80; high = 0xBF
            case 0xED: n = 2; low = 0x80; high = 0x9F
            case 0xF0: n = 3; low = 0x90; high = 0xBF
            case 0xF1...0xF3: n = 3; low = 0x80; high = 0xBF
            case 0xF4: n = 3; low = 0x80; high = 0x8F
            default: return false
            }
            guard i + n < b.count, b[i + 1] >= low, b[i + 1] <= high else { return false }
            var k = 2
            while k <= n {
                guard b[i + k] & 0xC0 == 0x80 else { return false }
                k += 1
            }
            i += n + 1
        }
        return true
    }

    /// Index of the first `"` at or after `start`.
    @inlinable @inline(__always)
    public static func firstQuote(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < b.count, let base = b.baseAddress else { return nil }
        guard let p = memchr(base + start, 0x22, b.count - start) else { return nil }
        return UnsafeRawPointer(p) - UnsafeRawPointer(base)
    }
}

/// UTF-8 bytes of `s` for the duration of `body`, without a copy for native strings.
@inlinable @inline(__always)
public func withUTF8Bytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    var s = s
    return try s.withUTF8(body)
}

/// A probability as a JSON/CSV number, rounded to 6 decimal places (shortest form; no `String(format:)`, which
/// dominated `predict --file` output time).
public func number(_ x: Float) -> String {
    guard x.isFinite else { return "0" }
    let v = (Double(x) * 1e6).rounded() / 1e6
    return v == v.rounded() ? String(Int(v)) : v.description
}

/// A JSON string literal with the escapes RFC 8259 requires.
public func jsonString(_ s: String) -> String {
    var out = "\""
    out.reserveCapacity(s.utf8.count + 2)
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20 || (0x7F...0x9F).contains(u.value): out += String(format: "\\u%04x", u.value)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}
