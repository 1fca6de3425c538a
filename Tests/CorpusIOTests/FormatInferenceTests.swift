import CorpusIO
import XCTest

final class FormatInferenceTests: XCTestCase {
    private func infer(_ path: String, _ first: String = "") -> CorpusFormat {
        CorpusFormat.infer(path: path, firstBytes: Array(first.utf8))
    }

    func testByExtension() {
        XCTAssertEqual(infer("a.csv"), .csv)
        XCTAssertEqual(infer("dir.v2/A.CSV"), .csv)
        XCTAssertEqual(infer("a.tsv"), .tsv)
        XCTAssertEqual(infer("a.jsonl"), .jsonl)
        XCTAssertEqual(infer("a.ndjson"), .jsonl)
        XCTAssertEqual(infer("a.ft"), .fasttext)
        XCTAssertEqual(infer("a.fasttext"), .fasttext)
        XCTAssertEqual(infer("-", "{\"text\": 1}"), .csv)
    }

    func testTxtSniffing() {
        XCTAssertEqual(infer("a.txt", "\n__label__pos Good\n"), .fasttext)
        XCTAssertEqual(infer("a.txt", "\u{FEFF}Profit rose@positive\r\n"), .phrasebank)
        XCTAssertEqual(infer("a.txt", "Loss@negative"), .phrasebank)
        XCTAssertEqual(infer("a.txt", "Flat@neutral \nx"), .phrasebank)
        XCTAssertEqual(infer("a.txt", "mail me at a@b.com\n"), .lines)
        XCTAssertEqual(infer("a.txt", ""), .lines)
    }

    func testUnknownExtensionSniffing() {
        XCTAssertEqual(infer("data", "{\"text\": \"a\"}"), .jsonl)
        XCTAssertEqual(infer("data.dat", "__label__x y"), .fasttext)
        XCTAssertEqual(infer("data", "text\tlabel\n"), .tsv)
        XCTAssertEqual(infer("data", "text,label\n"), .csv)
    }

    func testExplicitFormatOverridesExtension() throws {
        let c = try parse("__label__pos Up\n__label__neg Down\n", path: "x.csv", options: CorpusOptions(format: .fasttext))
        XCTAssertEqual(c.format, .fasttext)
        XCTAssertEqual(c.labels, ["pos", "neg"])
    }
}
