import ArgumentParser
import Foundation

/// Output formats shared by the commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, jsonl, csv
}

/// Buffered standard output: commands that print many rows write through this.
struct StandardOutput {
    private var buffer: [UInt8] = []
    init() { buffer.reserveCapacity(1 << 16) }

    mutating func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }
    mutating func line(_ s: String) { write(s); write("\n") }

    /// Writes one CSV field, quoted when needed (RFC 4180), straight into the buffer.
    mutating func writeCSVField(_ s: String) {
        appendCSVField(s, to: &buffer)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Foundation.write(1, raw.baseAddress! + off, raw.count - off)
                if n <= 0 { break }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Renders rows as an aligned text table with a header and a rule.
func renderTable(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
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
    var bytes: [UInt8] = []
    appendCSVField(s, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
}

/// Appends `s` as a CSV field: as is, or quoted with inner quotes doubled when it holds `,` `"` CR or LF.
func appendCSVField(_ s: String, to buffer: inout [UInt8]) {
    var s = s
    s.withUTF8 { b in
        if b.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
            buffer.append(0x22)
            for c in b {
                if c == 0x22 { buffer.append(0x22) }
                buffer.append(c)
            }
            buffer.append(0x22)
        } else {
            buffer.append(contentsOf: b)
        }
    }
}

/// JSON text of an encodable value (sorted keys, so output is stable).
func jsonText<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
    let enc = JSONEncoder()
    enc.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try enc.encode(value), as: UTF8.self)
}

/// A number with a fixed count of decimals.
func fixed(_ x: Double, _ decimals: Int = 3) -> String { String(format: "%.\(decimals)f", x) }

/// A single-line preview of a text for tables.
func preview(_ s: String, width: Int = 60) -> String {
    let flat = s.replacingOccurrences(of: "\n", with: " ")
    return flat.count <= width ? flat : String(flat.prefix(width - 1)) + "…"
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
