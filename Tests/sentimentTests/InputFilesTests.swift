import Foundation
import XCTest

/// Input files as users have them: spreadsheet exports, bad rows in long files, and output that joins back to the
/// input (issue 19, items 3, 4 and 6).
final class InputFilesTests: XCTestCase {
    private func writeBytes(_ box: Sandbox, _ name: String, _ bytes: [UInt8]) throws -> String {
        let p = box.path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// The CSV rows of `predict --format csv` output, split naively (the tests' texts hold no commas or quotes).
    private func csvRows(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    // MARK: Item 4: spreadsheet exports

    func testExcelCSVTSVAsCSVLatin1AndUTF16AreRead() throws {
        let box = try Sandbox()
        let rows = "Shares soar after record profit;positive\r\nPlant closes and jobs are cut;negative\r\n"
        let excel = try writeBytes(box, "excel.csv", [0xEF, 0xBB, 0xBF] + Array("text;label\r\n\(rows)".utf8))
        let tsv = try box.write("tab.csv", "text\tlabel\nShares soar after record profit\tpositive\n")
        let latin = try writeBytes(box, "latin.csv", Array("text,label\nCaf".utf8) + [0xE9, 0x20, 0x80] + Array(" profit up,positive\n".utf8))
        let utf16 = try writeBytes(box, "utf16.csv", [0xFF, 0xFE] + "text,label\r\nÜber profit,positive\r\n".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })

        let a = try jsonArray(box.ok(["predict", "--no-store", "--file", excel, "--format", "json"]))
        XCTAssertEqual(a.map { $0["text"] as? String }, ["Shares soar after record profit", "Plant closes and jobs are cut"])
        let b = try jsonArray(box.ok(["predict", "--no-store", "--file", tsv, "--format", "json"]))
        XCTAssertEqual(b.first?["text"] as? String, "Shares soar after record profit")
        let c = try jsonArray(box.ok(["predict", "--no-store", "--file", utf16, "--format", "json"]))
        XCTAssertEqual(c.first?["text"] as? String, "Über profit")

        // Latin-1 without --encoding: an error naming file, line and byte, with the fix.
        try box.fails(["predict", "--no-store", "--file", latin], code: 65,
                      mentions: "latin.csv:2: invalid UTF-8 at byte offset 14 (a Latin-1 or Windows-1252 file? read it with --encoding latin1 or --encoding windows-1252)")
        let d = try jsonArray(box.ok(["predict", "--no-store", "--file", latin, "--encoding", "windows-1252", "--format", "json"]))
        XCTAssertEqual(d.first?["text"] as? String, "Café € profit up")
        let e = try jsonArray(box.ok(["predict", "--no-store", "--file", latin, "--encoding", "latin1", "--format", "json"]))
        XCTAssertEqual(e.first?["text"] as? String, "Café \u{80} profit up")

        // Training and evaluation read the same files the same way.
        try box.ok(["train", "--corpus", excel, "--name", "excel", "--no-tune", "--min-df", "1"])
        let report = try jsonObject(box.ok(["evaluate", "--model", "excel", "--corpus", excel, "--format", "json"]))
        XCTAssertNotNil(report["macro_f1"])
        try box.fails(["train", "--corpus", latin, "--name", "latin"], code: 65, mentions: "--encoding latin1")
    }

    func testDelimiterAndMissingColumnMessages() throws {
        let box = try Sandbox()
        let semi = try box.write("semi.csv", "text;label\nShares soar, again;positive\n")
        try box.fails(["predict", "--no-store", "--file", semi, "--delimiter", ","], code: 65,
                      mentions: "semi.csv:1: missing column \"text\": the header reads \"text;label\" (1 column, delimiter ','); did you mean --delimiter ';'?")
        let out = try jsonArray(box.ok(["predict", "--no-store", "--file", semi, "--delimiter", ";", "--format", "json"]))
        XCTAssertEqual(out.first?["text"] as? String, "Shares soar, again")
        let headline = try box.write("headline.csv", "headline\tlabel\nShares soar\tpositive\n")
        try box.fails(["predict", "--no-store", "--file", headline], code: 65,
                      mentions: "the header reads \"headline\\tlabel\" (1 column, delimiter ',')")
        XCTAssertEqual(try jsonArray(box.ok(["predict", "--no-store", "--file", headline, "--text-column", "headline",
                                             "--format", "json"])).count, 1)
        let ambiguous = try box.write("amb.csv", "text,a;text\nx,y\n")
        try box.fails(["predict", "--no-store", "--file", ambiguous], code: 65, mentions: "give one with --delimiter")
        try box.fails(["predict", "--no-store", "--file", semi, "--delimiter", "ab"], code: 64, mentions: "--delimiter")
        try box.fails(["predict", "--no-store", "--file", semi, "--encoding", "ebcdic"], code: 64, mentions: "--encoding")
        // A delimiter on standard input means CSV rather than one text per line.
        let piped = try jsonArray(box.ok(["predict", "--no-store", "-", "--delimiter", "|", "--format", "json"],
                                         stdin: "id|text\n7|Shares soar\n"))
        XCTAssertEqual(piped.first?["text"] as? String, "Shares soar")
    }
}
