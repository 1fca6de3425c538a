import CorpusIO
import Foundation
import XCTest

/// Replays the inputs libFuzzer kept (Tests/Fuzz/corpus/csv and jsonl, see Tests/Fuzz/run.sh) through every reader:
/// records or a CorpusError, never a crash, and streaming in small chunks agrees with the bulk reader.
final class FuzzRegressionTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus")

    func inputs(_ target: String) throws -> [[UInt8]] {
        let dir = Self.corpus.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        return try names.map { try [UInt8](Data(contentsOf: dir.appendingPathComponent($0))) }
    }

    func replay(_ target: String, _ cases: [(path: String, options: CorpusOptions)]) throws {
        let all = try inputs(target)
        XCTAssertFalse(all.isEmpty, "no kept inputs for \(target)")
        for bytes in all {
            for c in cases {
                let b = bulk(bytes, path: c.path, options: c.options)
                XCTAssertEqual(streamAll(bytes, path: c.path, options: c.options, chunkSize: 7), b,
                               "stream/bulk differ for a kept \(target) input (\(c.path))")
            }
        }
    }

    func testKeptCSVInputs() throws {
        try replay("csv", [("f.csv", CorpusOptions(requireLabels: false)), ("f.tsv", CorpusOptions(requireLabels: true))])
    }

    func testKeptJSONLInputs() throws {
        try replay("jsonl", [("f.jsonl", CorpusOptions(requireLabels: false)), ("f.jsonl", CorpusOptions(requireLabels: true)),
                             ("f.ft", CorpusOptions(requireLabels: true)),
                             ("f.txt", CorpusOptions(format: .phrasebank, requireLabels: true))])
    }
}
