import Foundation
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
        let deleted = try box.ok(["models", "delete", "news@1"])
        XCTAssertTrue(deleted.contains("active model: default@1"), deleted)
    }
}
