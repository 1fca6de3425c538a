import Foundation
import XCTest

/// `train --streaming` (out-of-core training) through the real executable.
final class StreamingTrainTests: XCTestCase {
    func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(parseJSON(text, file: file, line: line) as? [String: Any], file: file, line: line)
    }

    func testStreamingTrainStoresCorpusAndPredicts() throws {
        let box = try Sandbox()
        let corpus = repoPath("Corpora/headlines-en/headlines.csv")
        let out = try json(box.ok(["train", "--streaming", "--corpus", corpus, "--name", "big", "--format", "json"]))
        XCTAssertEqual(out["streaming"] as? Bool, true)
        XCTAssertEqual(out["rows"] as? Int, 2400)
        XCTAssertEqual(out["features"] as? Int, 1 << 19)
        XCTAssertEqual(out["tuned"] as? Bool, false)
        // The corpus went into the store whole, with the same identity as an in-memory import of the file.
        try box.ok(["train", "--corpus", corpus, "--name", "small", "--no-tune", "--l2", "1e-4"])
        let corpora = try XCTUnwrap(parseJSON(box.ok(["corpora", "list", "--format", "json"]), file: #filePath, line: #line) as? [[String: Any]])
        XCTAssertEqual(corpora.count, 1, "same content is one corpus: \(corpora)")
        XCTAssertEqual(corpora.first?["rows"] as? Int, 2400, "\(corpora)")
        // Same data, same seed: the same model, bit for bit (identical probabilities).
        try box.ok(["train", "--streaming", "--corpus", corpus, "--name", "again"])
        let texts = ["Harlow Precision shares jump 11% after quarterly earnings top forecasts",
                     "Veltrona swings to a third-quarter loss as raw material costs bite"]
        let a = try box.ok(["predict", "--model", "big", "--no-store", "--format", "csv"] + texts)
        let b = try box.ok(["predict", "--model", "again", "--no-store", "--format", "csv"] + texts)
        XCTAssertEqual(a.replacingOccurrences(of: "big@1", with: "M"), b.replacingOccurrences(of: "again@1", with: "M"))
        XCTAssertTrue(a.contains("positive") && a.contains("negative"), a)
        // Continuing from it streams the parent's documents plus the new file (deduplicated by content).
        let more = try box.write("more.csv", smallCorpus(step: 5))
        let cont = try json(box.ok(["train", "--streaming", "--from", "big", "--corpus", more, "--format", "json"]))
        XCTAssertEqual(cont["model"] as? String, "big@2")
        XCTAssertEqual(cont["parent"] as? String, "big@1")
        XCTAssertEqual(cont["rows"] as? Int, 2400 + 480)
        let again = try json(box.ok(["train", "--streaming", "--from", "big@2", "--corpus", corpus, "--format", "json"]))
        XCTAssertEqual(again["rows"] as? Int, 2400 + 480, "content already in the training data is not added twice")
    }

    func testStreamingBadInputLeavesStoreAsItWas() throws {
        let box = try Sandbox()
        try box.ok(["train", "--corpus", box.write("good.csv", smallCorpus(step: 6)), "--name", "news"])
        let before = try box.ok(["models", "list", "--format", "json"]) + box.ok(["corpora", "list", "--format", "json"])
        // A bad record far into the file: found in the first pass, before anything is stored.
        var text = try smallCorpus(step: 1)
        text += "\"never closed,negative\n"
        let bad = try box.write("bad.csv", text)
        try box.fails(["train", "--streaming", "--corpus", bad], code: 65, mentions: "bad.csv:2402: unterminated quoted field")
        let single = try box.write("single.csv", "text,label\nProfit rose,positive\nSales rose,positive\n")
        try box.fails(["train", "--streaming", "--corpus", single], code: 65, mentions: "only one distinct label")
        try box.fails(["train", "--streaming", "--corpus", box.path("missing.csv")], code: 66, mentions: "missing.csv: no such file")
        let after = try box.ok(["models", "list", "--format", "json"]) + box.ok(["corpora", "list", "--format", "json"])
        XCTAssertEqual(before, after)
        // Without --from, a bad corpus does not even create a store.
        let fresh = box.path("fresh.sqlite")
        let r = try box.run(["train", "--streaming", "--db", fresh, "--corpus", bad], useEnvironmentStore: false)
        XCTAssertEqual(r.code, 65, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh))
        // Flags that need in-memory training, and input that cannot be read twice.
        let good = box.path("good.csv")
        try box.fails(["train", "--streaming", "--tune", "--corpus", good], code: 64, mentions: "--tune needs in-memory training")
        try box.fails(["train", "--streaming", "--min-df", "3", "--corpus", good], code: 64, mentions: "--min-df")
        try box.fails(["train", "--streaming", "--corpus", "-"], code: 64, mentions: "standard input", stdin: "text,label\na,b\n")
        try box.fails(["train", "--buckets", "0", "--corpus", good], code: 64, mentions: "--buckets")
    }
}
