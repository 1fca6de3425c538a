import CorpusIO
import XCTest

/// Spreadsheet exports: the delimiter found from the header, encodings other than UTF-8, and the errors that say
/// how to read a file that fits neither.
final class EncodingDelimiterTests: XCTestCase {
    /// Whole-buffer and streamed (tiny chunks) reads agree; returns the corpus.
    private func read(_ bytes: [UInt8], path: String = "t.csv", options: CorpusOptions = CorpusOptions(),
                      file: StaticString = #filePath, line: UInt = #line) throws -> Corpus {
        let whole = bulk(bytes, path: path, options: options)
        for chunk in [1, 3, 7, 64] {
            XCTAssertEqual(streamAll(bytes, path: path, options: options, chunkSize: chunk), whole,
                           "chunk \(chunk)", file: file, line: line)
        }
        return try whole.get()
    }

    func testExcelSemicolonCSVWithBOMAndCRLF() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("id;text;label\r\n1;Profit up, again;positive\r\n2;\"Plant; closes\";negative\r\n".utf8)
        let c = try read(bytes)
        XCTAssertEqual(c.texts, ["Profit up, again", "Plant; closes"])
        XCTAssertEqual(c.labels, ["positive", "negative"])
        XCTAssertEqual(c.lines, [2, 3])
    }

    func testQuotedSemicolonHeader() throws {
        let c = try read(Array("\"text\";\"label\"\n\"a, b\";positive\n".utf8))
        XCTAssertEqual(c.texts, ["a, b"])
        XCTAssertEqual(c.labels, ["positive"])
    }

    func testTSVSavedAsCSVAndCSVSavedAsTSV() throws {
        XCTAssertEqual(try read(Array("text\tlabel\nup, a lot\tpositive\n".utf8)).texts, ["up, a lot"])
        XCTAssertEqual(try read(Array("text,label\nup\tdown,positive\n".utf8), path: "t.tsv").texts, ["up\tdown"])
        XCTAssertEqual(try read(Array("text|label\nup|positive\n".utf8)).labels, ["positive"])
    }

    func testOneColumnHeaderKeepsTheFormatsDelimiter() throws {
        // "text" alone splits the same with every delimiter: the format's own is kept, so ';' stays in the text.
        let c = try read(Array("text\na;b\n".utf8), options: CorpusOptions(requireLabels: false))
        XCTAssertEqual(c.texts, ["a;b"])
    }

    func testGivenDelimiterWins() throws {
        let options = CorpusOptions(requireLabels: false, delimiter: 0x3B)
        let c = try read(Array("text;label\na,b;x\n".utf8), options: options)
        XCTAssertEqual(c.texts, ["a,b"])
    }

    func testMissingTextColumnShowsTheHeaderAndSuggestsTheDelimiter() {
        let options = CorpusOptions(delimiter: 0x2C)
        let e = corpusError { try parse("text;label\na;positive\n", options: options) }
        XCTAssertEqual(e?.line, 1)
        XCTAssertEqual(e?.description,
                       "t.csv:1: missing column \"text\": the header reads \"text;label\" (1 column, delimiter ','); did you mean --delimiter ';'?")
        // A tab is made visible, and a header no delimiter helps says which option names the column.
        let tab = corpusError { try parse("headline\tlabel\nx\tpositive\n") }
        XCTAssertTrue(tab?.description.contains("\"headline\\tlabel\" (1 column, delimiter ',')") == true, tab?.description ?? "")
        XCTAssertTrue(tab?.description.contains("--delimiter tab") == true, tab?.description ?? "")
        XCTAssertTrue(tab?.description.contains("--text-column") == true, tab?.description ?? "")
        let named = corpusError { try parse("id,headline,label\n1,x,positive\n") }
        XCTAssertEqual(named?.description,
                       "t.csv:1: missing column \"text\": the header reads \"id,headline,label\" (3 columns, delimiter ','): \"id\", \"headline\", \"label\"; name the column with --text-column")
    }

    func testAmbiguousDelimiterIsAnError() {
        let e = corpusError { try parse("text,a;text\nx,y\n", options: CorpusOptions(requireLabels: false)) }
        XCTAssertEqual(e?.problem, .ambiguousDelimiter(name: "text", delimiters: [0x2C, 0x3B]))
        // The label column settles it when only one split has it.
        let c = try? parse("text,label,a;text\nx,positive,y\n")
        XCTAssertEqual(c?.labels, ["positive"])
    }

    func testDelimiterOnlyForDelimitedFormats() {
        let e = corpusError { try parse("a\n", path: "t.txt", options: CorpusOptions(requireLabels: false, delimiter: 0x3B)) }
        XCTAssertEqual(e?.problem, .delimiterNotApplicable(format: .lines))
    }

    func testLatin1AndWindows1252() throws {
        let bytes = Array("text,label\nCaf".utf8) + [0xE9, 0x20, 0x80, 0x20, 0x93, 0x71, 0x94] + Array(",positive\n".utf8)
        // Without an encoding: an error naming file, line and byte, suggesting the encodings.
        let e = corpusError { try parse(bytes: bytes) }
        XCTAssertEqual(e?.file, "t.csv")
        XCTAssertEqual(e?.line, 2)
        XCTAssertEqual(e?.problem, .invalidUTF8(byteOffset: 14))
        XCTAssertTrue(e?.description.contains("--encoding latin1 or --encoding windows-1252") == true)
        XCTAssertEqual(try read(bytes, options: CorpusOptions(encoding: .windows1252)).texts, ["Café € “q”"])
        XCTAssertEqual(try read(bytes, options: CorpusOptions(encoding: .latin1)).texts, ["Café \u{80} \u{93}q\u{94}"])
    }

    func testUTF16WithByteOrderMark() throws {
        let text = "text;label\r\nShares soar 📈;positive\r\nÜber, 300;negative\r\n"
        let le: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let be: [UInt8] = [0xFE, 0xFF] + text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        for bytes in [le, be] {
            for encoding in [nil, TextEncoding.utf16] {
                let c = try read(bytes, options: CorpusOptions(encoding: encoding))
                XCTAssertEqual(c.texts, ["Shares soar 📈", "Über, 300"])
                XCTAssertEqual(c.lines, [2, 3])
            }
        }
        let noMark = Array(le.dropFirst(2))
        XCTAssertEqual(corpusError { try parse(bytes: noMark, options: CorpusOptions(encoding: .utf16)) }?.problem,
                       .missingByteOrderMark)
        XCTAssertEqual(try read(noMark, options: CorpusOptions(encoding: .utf16LE)).labels, ["positive", "negative"])
        // A lone surrogate and an odd last byte name the file's own byte offsets.
        var broken = le
        broken.replaceSubrange(26..<28, with: [0x00, 0xD8])  // "t" of "text" on line 2 → a high surrogate alone
        let bad = corpusError { try parse(bytes: broken) }
        XCTAssertEqual(bad?.problem, .invalidUTF16(byteOffset: 26))
        XCTAssertEqual(bad?.line, 2)
        XCTAssertEqual(corpusError { try parse(bytes: le + [0x41]) }?.problem, .invalidUTF16(byteOffset: le.count))
    }

    func testTranscodedNULNamesTheFilesByte() {
        let e = corpusError { try parse(bytes: Array("text\nab".utf8) + [0] + Array("c\n".utf8),
                                        options: CorpusOptions(requireLabels: false, encoding: .latin1)) }
        XCTAssertEqual(e, CorpusError(file: "t.csv", line: 2, problem: .nulByte(byteOffset: 7)))
    }

    func testEncodingNames() {
        XCTAssertEqual(TextEncoding(name: "UTF8"), .utf8)
        XCTAssertEqual(TextEncoding(name: "ISO-8859-1"), .latin1)
        XCTAssertEqual(TextEncoding(name: "cp1252"), .windows1252)
        XCTAssertEqual(TextEncoding(name: "UTF-16LE"), .utf16LE)
        XCTAssertNil(TextEncoding(name: "ebcdic"))
    }
}
