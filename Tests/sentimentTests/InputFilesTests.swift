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

    // MARK: Item 3: one bad row in a long file

    /// A file of `count` good rows (id, text) with bad rows at the given lines (1-based, the header is line 1).
    private func longFile(_ box: Sandbox, count: Int, bad: [Int: String]) throws -> String {
        var out = "id,text\n"
        var line = 2
        var n = 0
        while n < count {
            if let row = bad[line] {
                out += row + "\n"
            } else {
                out += "r\(n),Profit rises at plant \(n % 7)\n"
                n += 1
            }
            line += 1
        }
        return try box.write("long.csv", out)
    }

    func testOneBadRowStopsTheRunAndSaysWhatWasStored() throws {
        let box = try Sandbox()
        let file = try longFile(box, count: 30_000, bad: [25_002: "x,\"\""])
        let r = try box.run(["predict", "--file", file, "--format", "csv"])
        XCTAssertEqual(r.code, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("long.csv:25002: empty text; the 25000 rows before it were stored (a second run stores them again); --skip-invalid skips such rows"), r.stderr)
        // Every row before the bad one was stored and written, none after it.
        XCTAssertEqual(csvRows(r.stdout).count - 1, 25_000)
        let stored = try jsonObject(box.ok(["predictions", "summary", "--format", "json"]))
        XCTAssertEqual((stored["total"] as? NSNumber)?.intValue, 25_000)
    }

    func testSkipInvalidLeavesBadRowsOutAndReportsThem() throws {
        let box = try Sandbox()
        var bad: [Int: String] = [3: "x,\"\"", 5: "", 8: "y,too,many", 9: "z,   "]
        for line in 20..<45 { bad[line] = "w,\"\"" }  // more than are reported one by one
        let file = try longFile(box, count: 30, bad: bad)
        let r = try box.run(["predict", "--file", file, "--format", "csv", "--skip-invalid"])
        XCTAssertEqual(r.code, 0, r.stderr)
        let rows = csvRows(r.stdout)
        XCTAssertEqual(rows.count - 1, 30, "one output row per valid input row")
        XCTAssertEqual(rows[0].suffix(2), ["line", "input_id"])
        // The input line of each output row is right: the row with id rN is where the file has it.
        let lines = try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\n")
        for row in rows.dropFirst() {
            let line = try XCTUnwrap(Int(row[row.count - 2]))
            XCTAssertTrue(lines[line - 1].hasPrefix(row.last! + ","), "line \(line): \(lines[line - 1]) vs \(row)")
        }
        // Reported with FILE:LINE and the problem, the blank line like an empty text; bounded, with a count.
        XCTAssertTrue(r.stderr.contains("sentiment: skipped: \(file):3: empty text"), r.stderr)
        XCTAssertTrue(r.stderr.contains("sentiment: skipped: \(file):5: empty text"), r.stderr)
        XCTAssertTrue(r.stderr.contains("sentiment: skipped: \(file):8: expected 2 fields (as in the header), found 3"), r.stderr)
        XCTAssertTrue(r.stderr.contains("sentiment: skipped: \(file):9: empty text"), r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "sentiment: skipped: ").count - 1, 20)
        XCTAssertTrue(r.stderr.contains("sentiment: skipped 29 invalid rows (the first 20 shown above, … and 9 more); 30 predicted"), r.stderr)
        let summary = try jsonObject(box.ok(["predictions", "summary", "--format", "json"]))
        XCTAssertEqual((summary["total"] as? NSNumber)?.intValue, 30, "only valid rows stored")
        // Texts on the command line have no rows to skip.
        try box.fails(["predict", "--skip-invalid", "Profit rises"], code: 64, mentions: "--skip-invalid applies to --file")
        // Training does not take it: a model is trained on the corpus as it is.
        XCTAssertEqual(try box.run(["train", "--corpus", file, "--skip-invalid"]).code, 64)
    }

    func testBlankLinesAreRowsButNotAtTheEnd() throws {
        let box = try Sandbox()
        // One text per line: the blank line in the middle is an invalid row, the ones at the end are not rows.
        let r = try box.run(["predict", "--no-store", "-", "--format", "jsonl", "--skip-invalid"],
                            stdin: "Profit rises\n\nPlant closes\n\n\n")
        XCTAssertEqual(r.code, 0, r.stderr)
        let rows = try r.stdout.split(separator: "\n").map { try jsonObject(String($0)) }
        XCTAssertEqual(rows.map { ($0["line"] as? NSNumber)?.intValue }, [1, 3])
        XCTAssertTrue(r.stderr.contains("<stdin>:2: empty text"), r.stderr)
        XCTAssertTrue(r.stderr.contains("skipped 1 invalid row;"), r.stderr)
        XCTAssertEqual(try box.run(["predict", "--no-store", "-"], stdin: "Profit rises\nPlant closes\n\n\n").code, 0)
    }

    // MARK: Item 6: output that joins back to the input

    func testOutputKeepsLinesAndInputColumns() throws {
        let box = try Sandbox()
        let csv = try box.write("in.csv", "id,source,text,label\nn1,wire,\"Shares soar, again\",positive\nn2,blog,Plant closes,\n")
        let out = try box.ok(["predict", "--file", csv, "--format", "csv", "--no-store"])
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "id,text,label,confidence,p_negative,p_neutral,p_positive,model,line,input_id,source,input_label")
        XCTAssertTrue(lines[1].hasSuffix(",default@1,2,n1,wire,positive"), lines[1])
        XCTAssertTrue(lines[2].hasSuffix(",default@1,3,n2,blog,"), lines[2])
        let json = try jsonArray(box.ok(["predict", "--file", csv, "--format", "json", "--no-store"]))
        XCTAssertEqual(json.map { ($0["line"] as? NSNumber)?.intValue }, [2, 3])
        XCTAssertEqual(json[0]["input"] as? [String: String], ["id": "n1", "source": "wire", "label": "positive"])
        XCTAssertEqual(json[0]["text"] as? String, "Shares soar, again")
        let table = try box.ok(["predict", "--file", csv, "--no-store"])
        XCTAssertTrue(table.contains("line  id  label"), table)
        // --no-keep-columns: the line stays, the input's columns go.
        let bare = try box.ok(["predict", "--file", csv, "--format", "csv", "--no-store", "--no-keep-columns"])
        XCTAssertEqual(bare.split(separator: "\n").first, "id,text,label,confidence,p_negative,p_neutral,p_positive,model,line")

        // JSON Lines: other keys keep their JSON values; CSV output takes the first row's keys.
        let jsonl = try box.write("in.jsonl", "{\"id\": 7, \"text\": \"Profit up\", \"tags\": [\"a\"], \"ok\": true}\n{\"text\": \"Plant closes\", \"id\": 8}\n")
        let rows = try box.ok(["predict", "--file", jsonl, "--format", "jsonl", "--no-store"]).split(separator: "\n").map { try jsonObject(String($0)) }
        let input = try XCTUnwrap(rows[0]["input"] as? [String: Any])
        XCTAssertEqual((input["id"] as? NSNumber)?.intValue, 7)
        XCTAssertEqual(input["tags"] as? [String], ["a"])
        XCTAssertEqual(input["ok"] as? Bool, true)
        XCTAssertEqual(rows.map { ($0["line"] as? NSNumber)?.intValue }, [1, 2])
        let csvOut = try box.ok(["predict", "--file", jsonl, "--format", "csv", "--no-store"]).split(separator: "\n").map(String.init)
        XCTAssertEqual(csvOut[0], "id,text,label,confidence,p_negative,p_neutral,p_positive,model,line,input_id,tags,ok")
        XCTAssertTrue(csvOut[1].hasSuffix(",1,7,\"[\"\"a\"\"]\",true"), csvOut[1])
        XCTAssertTrue(csvOut[2].hasSuffix(",2,8,,"), csvOut[2])
        // Stored predictions keep the line in their source.
        try box.ok(["predict", "--file", csv])
        let stored = try jsonArray(box.ok(["predictions", "--format", "json"]))
        XCTAssertEqual(Set(stored.compactMap { $0["source"] as? String }), ["\(csv):2", "\(csv):3"])
    }
}
