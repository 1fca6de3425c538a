import ArgumentParser
import Bytes
import Foundation
import SentimentKit

/// Each command accepts exactly the formats it produces (its `--help` lists them; another is a usage error that
/// names them), through one of these three types.
///
/// Predictions (`predict`, `predictions`): a table, a JSON array, one JSON object per line, or CSV.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, jsonl, csv
}

/// Lists of records (`models list`, `corpora list`): a table, a JSON array or one JSON object per line.
enum RecordsFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, jsonl
}

/// One report or object (`train`, `evaluate`, `models show`/`compare`, `corpora show`, `predictions summary`).
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
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
