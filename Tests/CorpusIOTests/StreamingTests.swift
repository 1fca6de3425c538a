import CorpusIO
import Foundation
import XCTest

final class StreamingTests: XCTestCase {
    private let samples: [(String, [UInt8])] = [
        ("a.csv", [0xEF, 0xBB, 0xBF] + Array(("text,label\r\n\"multi\nline, with \"\"quotes\"\"\",positive\r\nplain text here,negative\n"
            + "\n\"ü ö ä € 😀\",neutral\nlast one without newline,positive").utf8)),
        ("a.tsv", Array("id\ttext\tlabel\n1\tUp a lot today\tpositive\n2\t\"Down\nhard\"\tnegative\n".utf8)),
        ("a.jsonl", Array("{\"text\": \"Up ü\", \"label\": \"positive\"}\n\n{\"text\": \"Down\", \"label\": \"negative\"}".utf8)),
        ("a.ft", Array("__label__positive Up ü\r\n__label__negative __label__x Down\n".utf8)),
        ("a.txt", Array("Sales rose ".utf8) + [0xE4, 0xE4] + Array("@positive\nLoss@negative\n".utf8)),
    ]

    func testStreamingAcrossChunkBoundariesEqualsBulk() throws {
        for (path, bytes) in samples {
            let format = CorpusFormat.infer(path: path, firstBytes: bytes)
            let options = CorpusOptions(format: format)
            let expected = try CorpusFile.readAll(bytes: bytes, path: path, options: options)
            XCTAssertGreaterThanOrEqual(expected.count, 2, path)
            for chunk in [1, 2, 3, 4, 5, 7, 8, 13, 64, 1 << 20] {
                let streamed = streamAll(bytes, path: path, options: options, chunkSize: chunk)
                XCTAssertEqual(streamed, .success(expected), "\(path) chunk \(chunk)")
            }
        }
    }

    func testStreamingErrorsEqualBulkErrors() {
        let bad: [(String, [UInt8])] = [
            ("e.csv", Array("text,label\nok,positive\n\"open\nstill open,negative\n".utf8)),
            ("e.csv", Array("text,label\nok,positive\nab".utf8) + [0xF5] + Array(",negative\n".utf8)),
            ("e.csv", Array("text,label\n".utf8)),
            ("e.jsonl", Array("{\"text\": \"a\", \"label\": \"b\"}\n{oops}\n".utf8)),
        ]
        for (path, bytes) in bad {
            let options = CorpusOptions(format: CorpusFormat.infer(path: path, firstBytes: bytes))
            let expected = bulk(bytes, path: path, options: options)
            guard case .failure = expected else { return XCTFail("expected failure for \(path)") }
            for chunk in [1, 3, 6, 1 << 20] {
                XCTAssertEqual(streamAll(bytes, path: path, options: options, chunkSize: chunk), expected, "chunk \(chunk)")
            }
        }
    }

    func testReaderYieldsRecordsOneByOneThenNil() throws {
        let reader = try CorpusReader(bytes: Array("text,label\na,x\nb,y\n".utf8), path: "r.csv")
        XCTAssertEqual(reader.columns, ["text", "label"])
        XCTAssertEqual(reader.hasLabels, true)
        XCTAssertEqual(try reader.next(), CorpusRecord(text: "a", label: "x", line: 2))
        XCTAssertEqual(try reader.next(), CorpusRecord(text: "b", label: "y", line: 3))
        XCTAssertNil(try reader.next())
        XCTAssertNil(try reader.next())
    }

    func testMissingColumnThrowsAtOpen() {
        XCTAssertEqual(corpusError { try CorpusReader(bytes: Array("a,b\n1,2\n".utf8), path: "r.csv") }?.problem,
                       .missingColumn(name: "text", available: ["a", "b"]))
    }

    func testFilesOnDisk() throws {
        let dir = try temporaryDirectory(self)
        let file = dir.appendingPathComponent("news.csv")
        var text = "text,label\n"
        for i in 0..<3000 { text += i % 7 == 0 ? "\"row \(i), quoted\nsecond line\",label\(i % 3)\n" : "row \(i),label\(i % 3)\n" }
        try Data(text.utf8).write(to: file)
        let all = try CorpusFile.readAll(path: file.path)
        XCTAssertEqual(all.count, 3000)
        XCTAssertEqual(all.texts[7], "row 7, quoted\nsecond line")
        XCTAssertEqual(all.lines[8], 12)  // rows 0 and 7 take two lines each
        let streamed = try CorpusReader(path: file.path, chunkSize: 100).readRemaining()
        XCTAssertEqual(streamed, all)
        XCTAssertEqual(try CorpusFile.readAll(bytes: Array(text.utf8), path: file.path), all)
    }

    func testMissingFileDirectoryAndUnreadable() throws {
        let dir = try temporaryDirectory(self)
        let missing = dir.appendingPathComponent("nope.csv").path
        XCTAssertEqual(corpusError { try CorpusFile.readAll(path: missing) }, CorpusError(file: missing, problem: .fileNotFound))
        XCTAssertEqual(corpusError { try CorpusReader(path: missing) }, CorpusError(file: missing, problem: .fileNotFound))
        XCTAssertEqual(corpusError { try CorpusFile.readAll(path: dir.path) }, CorpusError(file: dir.path, problem: .isDirectory))
        XCTAssertEqual(CorpusError(file: missing, problem: .fileNotFound).description, "\(missing): no such file")

        let locked = dir.appendingPathComponent("locked.csv")
        try Data("text,label\na,b\n".utf8).write(to: locked)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: locked.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: locked.path) }
        if FileManager.default.isReadableFile(atPath: locked.path) { throw XCTSkip("running as root: permissions not enforced") }
        XCTAssertEqual(corpusError { try CorpusFile.readAll(path: locked.path) }?.problem, .unreadable(reason: "permission denied"))
    }

    func testSharedPhraseBankCorpusIfPresent() throws {
        let path = "../shared/corpora/financial-phrasebank/train.csv"
        let candidates = [path, "/work/shared/corpora/financial-phrasebank/train.csv"]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw XCTSkip("shared corpus not present")
        }
        let c = try CorpusFile.readAll(path: found)
        XCTAssertEqual(c.count, 3876)
        XCTAssertEqual(Set(c.labels), ["positive", "negative", "neutral"])
        XCTAssertEqual(try CorpusReader(path: found, chunkSize: 4096).readRemaining(), c)
    }
}

