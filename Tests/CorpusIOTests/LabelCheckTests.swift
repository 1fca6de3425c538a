import CorpusIO
import XCTest

final class LabelCheckTests: XCTestCase {
    func testLabelCountsAndDistinctLabels() throws {
        let c = try parse("text,label\na,pos\nb,neg\nc,pos\n")
        XCTAssertEqual(c.labelCounts, ["pos": 2, "neg": 1])
        XCTAssertEqual(c.distinctLabels, ["neg", "pos"])
        XCTAssertNoThrow(try c.validateTrainingLabels())
        XCTAssertEqual(corpusError { try c.requireDistinctLabels(atLeast: 3) }?.problem,
                       .tooFewLabels(found: ["neg", "pos"], required: 3))
    }

    func testOneLabelOnly() throws {
        let c = try parse("text,label\na,positive\nb,positive\n")
        let e = corpusError { try c.validateTrainingLabels() }
        XCTAssertEqual(e, CorpusError(file: "t.csv", problem: .tooFewLabels(found: ["positive"], required: 2)))
        XCTAssertEqual(e?.description,
                       "t.csv: only one distinct label (\"positive\") found; training needs at least 2 distinct labels")
    }

    func testNoLabels() throws {
        let c = try parse("text\na\n", options: CorpusOptions(requireLabels: false))
        XCTAssertEqual(corpusError { try c.validateTrainingLabels() }?.problem, .noLabels(format: .csv))
    }

    func testRecordsView() throws {
        let c = try parse("text,label\na,pos\n\"b\nc\",neg\n")
        XCTAssertEqual(c.records, [CorpusRecord(text: "a", label: "pos", line: 2), CorpusRecord(text: "b\nc", label: "neg", line: 3)])
    }
}
