@testable import CorpusIO
import Foundation
import XCTest

/// Reading big CSV/TSV files in two halves at once must give exactly the serial reader's records, line numbers and
/// first error, wherever the split falls (inside quoted line breaks, on blank lines, CRLF, …).
final class ParallelReadTests: XCTestCase {
    private struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 17
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    private func field(_ g: inout Generator, delimiter: String) -> String {
        let words = ["profit", "rose", "loss", "EUR", "5%", "café", "株価", "don't", "\"quoted\"", "a,b", "x\ty"]
        var text = (0..<(1 + g.below(8))).map { _ in words[g.below(words.count)] }.joined(separator: " ")
        if g.below(6) == 0 { text += "\nsecond line" }
        if g.below(12) == 0 { text += "\r\n\r\nafter blank lines" }
        let needsQuotes = text.contains("\"") || text.contains(delimiter) || text.contains("\n") || g.below(4) == 0
        return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// A corpus of `rows` records with awkward fields, optionally with one error at `errorRow`.
    private func corpus(_ g: inout Generator, rows: Int, tsv: Bool, errorRow: Int?) -> [UInt8] {
        let d = tsv ? "\t" : ","
        let eol = g.below(3) == 0 ? "\r\n" : "\n"
        var out = (g.below(4) == 0 ? "\u{FEFF}" : "") + "label\(d)text\(d)extra" + eol
        var bytes: [UInt8] = []
        for i in 0..<rows {
            if g.below(15) == 0 { out += eol }  // blank line
            var row = ["positive", "negative", "neutral"][g.below(3)] + d + field(&g, delimiter: d) + d + "\(i)"
            if i == errorRow {
                switch g.below(5) {
                case 0: row += d + "one field too many"
                case 1: row = "neutral" + d + " " + d + "1"           // empty text
                case 2: row = "neutral" + d + "\"never closed" + d + "2" // unterminated quote (runs to the end)
                case 3: row = "neutral" + d + "\"closed\"junk" + d + "3"
                default:
                    bytes += Array(out.utf8) + [0x6E, 0x65, 0x75, 0xFF] + Array((d + "bad utf8" + d + "4" + eol).utf8)
                    out = ""
                    continue
                }
            }
            out += row + eol
        }
        return bytes + Array(out.utf8)
    }

    private func outcome(_ body: () throws -> Corpus?) -> String {
        do {
            guard let c = try body() else { return "nil" }
            return "\(c.count) \(c.texts.hashValue) \(c.labels) \(c.lines) \(c.texts)"
        } catch {
            return "error: \(error)"
        }
    }

    func testTwoHalvesGiveTheSerialRecordsLinesAndErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ParallelReadTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var g = Generator(state: 42)
        var parallelRuns = 0, splitsAccepted = 0, errors = 0
        for trial in 0..<300 {
            let tsv = trial % 4 == 3
            let rows = 1 + g.below(60)
            let errorRow = g.below(3) == 0 ? g.below(rows) : nil
            let path = dir.appendingPathComponent("c\(trial).\(tsv ? "tsv" : "csv")").path
            try Data(corpus(&g, rows: rows, tsv: tsv, errorRow: errorRow)).write(to: URL(fileURLWithPath: path))
            let options = CorpusOptions(textColumn: "text", labelColumn: "label")
            let serial = outcome { try CorpusReader(path: path, options: options).readRemaining() }
            let parallel = outcome { try CorpusFile.readAllInTwoHalves(path: path, options: options, minimumBytes: 0) }
            guard parallel != "nil" else { continue }
            parallelRuns += 1
            if serial.hasPrefix("error") { errors += 1 }
            let content = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            XCTAssertEqual(parallel, serial, "trial \(trial):\n" + content)
            // The public entry point (serial at this size) agrees as well.
            XCTAssertEqual(outcome { try CorpusFile.readAll(path: path, options: options) }, serial, "trial \(trial)")
            if let held = try? CorpusFile.twoHalves(path: path, options: options, minimumBytes: 0)?.splitHeld, held {
                splitsAccepted += 1
            }
        }
        XCTAssertGreaterThan(parallelRuns, 250)
        XCTAssertGreaterThan(errors, 50)
        // Both ways occur: the split usually holds, and sometimes falls inside a quoted field (serial fallback).
        XCTAssertGreaterThan(splitsAccepted, 100)
        XCTAssertLessThan(splitsAccepted, parallelRuns - 10)
    }

    func testSmallFilesStdinAndOtherFormatsAreLeftToTheSerialReader() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ParallelReadTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("small.csv").path
        try Data("text,label\na,b\nc,d\n".utf8).write(to: URL(fileURLWithPath: csv))
        XCTAssertNil(try CorpusFile.readAllInTwoHalves(path: csv, options: CorpusOptions()))
        XCTAssertNotNil(try CorpusFile.readAllInTwoHalves(path: csv, options: CorpusOptions(), minimumBytes: 0))
        let jsonl = dir.appendingPathComponent("small.jsonl").path
        try Data("{\"text\":\"a\",\"label\":\"b\"}\n{\"text\":\"c\",\"label\":\"d\"}\n".utf8).write(to: URL(fileURLWithPath: jsonl))
        XCTAssertNil(try CorpusFile.readAllInTwoHalves(path: jsonl, options: CorpusOptions(), minimumBytes: 0))
        XCTAssertNil(try CorpusFile.readAllInTwoHalves(path: "-", options: CorpusOptions(), minimumBytes: 0))
        XCTAssertNil(try CorpusFile.readAllInTwoHalves(path: dir.appendingPathComponent("missing.csv").path,
                                                       options: CorpusOptions(), minimumBytes: 0))
    }
}
