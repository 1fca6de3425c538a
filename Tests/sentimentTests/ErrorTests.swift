import Foundation
import XCTest

/// Bad input, bad flags and bad stores: one line on stderr, a documented exit code, the store unchanged.
final class ErrorTests: XCTestCase {
    /// Everything a command could have changed, as JSON text.
    func snapshot(_ box: Sandbox) throws -> String {
        try box.ok(["models", "list", "--format", "json"]) + box.ok(["corpora", "list", "--format", "json"])
            + box.ok(["predictions", "--format", "json"])
    }

    func testBadCorporaAndFlags() throws {
        let box = try Sandbox()
        let good = try box.write("good.csv", smallCorpus(step: 6))
        try box.ok(["train", "--corpus", good, "--name", "news"])
        try box.ok(["predict", "Profit rose"])
        let before = try snapshot(box)

        try box.fails(["train", "--corpus", box.path("missing.csv")], code: 66, mentions: "missing.csv: no such file")
        try box.fails(["train", "--corpus", box.dir.path], code: 65, mentions: "is a directory")
        let columns = try box.write("columns.csv", "sentence,label\nProfit rose,positive\n")
        try box.fails(["train", "--corpus", columns], code: 65, mentions: "columns.csv:1: missing column \"text\"")
        let quote = try box.write("quote.csv", "text,label\nfine,positive\n\"never closed,negative\n")
        try box.fails(["train", "--corpus", quote], code: 65, mentions: "quote.csv:3: unterminated quoted field")
        let single = try box.write("single.csv", "text,label\nProfit rose,positive\nSales rose,positive\n")
        try box.fails(["train", "--corpus", single], code: 65, mentions: "only one distinct label")
        let empty = try box.write("empty.csv", "")
        try box.fails(["train", "--corpus", empty], code: 65, mentions: "empty.csv: file is empty")
        let header = try box.write("header.csv", "text,label\n")
        try box.fails(["train", "--corpus", header], code: 65, mentions: "header.csv: no records")
        var bytes = Array("text,label\nok,positive\nbad ".utf8)
        bytes += [0xff, 0xfe]
        bytes += Array(",negative\n".utf8)
        let utf8 = box.path("utf8.csv")
        try Data(bytes).write(to: URL(fileURLWithPath: utf8))
        try box.fails(["train", "--corpus", utf8], code: 65, mentions: "utf8.csv:3: invalid UTF-8")
        let blank = try box.write("blank.csv", "text,label\n   ,positive\nok,negative\n")
        try box.fails(["train", "--corpus", blank], code: 65, mentions: "blank.csv:2: empty text")

        let nul = box.path("nul.csv")
        try Data(Array("text,label\nok,positive\nbad\u{0}text,negative\n".utf8)).write(to: URL(fileURLWithPath: nul))
        try box.fails(["train", "--corpus", nul], code: 65, mentions: "nul.csv:3: NUL byte")
        var random = SystemRandomNumberGenerator()
        let noise = box.path("noise.csv")
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }).write(to: URL(fileURLWithPath: noise))
        let r = try box.run(["train", "--corpus", noise])
        XCTAssertEqual(r.code, 65, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("sentiment: error: \(noise)"), r.stderr)
        // A 5 MB single line is more than a record may have (1 MiB): an error naming its line, no crash.
        let long = try box.write("long.txt", String(repeating: "profit rose strongly ", count: 250_000) + "\n")
        try box.fails(["predict", "--file", long, "--no-store", "--format", "json"], code: 65,
                      mentions: "long.txt:1: record longer than 1048576 bytes")
        try box.fails(["predict", "--file", box.dir.path], code: 65, mentions: "is a directory")

        try box.fails(["train", "--corpus", good, "--class-weight", "negative=abc"], code: 64, mentions: "not a number")
        try box.fails(["train", "--corpus", good, "--class-weight", "bogus=2"], code: 64, mentions: "unknown label 'bogus'")
        try box.fails(["train", "--corpus", good, "--l2", "-1"], code: 64, mentions: "--l2")
        try box.fails(["train", "--corpus", good, "--ngrams", "0"], code: 64, mentions: "--ngrams")
        try box.fails(["train"], code: 64, mentions: "--corpus")
        try box.fails(["predictions", "--min-confidence", "2"], code: 64, mentions: "--min-confidence")
        try box.fails(["predictions", "--since", "yesterday"], code: 64, mentions: "cannot parse date")
        try box.fails(["predictions", "--limit", "0"], code: 64, mentions: "--limit")
        try box.fails(["predictions", "--search", "\"unbalanced", "--fts"], code: 65, mentions: "invalid search")
        try box.fails(["predict", "--model", "nope", "text"], code: 66, mentions: "model not found: nope")
        try box.fails(["predict", "--model", "news@9", "text"], code: 66, mentions: "news@9")
        try box.fails(["predict", "--model", "news@x", "text"], code: 64, mentions: "news@x")
        try box.fails(["predict"], code: 64, mentions: "give texts")
        try box.fails(["predict", "--file", box.path("nope.txt")], code: 66, mentions: "nope.txt: no such file")
        try box.fails(["correct", "999999", "positive"], code: 66, mentions: "prediction not found: 999999")
        try box.fails(["correct", "1", "great"], code: 65, mentions: "label \"great\" is not one of the model's labels")
        let unknownLabel = try box.write("unknown.csv", "text,label\nProfit rose,positive\nSales fell,awful\n")
        try box.fails(["evaluate", "--corpus", unknownLabel], code: 65, mentions: "unknown.csv:3: label \"awful\"")
        try box.fails(["models", "show", "ghost"], code: 66, mentions: "ghost")
        try box.fails(["models", "import", box.path("ghost.model")], code: 66, mentions: "ghost.model")
        let junk = try box.write("junk.model", "not a model")
        try box.fails(["models", "import", junk], code: 65, mentions: "invalid model file")

        XCTAssertEqual(try snapshot(box), before, "failed commands changed the store")
    }

    func testBadStores() throws {
        let box = try Sandbox()
        let random = try box.write("random.sqlite", String(repeating: "garbage bytes ", count: 500))
        var r = try box.run(["models", "list", "--db", random])
        XCTAssertEqual(r.code, 74, r.stderr)
        XCTAssertTrue(r.stderr.contains("random.sqlite"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1)

        // Another application's SQLite file.
        let foreign = box.path("foreign.sqlite")
        try runSQL("CREATE TABLE t(x)", on: foreign)
        r = try box.run(["models", "list", "--db", foreign])
        XCTAssertEqual(r.code, 74, r.stderr)
        XCTAssertTrue(r.stderr.contains("not a sentiment store"), r.stderr)

        // A truncated store.
        let whole = box.path("whole.sqlite")
        XCTAssertEqual(try box.run(["predict", "Profit rose", "--db", whole]).code, 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        let truncated = box.path("truncated.sqlite")
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: truncated))
        r = try box.run(["predictions", "--db", truncated])
        XCTAssertEqual(r.code, 74, r.stderr)
        XCTAssertTrue(r.stderr.contains("truncated.sqlite"), r.stderr)

        // A store written by a newer version.
        let newer = box.path("newer.sqlite")
        XCTAssertEqual(try box.run(["models", "list", "--db", newer]).code, 0)
        try runSQL("PRAGMA user_version = 99", on: newer)
        r = try box.run(["models", "list", "--db", newer])
        XCTAssertEqual(r.code, 74, r.stderr)
        XCTAssertTrue(r.stderr.contains("newer version"), r.stderr)

        // A directory that does not exist.
        r = try box.run(["models", "list", "--db", box.path("no/such/dir/store.sqlite")])
        XCTAssertEqual(r.code, 74, r.stderr)
        XCTAssertTrue(r.stderr.contains("does not exist"), r.stderr)
    }

    /// Runs one SQL statement on a SQLite file with Python's sqlite3 module (another application's writer).
    func runSQL(_ sql: String, on path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
                       path, sql]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "python3 could not run \(sql) on \(path)", file: file, line: line)
    }
}
