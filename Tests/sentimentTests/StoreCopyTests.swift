import Foundation
@testable import PostgresStore
import XCTest

/// `sentiment store copy` through the executable: a store copied SQLite → PostgreSQL → SQLite (and SQLite → SQLite)
/// answers every command as the original; a non-empty destination is refused and left as it was. The PostgreSQL
/// test is skipped without SENTIMENT_TEST_POSTGRES_URL (failed when SENTIMENT_REQUIRE_POSTGRES=1).
final class StoreCopyTests: XCTestCase {
    /// A store with three versions of a model (one archived, one deleted with its predictions kept), a corpus, an
    /// evaluation, predictions of two models and corrections.
    private func populatedStore(_ box: Sandbox) throws -> String {
        let corpus = try box.write("news.csv", try smallCorpus(step: 12))
        let texts = try box.write("texts.csv", "text\nShares soar after record profit\nPlant closes after heavy loss\nS&P 500 flat in Q3-2024\nBoard meets on Monday\n")
        for _ in 0..<3 {
            try box.ok(["train", "--db", box.db, "--no-default-model", "--corpus", corpus, "--name", "news", "--no-tune", "--char-ngrams", "off"])
        }
        try box.ok(["predict", "--db", box.db, "--model", "news@1", "--file", texts])
        try box.ok(["predict", "--db", box.db, "--file", texts])
        try box.ok(["predict", "--db", box.db, "--model", "news@2", "Profit warning issued"])
        try box.ok(["evaluate", "--db", box.db, "--corpus", corpus])
        try box.ok(["models", "archive", "--db", box.db, "news@2"])
        try box.ok(["models", "delete", "--db", box.db, "news@1", "--yes"])
        try box.ok(["correct", "--db", box.db, "2", "negative"])
        try box.ok(["correct", "--db", box.db, "7", "positive"])
        return corpus
    }

    /// What the commands answer about a store, with its address replaced so two stores compare.
    private func answers(_ box: Sandbox, _ store: String) throws -> [String: String] {
        func run(_ args: [String]) throws -> String {
            try box.ok(args + ["--db", store]).replacingOccurrences(of: store, with: "STORE")
        }
        let export = box.path("export-\(UUID().uuidString).sentiment-model")
        try box.ok(["models", "export", "news@3", export, "--db", store])
        let exported = try Data(contentsOf: URL(fileURLWithPath: export))
        return [
            "predictions": try run(["predictions", "--format", "jsonl", "--order", "oldest"]),
            "corrected": try run(["predictions", "--corrected", "--format", "jsonl"]),
            "search": try run(["predictions", "--search", "profit", "--format", "jsonl"]),
            "summary": try run(["predictions", "summary", "--format", "json"]),
            "models": try run(["models", "list"]),
            "models json": try run(["models", "list", "--format", "json"]),
            "corpora": try run(["corpora", "list", "--format", "json"]),
            "export": exported.base64EncodedString(),
        ]
    }

    private func assertSameAnswers(_ a: [String: String], _ b: [String: String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Set(a.keys), Set(b.keys), file: file, line: line)
        for (key, value) in a { XCTAssertEqual(value, b[key], "\(key) differs", file: file, line: line) }
    }

    func testSQLiteCopyAnswersAsTheOriginalAndRefusesANonEmptyDestination() throws {
        let box = try Sandbox()
        try populatedStore(box)
        let original = try answers(box, box.db)
        XCTAssertTrue(original["predictions"]!.contains("\"corrected_label\":\"negative\""), original["predictions"]!)

        let copy = box.path("copy.sqlite")
        let out = try box.ok(["store", "copy", "--from", box.db, "--to", copy])
        XCTAssertTrue(out.contains("9 predictions (2 corrected)"), out)
        XCTAssertTrue(out.contains("verified"), out)
        assertSameAnswers(original, try answers(box, copy))
        XCTAssertTrue(try box.ok(["store", "verify", "--db", copy]).contains("ok"))
        // New rows get new ids after the copied ones, versions continue.
        try box.ok(["predict", "--db", copy, "One more headline"])
        XCTAssertTrue(try box.ok(["predictions", "--db", copy, "--format", "jsonl", "--limit", "1"]).contains("\"id\":10"))

        // A destination with anything in it is refused, and left as it was.
        let before = try answers(box, copy)
        try box.fails(["store", "copy", "--from", box.db, "--to", copy], code: 65, mentions: "is not empty")
        assertSameAnswers(before, try answers(box, copy))
        try box.fails(["store", "copy", "--from", box.db, "--to", box.db], code: 64, mentions: "same store")
        try box.fails(["store", "copy", "--from", box.path("missing.sqlite"), "--to", box.path("new.sqlite")], code: 66, mentions: "no such store")
    }

    func testRoundTripThroughPostgreSQLKeepsEveryAnswer() throws {
        let (_, address, drop) = try database()
        defer { drop() }
        let box = try Sandbox()
        try populatedStore(box)
        let original = try answers(box, box.db)

        let toPG = try box.ok(["store", "copy", "--from", box.db, "--to", address])
        XCTAssertTrue(toPG.contains("9 predictions (2 corrected)"), toPG)
        assertSameAnswers(original, try answers(box, address))
        XCTAssertTrue(try box.ok(["store", "verify", "--db", address]).contains("ok"))

        let back = box.path("back.sqlite")
        let fromPG = try box.ok(["store", "copy", "--from", address, "--to", back])
        XCTAssertTrue(fromPG.contains("9 predictions (2 corrected)"), fromPG)
        assertSameAnswers(original, try answers(box, back))
        XCTAssertTrue(try box.ok(["store", "verify", "--db", back]).contains("ok"))

        // The database now has a store: refused, unchanged. New predictions there get ids after the copied ones.
        let before = try answers(box, address)
        try box.fails(["store", "copy", "--from", back, "--to", address], code: 65, mentions: "is not empty")
        assertSameAnswers(before, try answers(box, address))
        try box.ok(["predict", "--db", address, "One more headline"])
        XCTAssertTrue(try box.ok(["predictions", "--db", address, "--format", "jsonl", "--limit", "1"]).contains("\"id\":10"))
    }

    private func database() throws -> (url: PostgresURL, address: String, drop: () -> Void) {
        try throwawayPostgresDatabase(prefix: "sentiment_copy")
    }
}
