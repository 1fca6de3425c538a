import Foundation
import GRDB
import XCTest

/// The command line as a newcomer meets it (issue "The command line as a newcomer meets it").
final class CommandLineTests: XCTestCase {
    func testOrderTakesKebabCase() throws {
        let box = try Sandbox()
        try box.ok(["predict", "Shares soar after record profit", "Plant closes", "Rates unchanged"])
        let camel = try box.ok(["predictions", "--order", "confidenceAscending", "--format", "jsonl"])
        XCTAssertEqual(try box.ok(["predictions", "--order", "confidence-ascending", "--format", "jsonl"]), camel)
        XCTAssertNotEqual(try box.ok(["predictions", "--order", "confidence-descending", "--format", "jsonl"]), camel)
        try box.fails(["predictions", "--order", "sideways"], code: 64, mentions: "sideways")
    }

    func testTrainNoActivateAndWhatIsActiveAfterArchiveOrDelete() throws {
        let box = try Sandbox()
        let corpus = try box.write("news.csv", try smallCorpus())
        try box.ok(["train", "--corpus", corpus, "--name", "news", "--no-tune", "--no-activate"])
        let models = try jsonArray(box.ok(["models", "list", "--format", "json"]))
        let status = Dictionary(uniqueKeysWithValues: models.map { ($0["model"] as! String, $0["status"] as! String) })
        XCTAssertEqual(status["default@1"], "active")
        XCTAssertEqual(status["news@1"], "inactive")

        try box.ok(["models", "activate", "news@1"])
        XCTAssertTrue(try box.ok(["models", "archive", "news@1"]).contains("no model is active now"))
        try box.ok(["models", "activate", "default@1"])
        let deleted = try box.ok(["models", "delete", "news@1", "--yes"])
        XCTAssertTrue(deleted.contains("active model: default@1"), deleted)
    }

    func testJSONNumbersAreNumbersAndJSONLIsOneObjectPerLine() throws {
        let box = try Sandbox()
        let corpus = try box.write("news.csv", try smallCorpus())
        try box.ok(["train", "--corpus", corpus, "--name", "news", "--no-tune"])
        let models = try jsonArray(box.ok(["models", "list", "--format", "json"]))
        let news = try XCTUnwrap(models.first { $0["name"] as? String == "news" })
        XCTAssertEqual(news["version"] as? Int, 1)
        XCTAssertEqual(news["labels"] as? [String], ["negative", "neutral", "positive"])
        let corpora = try jsonArray(box.ok(["corpora", "list", "--format", "json"]))
        XCTAssertNotNil(corpora.first?["rows"] as? Int)
        XCTAssertNotNil(corpora.first?["id"] as? Int)
        XCTAssertNotNil((corpora.first?["labels"] as? [String: Any])?["positive"] as? Int)
        let lines = try box.ok(["corpora", "list", "--format", "jsonl"]).split(separator: "\n")
        XCTAssertEqual(lines.count, corpora.count)
        for line in lines { XCTAssertNotNil(try jsonObject(String(line))["rows"] as? Int) }
        let shown = try jsonObject(box.ok(["corpora", "show", "news", "--format", "json", "--head", "2"]))
        XCTAssertEqual((shown["head"] as? [[String: Any]])?.count, 2)
    }

    func testModelNotFoundNamesTheStoreAndSuggests() throws {
        let box = try Sandbox()
        let corpus = try box.write("news.csv", try smallCorpus())
        try box.ok(["train", "--corpus", corpus, "--name", "headlines", "--no-tune"])
        let r = try box.run(["predict", "--model", "headlinse", "Shares soar"])
        XCTAssertEqual(r.code, 66)
        XCTAssertTrue(r.stderr.contains(box.db), r.stderr)
        XCTAssertTrue(r.stderr.contains("did you mean headlines?"), r.stderr)
        XCTAssertTrue(r.stderr.contains("models: headlines, default") || r.stderr.contains("models: default, headlines"), r.stderr)
        // A missing version of an existing name lists its versions.
        let v = try box.run(["models", "export", "headlines@7", box.path("x.model")])
        XCTAssertEqual(v.code, 66)
        XCTAssertTrue(v.stderr.contains("did you mean headlines@1?"), v.stderr)
        for args in [["models", "activate", "nope"], ["models", "archive", "nope"], ["models", "delete", "nope"],
                     ["train", "--from", "nope", "--corpus", corpus], ["evaluate", "--model", "nope", "--corpus", corpus]] {
            let e = try box.run(args)
            XCTAssertEqual(e.code, 66, "\(args): \(e.stderr)")
            XCTAssertTrue(e.stderr.contains("in \(box.db)"), "\(args): \(e.stderr)")
        }
    }

    func testPredictTableNamesModelAndStore() throws {
        let box = try Sandbox()
        let out = try box.ok(["predict", "Shares soar after record profit"])
        XCTAssertTrue(out.hasPrefix("model default@1, store \(box.db)\n"), out)
        XCTAssertTrue(try box.ok(["predict", "--no-store", "Shares soar"]).contains("(not stored)"))
    }

    func testVersionAndStoreMaintenance() throws {
        let box = try Sandbox()
        XCTAssertTrue(try box.ok(["--version"]).contains("store schema"))
        try box.ok(["predict", "Shares soar after record profit", "Plant closes"])
        XCTAssertTrue(try box.ok(["store", "verify"]).contains("ok"))
        // Rows deleted around the store: verify reports it (exit 74), optimize repairs it.
        let db = try DatabaseQueue(path: box.db)
        try db.write { try $0.execute(sql: "DELETE FROM prediction WHERE id = 1") }
        try db.close()
        try box.fails(["store", "verify"], code: 74, mentions: "problem")
        try box.ok(["store", "optimize"])
        XCTAssertTrue(try box.ok(["store", "verify"]).contains("ok"))
    }
}
