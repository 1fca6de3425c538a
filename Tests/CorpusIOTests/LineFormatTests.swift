import CorpusIO
import XCTest

final class LineFormatTests: XCTestCase {
    // MARK: JSON Lines

    func testJSONLines() throws {
        let c = try parse("{\"text\": \"Up \\\"a lot\\\"\", \"label\": \"positive\"}\n\n{\"label\":\"negative\",\"text\":\"Down\",\"id\":3}\r\n",
                          path: "a.jsonl")
        XCTAssertEqual(c.format, .jsonl)
        XCTAssertEqual(c.texts, ["Up \"a lot\"", "Down"])
        XCTAssertEqual(c.labels, ["positive", "negative"])
        XCTAssertEqual(c.lines, [1, 3])
    }

    func testJSONLinesKeyOverrideAndIntegerLabels() throws {
        let c = try parse("{\"headline\": \"Up\", \"y\": 1}\n{\"headline\": \"Down\", \"y\": 0}\n", path: "a.ndjson",
                          options: CorpusOptions(textColumn: "headline", labelColumn: "y"))
        XCTAssertEqual(c.labels, ["1", "0"])
    }

    func testJSONLinesErrors() {
        XCTAssertEqual(corpusError { try parse("{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \n", path: "a.jsonl") },
                       CorpusError(file: "a.jsonl", line: 2, problem: .invalidJSON))
        XCTAssertEqual(corpusError { try parse("[1, 2]\n", path: "a.jsonl") }?.problem, .invalidJSON)
        XCTAssertEqual(corpusError { try parse("{\"body\": \"a\", \"label\": \"x\"}\n", path: "a.jsonl") }?.problem,
                       .missingKey(name: "text", available: ["body", "label"]))
        XCTAssertEqual(corpusError { try parse("{\"text\": \"a\"}\n", path: "a.jsonl") },
                       CorpusError(file: "a.jsonl", line: 1, problem: .missingKey(name: "label", available: ["text"])))
        XCTAssertEqual(corpusError { try parse("{\"text\": 5, \"label\": \"x\"}\n", path: "a.jsonl") }?.problem,
                       .invalidValue(key: "text", expected: "a string"))
        XCTAssertEqual(corpusError { try parse("{\"text\": \" \", \"label\": \"x\"}\n", path: "a.jsonl") }?.problem, .emptyText)
        XCTAssertEqual(corpusError { try parse("{\"text\": \"a\", \"label\": \"\"}\n", path: "a.jsonl") }?.problem, .emptyLabel)
    }

    func testJSONLinesOptionalLabelsFirstRecordDecides() throws {
        let options = CorpusOptions(requireLabels: false)
        let none = try parse("{\"text\": \"a\"}\n{\"text\": \"b\", \"label\": \"x\"}\n", path: "a.jsonl", options: options)
        XCTAssertEqual(none.labels, [])
        XCTAssertEqual(none.count, 2)
        XCTAssertEqual(corpusError { try parse("{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\"}\n", path: "a.jsonl",
                                               options: options) },
                       CorpusError(file: "a.jsonl", line: 2, problem: .missingKey(name: "label", available: ["text"])))
    }

    // MARK: fastText

    func testFastText() throws {
        let c = try parse("__label__positive Profit rose\n__label__negative __label__bad  Loss widened \n\n__label__neutral\tFlat\n",
                          path: "train.ft")
        XCTAssertEqual(c.format, .fasttext)
        XCTAssertEqual(c.texts, ["Profit rose", "Loss widened", "Flat"])
        XCTAssertEqual(c.labels, ["positive", "negative", "neutral"])
        XCTAssertEqual(c.lines, [1, 2, 4])
    }

    func testFastTextErrors() {
        XCTAssertEqual(corpusError { try parse("__label__positive ok\nno label here\n", path: "t.fasttext") },
                       CorpusError(file: "t.fasttext", line: 2, problem: .missingLabel(expected: "a leading __label__NAME")))
        XCTAssertEqual(corpusError { try parse("__label__ text\n", path: "t.ft") }?.problem, .emptyLabel)
        XCTAssertEqual(corpusError { try parse("__label__positive\n", path: "t.ft") }?.problem, .emptyText)
    }

    func testFastTextWithoutLabelsForPrediction() throws {
        let c = try parse("just text\nmore text\n", path: "t.ft", options: CorpusOptions(requireLabels: false))
        XCTAssertEqual(c.texts, ["just text", "more text"])
        XCTAssertEqual(c.labels, [])
    }

    // MARK: PhraseBank

    func testPhraseBankLatin1AndLastAt() throws {
        // 0xE4 is "ä" in Latin-1; the sentence itself contains an '@'.
        let bytes: [UInt8] = Array("Sales in Finland rose ".utf8) + [0xE4] + Array(" mail@corp up@positive\r\n".utf8)
            + Array("Operating loss widened@negative\n".utf8)
        let c = try parse(bytes: bytes, path: "Sentences_50Agree.txt")
        XCTAssertEqual(c.format, .phrasebank)
        XCTAssertEqual(c.texts, ["Sales in Finland rose ä mail@corp up", "Operating loss widened"])
        XCTAssertEqual(c.labels, ["positive", "negative"])
    }

    func testPhraseBankErrors() {
        let options = CorpusOptions(format: .phrasebank)
        XCTAssertEqual(corpusError { try parse("a@positive\nno label\n", path: "x", options: options) },
                       CorpusError(file: "x", line: 2, problem: .missingLabel(expected: "sentence@label")))
        XCTAssertEqual(corpusError { try parse("a@ \n", path: "x", options: options) }?.problem, .emptyLabel)
        XCTAssertEqual(corpusError { try parse(" @neutral\n", path: "x", options: options) }?.problem, .emptyText)
    }

    // MARK: Plain lines

    func testPlainLines() throws {
        let options = CorpusOptions(requireLabels: false)
        let c = try parse("First note\r\n\nSecond, with comma\n", path: "notes.txt", options: options)
        XCTAssertEqual(c.format, .lines)
        XCTAssertEqual(c.texts, ["First note", "Second, with comma"])
        XCTAssertEqual(c.lines, [1, 3])
        XCTAssertEqual(c.labels, [])
    }

    func testPlainLinesRequireLabelsIsAnError() {
        XCTAssertEqual(corpusError { try parse("a note\n", path: "notes.txt") },
                       CorpusError(file: "notes.txt", problem: .noLabels(format: .lines)))
    }

    func testLineFormatsRejectInvalidUTF8AndNUL() {
        let options = CorpusOptions(requireLabels: false)
        let bad = Array("ok\nab".utf8) + [0xC0, 0x80] + Array("\n".utf8)
        XCTAssertEqual(corpusError { try parse(bytes: bad, path: "n.txt", options: options) },
                       CorpusError(file: "n.txt", line: 2, problem: .invalidUTF8(byteOffset: 5)))
        let nul = Array("ok\na".utf8) + [0] + Array("\n".utf8)
        XCTAssertEqual(corpusError { try parse(bytes: nul, path: "n.txt", options: options) },
                       CorpusError(file: "n.txt", line: 2, problem: .nulByte(byteOffset: 4)))
    }
}
