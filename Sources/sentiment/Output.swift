import ArgumentParser
import Bytes
import Foundation
import SentimentKit

/// Output formats shared by the commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, jsonl, csv
}

/// Writes bytes to standard output, all of them (retrying short writes).
func writeStandardOutput(_ raw: UnsafeRawBufferPointer) {
    var off = 0
    while off < raw.count {
        let n = Foundation.write(1, raw.baseAddress! + off, raw.count - off)
        if n <= 0 { break }
        off += n
    }
}

/// Buffered standard output: commands that print many rows write through this.
struct StandardOutput {
    private let buffer = ByteBuffer(capacity: 1 << 16)

    mutating func write(_ s: String) {
        buffer.append(s)
        if buffer.count >= 1 << 16 { flush() }
    }
    mutating func line(_ s: String) { write(s); write("\n") }

    /// Writes one CSV field, quoted when needed (RFC 4180), straight into the buffer.
    mutating func writeCSVField(_ s: String) {
        var s = s
        s.withUTF8 { buffer.append(csvField: $0) }
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard buffer.count > 0 else { return }
        writeStandardOutput(UnsafeRawBufferPointer(buffer.bytes))
        buffer.removeAll()
    }
}

/// The output of `predict --file`'s hot path: rows are appended byte by byte (no per-row `String`s) into the
/// product's byte buffer, which is written to standard output whenever a row leaves it over 1 MiB. Used from one
/// thread at a time.
final class OutputBuffer {
    let bytes = ByteBuffer(capacity: (1 << 20) + (1 << 16))

    var count: Int { bytes.count }

    @inline(__always) func append(_ byte: UInt8) { bytes.append(byte) }
    @inline(__always) func append(_ b: UnsafeRawBufferPointer) { bytes.append(b) }
    @inline(__always) func append(_ b: UnsafeBufferPointer<UInt8>) { bytes.append(b) }
    func append(_ b: [UInt8]) { bytes.append(b) }
    func append(_ s: String) { bytes.append(s) }
    @inline(__always) func append(decimal value: Int64) { bytes.append(decimal: value) }
    @inline(__always) func append(csvField b: UnsafeBufferPointer<UInt8>) { bytes.append(csvField: b) }
    @inline(__always) func append(jsonString b: UnsafeBufferPointer<UInt8>) { bytes.append(jsonString: b) }
    @inline(__always) func append(number x: Float) { bytes.append(number: x) }

    /// Ends a row: writes the buffer out once it holds 1 MiB.
    @inline(__always) func endRow() { if bytes.count >= 1 << 20 { flush() } }

    /// Writes the buffered bytes to standard output.
    func flush() {
        guard bytes.count > 0 else { return }
        writeStandardOutput(UnsafeRawBufferPointer(bytes.bytes))
        bytes.removeAll()
    }
}

/// The output formats' encodings on the product's byte buffer.
extension ByteBuffer {
    /// `number(x)`: a probability rounded to 6 decimals in its shortest form, written without a `String` for
    /// values in [0.0001, 1] (every such value is `0.` and up to 6 digits without trailing zeros, or `1`).
    @inline(__always)
    func append(number x: Float) {
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
    @inline(__always)
    func append(csvField b: UnsafeBufferPointer<UInt8>) {
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
    @inline(__always)
    func append(jsonString b: UnsafeBufferPointer<UInt8>) {
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
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Non-zero when some byte of `w` equals `c`.
    @inline(__always)
    private static func has(_ w: UInt64, _ c: UInt8) -> UInt64 {
        let x = w ^ (ones &* UInt64(c))
        return (x &- ones) & ~x & highs
    }

    /// Non-zero when some byte of `w` is below 0x20 (every byte of `w` below 0x80 is checked exactly; a byte
    /// of 0x80 or more never reports).
    @inline(__always)
    private static func hasControl(_ w: UInt64) -> UInt64 {
        (w &- ones &* 0x20) & ~w & highs
    }

    /// Whether the field holds `,` `"` LF or CR.
    @inline(__always)
    static func needsCSVQuotes(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
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
    @inline(__always)
    static func needsJSONEscapes(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
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

    /// Index of the first `"` at or after `start`.
    @inline(__always)
    static func firstQuote(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < b.count, let base = b.baseAddress else { return nil }
        guard let p = memchr(base + start, 0x22, b.count - start) else { return nil }
        return UnsafeRawPointer(p) - UnsafeRawPointer(base)
    }
}

/// UTF-8 bytes of `s` for the duration of `body`, without a copy for native strings.
@inline(__always)
func withUTF8Bytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    var s = s
    return try s.withUTF8(body)
}

/// Renders rows as an aligned text table with a header and a rule.
func renderTable(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
    let header = header.map { terminalSafe($0) }
    let rows = rows.map { $0.map { terminalSafe($0) } }
    var widths = header.map { $0.count }
    for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
    func fmt(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in
            let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
            return rightAligned.contains(i) ? pad + c : (i == cells.count - 1 ? c : c + pad)
        }.joined(separator: "  ")
    }
    var out = fmt(header) + "\n"
    out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
    for r in rows { out += fmt(r) + "\n" }
    return out
}

/// One CSV field, quoted when needed (RFC 4180).
func csvField(_ s: String) -> String {
    let buffer = ByteBuffer(capacity: s.utf8.count + 8)
    var s = s
    s.withUTF8 { buffer.append(csvField: $0) }
    return String(decoding: buffer.bytes, as: UTF8.self)
}

/// JSON text of an encodable value (sorted keys, so output is stable).
func jsonText<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
    try canonicalJSON(value, pretty: pretty)
}

/// A number with a fixed count of decimals.
func fixed(_ x: Double, _ decimals: Int = 3) -> String { String(format: "%.\(decimals)f", x) }

/// A single-line preview of a text for tables.
func preview(_ s: String, width: Int = 60) -> String {
    let flat = s.replacingOccurrences(of: "\n", with: " ")
    return terminalSafe(flat.count <= width ? flat : String(flat.prefix(width - 1)) + "…")
}

/// Text from users (headlines, labels, names, paths) made harmless for a terminal: control characters (C0, DEL,
/// C1, which start escape sequences, move the cursor or retitle the window) and bidirectional overrides are shown
/// as `\u{…}` escapes instead of being sent.
func terminalSafe(_ s: String, keepingNewlines: Bool = false) -> String {
    func unsafe(_ v: UInt32) -> Bool {
        (v < 0x20 && !(keepingNewlines && v == 0x0A)) || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }
    guard s.unicodeScalars.contains(where: { unsafe($0.value) }) else { return s }
    var out = ""
    out.reserveCapacity(s.utf8.count + 8)
    for u in s.unicodeScalars {
        if unsafe(u.value) {
            out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
        } else {
            out.unicodeScalars.append(u)
        }
    }
    return out
}

/// Streams JSON objects as one JSON array (`json`) or one object per line (`jsonl`).
struct JSONRecords {
    let lines: Bool
    private(set) var count = 0
    init(lines: Bool) { self.lines = lines }

    mutating func write(_ object: String, to out: inout StandardOutput) {
        if lines {
            out.line(object)
        } else {
            out.write(count == 0 ? "[\n  " : ",\n  ")
            out.write(object)
        }
        count += 1
    }

    func finish(_ out: inout StandardOutput) {
        if !lines { out.write(count == 0 ? "[]\n" : "\n]\n") }
    }
}
