import CorpusIO
import XCTest

final class CSVReaderTests: XCTestCase {
    func testSimpleRowsWithLineNumbers() throws {
        let c = try parse("text,label\nGood news,positive\nBad news,negative\n")
        XCTAssertEqual(c.texts, ["Good news", "Bad news"])
        XCTAssertEqual(c.labels, ["positive", "negative"])
        XCTAssertEqual(c.lines, [2, 3])
        XCTAssertEqual(c.format, .csv)
    }

    func testQuotedFieldsDoubledQuotesAndEmbeddedComma() throws {
        let c = try parse("text,label\n\"Profit rose, a lot\",positive\n\"He said \"\"wow\"\"\",neutral\n\"\"\"x\"\"\",negative")
        XCTAssertEqual(c.texts, ["Profit rose, a lot", "He said \"wow\"", "\"x\""])
        XCTAssertEqual(c.labels, ["positive", "neutral", "negative"])
    }

    func testEmbeddedNewlinesKeepLineNumbersRight() throws {
        let c = try parse("text,label\n\"first\nsecond\nthird\",positive\nnext,negative\n\"a\r\nb\",neutral\nlast,positive\n")
        XCTAssertEqual(c.texts, ["first\nsecond\nthird", "next", "a\r\nb", "last"])
        XCTAssertEqual(c.lines, [2, 5, 6, 8])
    }

    func testErrorLineAfterMultilineField() {
        let e = corpusError { try parse("text,label\n\"a\nb\",positive\n,negative\n") }
        XCTAssertEqual(e, CorpusError(file: "t.csv", line: 4, problem: .emptyText))
    }

    func testCRLFAndBOM() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("text,label\r\nUp,positive\r\n\"Down\",negative\r\n".utf8)
        let c = try parse(bytes: bytes)
        XCTAssertEqual(c.texts, ["Up", "Down"])
        XCTAssertEqual(c.labels, ["positive", "negative"])
        XCTAssertEqual(c.lines, [2, 3])
    }

    func testNoTrailingNewlineAndCRAtEnd() throws {
        XCTAssertEqual(try parse("text,label\nUp,positive").labels, ["positive"])
        XCTAssertEqual(try parse("text,label\r\nUp,positive\r").labels, ["positive"])
    }

    func testBlankLinesAreSkipped() throws {
        let c = try parse("\ntext,label\n\nUp,positive\n\r\n   \nDown,negative\n\n")
        XCTAssertEqual(c.texts, ["Up", "Down"])
        XCTAssertEqual(c.lines, [4, 7])
    }

    func testColumnOrderExtraColumnsAndOverride() throws {
        let c = try parse("id,sentiment,headline\n1,pos,Shares up\n2,neg,Shares down\n",
                          options: CorpusOptions(textColumn: "headline", labelColumn: "sentiment"))
        XCTAssertEqual(c.texts, ["Shares up", "Shares down"])
        XCTAssertEqual(c.labels, ["pos", "neg"])
    }

    func testColumnNamesMatchIgnoringCaseAndSpaces() throws {
        let c = try parse("Text , LABEL\nUp,positive\n")
        XCTAssertEqual(c.labels, ["positive"])
    }

    func testLabelsAreTrimmedTextIsNot() throws {
        let c = try parse("text,label\n  Up  , positive \n")
        XCTAssertEqual(c.texts, ["  Up  "])
        XCTAssertEqual(c.labels, ["positive"])
    }

    func testMissingColumnListsAvailableColumns() {
        let e = corpusError { try parse("headline,label\nUp,positive\n") }
        XCTAssertEqual(e?.problem, .missingColumn(name: "text", available: ["headline", "label"]))
        XCTAssertEqual(e?.description, "t.csv:1: missing column \"text\": the header reads \"headline,label\" (2 columns, delimiter ','): \"headline\", \"label\"; name the column with --text-column")
        let e2 = corpusError { try parse("text,sentiment\nUp,positive\n") }
        XCTAssertEqual(e2?.problem, .missingColumn(name: "label", available: ["text", "sentiment"]))
    }

    func testLabelsOptional() throws {
        let options = CorpusOptions(requireLabels: false)
        let c = try parse("text\nUp\n\"Down, sadly\"\n", options: options)
        XCTAssertEqual(c.texts, ["Up", "Down, sadly"])
        XCTAssertEqual(c.labels, [])
        XCTAssertFalse(c.hasLabels)
        // Label column present: still read.
        XCTAssertEqual(try parse("text,label\nUp,positive\n", options: options).labels, ["positive"])
    }

    func testUnterminatedQuoteNamesTheLineWhereItStarted() {
        let e = corpusError { try parse("text,label\nok,positive\n\"never closed,positive\nmore,negative\n") }
        XCTAssertEqual(e, CorpusError(file: "t.csv", line: 3, problem: .unterminatedQuote))
        XCTAssertTrue(e?.description.hasPrefix("t.csv:3: unterminated quoted field") ?? false)
    }

    func testTextAfterClosingQuote() {
        let e = corpusError { try parse("text,label\nok,positive\n\"a\"b,positive\n") }
        XCTAssertEqual(e, CorpusError(file: "t.csv", line: 3, problem: .textAfterClosingQuote))
    }

    func testQuoteInsideUnquotedFieldIsLiteral() throws {
        XCTAssertEqual(try parse("text,label\nA 5\" screen,neutral\n").texts, ["A 5\" screen"])
    }

    func testInvalidUTF8ReportsByteOffset() {
        // "text,label\n" is 11 bytes, "ab" 2 more: the bad byte 0xFF is at offset 13.
        let bytes = Array("text,label\nab".utf8) + [0xFF] + Array("c,positive\n".utf8)
        let e = corpusError { try parse(bytes: bytes) }
        XCTAssertEqual(e, CorpusError(file: "t.csv", line: 2, problem: .invalidUTF8(byteOffset: 13)))
        XCTAssertEqual(e?.description, "t.csv:2: invalid UTF-8 at byte offset 13 (a Latin-1 or Windows-1252 file? read it with --encoding latin1 or --encoding windows-1252)")
    }

    func testInvalidUTF8InLabelAndTruncatedSequenceAndLineInsideQuotedField() {
        let label = Array("text,label\nabc,pos".utf8) + [0xC3] + Array("\n".utf8)
        XCTAssertEqual(corpusError { try parse(bytes: label) }?.problem, .invalidUTF8(byteOffset: 18))
        // Bad byte on the second line of a quoted field: line 3, offset 11 + 1 + 4.
        let multi = Array("text,label\n\"abc\n".utf8) + [0xED, 0xA0, 0x80] + Array("\",positive\n".utf8)
        XCTAssertEqual(corpusError { try parse(bytes: multi) },
                       CorpusError(file: "t.csv", line: 3, problem: .invalidUTF8(byteOffset: 16)))  // the surrogate sequence starts at 16
    }

    func testValidMultibyteUTF8() throws {
        let c = try parse("text,label\nKurs fällt um 5 € 😟,negative\n\"Zürich, München\",neutral\n")
        XCTAssertEqual(c.texts, ["Kurs fällt um 5 € 😟", "Zürich, München"])
    }

    func testNULByte() {
        let bytes = Array("text,label\nab".utf8) + [0x00] + Array("c,positive\n".utf8)
        XCTAssertEqual(corpusError { try parse(bytes: bytes) },
                       CorpusError(file: "t.csv", line: 2, problem: .nulByte(byteOffset: 13)))
    }

    func testEmptyTextAndEmptyLabel() {
        XCTAssertEqual(corpusError { try parse("text,label\nok,positive\n,negative\n") },
                       CorpusError(file: "t.csv", line: 3, problem: .emptyText))
        XCTAssertEqual(corpusError { try parse("text,label\n\"   \",negative\n") },
                       CorpusError(file: "t.csv", line: 2, problem: .emptyText))
        XCTAssertEqual(corpusError { try parse("text,label\nok,positive\nfine, \n") },
                       CorpusError(file: "t.csv", line: 3, problem: .emptyLabel))
        XCTAssertEqual(corpusError { try parse("text,label\nok,\"\"\n") },
                       CorpusError(file: "t.csv", line: 2, problem: .emptyLabel))
    }

    func testHeaderOnlyAndEmptyFile() {
        XCTAssertEqual(corpusError { try parse("text,label\n") }, CorpusError(file: "t.csv", problem: .noRecords))
        XCTAssertEqual(corpusError { try parse("") }, CorpusError(file: "t.csv", problem: .emptyFile))
        XCTAssertEqual(corpusError { try parse(bytes: [0xEF, 0xBB, 0xBF]) }, CorpusError(file: "t.csv", problem: .emptyFile))
        XCTAssertEqual(corpusError { try parse("\n\r\n\n") }, CorpusError(file: "t.csv", problem: .emptyFile))
        XCTAssertEqual(CorpusError(file: "t.csv", problem: .noRecords).description,
                       "t.csv: no records (the file has a header but no rows)")
    }

    func testWrongFieldCount() {
        XCTAssertEqual(corpusError { try parse("text,label\nok,positive\nonly one field\n") },
                       CorpusError(file: "t.csv", line: 3, problem: .wrongFieldCount(expected: 2, found: 1)))
        XCTAssertEqual(corpusError { try parse("text,label\nok,positive,extra\n") },
                       CorpusError(file: "t.csv", line: 2, problem: .wrongFieldCount(expected: 2, found: 3)))
        XCTAssertEqual(corpusError { try parse("text,label\nok,positive,\n") }?.problem,
                       .wrongFieldCount(expected: 2, found: 3))
    }

    func testTSV() throws {
        let c = try parse("label\ttext\npositive\tUp, clearly\nnegative\t\"Down\tquoted\"\n", path: "news.tsv")
        XCTAssertEqual(c.format, .tsv)
        XCTAssertEqual(c.texts, ["Up, clearly", "Down\tquoted"])
        XCTAssertEqual(c.labels, ["positive", "negative"])
    }

    func testLongFieldsExerciseWordScanning() throws {
        let long = String(repeating: "abcdefg, ", count: 50)
        let c = try parse("text,label\n\"\(long)\",positive\n\(long.replacingOccurrences(of: ",", with: ";")),negative\n")
        XCTAssertEqual(c.texts, [long, long.replacingOccurrences(of: ",", with: ";")])
    }
}
