import CorpusIO
import XCTest

/// Rows with a problem of their own are given as `CorpusRow.invalid` with the reader past them; blank lines as
/// rows; the other columns kept for output.
final class InvalidRowTests: XCTestCase {
    private func rows(_ text: String, path: String = "t.csv", options: CorpusOptions, chunkSize: Int) throws -> [CorpusRow] {
        let reader = try CorpusReader(bytes: Array(text.utf8), path: path, options: options, chunkSize: chunkSize)
        var out: [CorpusRow] = []
        while let row = try reader.nextRow() { out.append(row) }
        return out
    }

    /// The same rows whatever the chunk size.
    private func allRows(_ text: String, path: String = "t.csv", options: CorpusOptions,
                         file: StaticString = #filePath, line: UInt = #line) throws -> [CorpusRow] {
        let whole = try rows(text, path: path, options: options, chunkSize: 1 << 20)
        for chunk in [1, 2, 5, 16] {
            XCTAssertEqual(try rows(text, path: path, options: options, chunkSize: chunk), whole, "chunk \(chunk)",
                           file: file, line: line)
        }
        return whole
    }

    private func summary(_ rows: [CorpusRow]) -> [String] {
        rows.map {
            switch $0 {
            case .record(let r): return "\(r.line) \(r.text)"
            case .invalid(let e): return "\(e.line ?? 0)! \(e.problemText)"
            }
        }
    }

    private var predicting: CorpusOptions {
        var o = CorpusOptions(requireLabels: false)
        o.blankLinesAreRows = true
        o.ignoreLabels = true
        return o
    }

    func testCSVRowProblemsAreRowsAndReadingGoesOn() throws {
        let text = "text,label\na,x\n\"\",x\n\nb,x,extra\n  ,x\nc,\n\n \n"
        XCTAssertEqual(summary(try allRows(text, options: predicting)),
                       ["2 a", "3! empty text", "4! empty text", "5! expected 2 fields (as in the header), found 3",
                        "6! empty text", "7 c"])
        // Without blank lines as rows, as training reads: skipped, and the first problem is thrown by next().
        let training = CorpusOptions(requireLabels: false)
        XCTAssertEqual(summary(try allRows(text, options: training)),
                       ["2 a", "3! empty text", "5! expected 2 fields (as in the header), found 3", "6! empty text",
                        "7! empty label"])
        let reader = try CorpusReader(bytes: Array(text.utf8), path: "t.csv", options: training)
        XCTAssertEqual(try reader.next()?.text, "a")
        XCTAssertThrowsError(try reader.next()) { XCTAssertEqual(($0 as? CorpusError)?.line, 3) }
    }

    func testLineFormatsRowProblems() throws {
        XCTAssertEqual(summary(try allRows("one\n\n  \ntwo\n\n", path: "t.txt", options: predicting)),
                       ["1 one", "2! empty text", "3! empty text", "4 two"])
        let jsonl = "{\"text\": \"a\"}\nnot json\n{\"text\": \"\"}\n{\"txt\": \"b\"}\n{\"text\": \"c\", \"label\": 5.5}\n"
        XCTAssertEqual(summary(try allRows(jsonl, path: "t.jsonl", options: predicting)),
                       ["1 a", "2! invalid JSON (expected one JSON object per line)", "3! empty text",
                        "4! missing key \"text\" (keys: \"txt\")", "5 c"])
    }

    func testOnlyInvalidRowsIsNotAnEmptyFile() throws {
        XCTAssertEqual(summary(try allRows("text\n\"\"\n", options: predicting)), ["2! empty text"])
        XCTAssertThrowsError(try allRows("text\n\n\n", options: predicting)) {
            XCTAssertEqual(($0 as? CorpusError)?.problem, .noRecords)
        }
    }

    func testKeptColumns() throws {
        var options = predicting
        options.keepColumns = true
        let csv = try allRows("id;text;label\n1;a;pos\n2;b;\n", options: options)
        guard case .record(let r) = csv[1] else { return XCTFail("\(csv)") }
        XCTAssertEqual(r.columns, [CorpusField(name: "id", value: "2"), CorpusField(name: "label", value: "")])
        XCTAssertNil(r.label, "labels are not read when ignored")
        let jsonl = "{\"n\": 1.50, \"text\": \"a\", \"m\": {\"k\": [1, \"x\"]}, \"s\": \"q\\\"\", \"k\\u0041\": null}\n"
        guard case .record(let j) = try allRows(jsonl, path: "t.jsonl", options: options)[0] else { return XCTFail() }
        XCTAssertEqual(j.columns, [CorpusField(name: "n", value: "1.50", isJSON: true),
                                   CorpusField(name: "m", value: "{\"k\": [1, \"x\"]}", isJSON: true),
                                   CorpusField(name: "s", value: "q\""),
                                   CorpusField(name: "kA", value: "null", isJSON: true)])
        guard case .record(let f) = try allRows("__label__pos a b\n", path: "t.ft", options: options)[0] else { return XCTFail() }
        XCTAssertEqual(f.columns, [CorpusField(name: "label", value: "pos")])
        // Not asked for: nothing kept (training pays nothing).
        guard case .record(let plain) = try allRows("id,text\n1,a\n", options: predicting)[0] else { return XCTFail() }
        XCTAssertEqual(plain.columns, [])
    }
}
