import Foundation
@testable import PostgresStore
import XCTest

/// `--db postgres://…` through the executable: the same commands on a PostgreSQL store, shared by processes, and
/// addresses in messages without their password. Skipped without SENTIMENT_TEST_POSTGRES_URL (failed when
/// SENTIMENT_REQUIRE_POSTGRES=1).
final class PostgresCLITests: XCTestCase {
    private func database() throws -> (url: PostgresURL, address: String, drop: () -> Void) {
        try throwawayPostgresDatabase(prefix: "sentiment_cli")
    }

    func testCommandsWorkOnAPostgresStoreSharedByProcesses() throws {
        let (url, address, drop) = try database()
        defer { drop() }
        let box = try Sandbox()
        // The first command creates the schema and adds the shipped model, as for a new SQLite file.
        let out = try box.ok(["predict", "--db", address, "Shares soar after record profit"])
        XCTAssertTrue(out.hasPrefix("model default@1, store \(url.description)\n"), out)
        // Another process through SENTIMENT_DB sees it and stores more.
        let other = try Sandbox()
        let csv = try other.write("news.csv", "text\nPlant closes after heavy loss\nS&P 500 flat in Q3-2024\n")
        let env = try runWithEnvironmentDB(other, address, ["predict", "--file", csv])
        XCTAssertEqual(env.code, 0, env.stderr)
        let rows = try jsonArray(try box.ok(["predictions", "--db", address, "--format", "json", "--order", "oldest"]))
        XCTAssertEqual(rows.map { $0["text"] as? String }, ["Shares soar after record profit", "Plant closes after heavy loss", "S&P 500 flat in Q3-2024"])
        XCTAssertEqual(try jsonArray(try box.ok(["predictions", "--db", address, "--search", "S&P Q3-2024", "--format", "json"])).count, 1)
        let id = try XCTUnwrap(rows.first?["id"] as? Int)
        try box.ok(["correct", "--db", address, String(id), "negative"])
        XCTAssertTrue(try box.ok(["models", "--db", address]).contains("default@1"))
        XCTAssertTrue(try box.ok(["store", "verify", "--db", address]).contains("ok"))
        // FTS5 syntax is SQLite's: a clear input error here.
        try box.fails(["predictions", "--db", address, "--search", "profit NOT loss", "--fts"], code: 65, mentions: "SQLite store only")
    }

    /// Two `serve` nodes on one database: what either stores, both list and count; a correction through one is
    /// seen through the other. Without a shared token, serve on PostgreSQL refuses to start (it has no file beside
    /// which to write one).
    func testTwoServeNodesShareOneDatabase() throws {
        let (_, address, drop) = try database()
        defer { drop() }
        let box = try Sandbox()
        let refused = try box.run(["serve", "--db", address, "--port", "0"])
        XCTAssertEqual(refused.code, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("SENTIMENT_API_TOKEN"), refused.stderr)

        let one = try startServer(try Sandbox(), ["--db", address])
        let two = try startServer(try Sandbox(), ["--db", address])
        _ = try expectJSON(200, one.call("POST", "/v1/predict", json: ["texts": ["Profits climb at the mill", "Losses deepen"], "store": true]))
        _ = try expectJSON(200, two.call("POST", "/v1/predict", json: ["texts": ["Meeting on Monday"], "store": true]))
        for node in [one, two] {
            let page = try expectJSON(200, node.call("GET", "/v1/predictions?limit=10&order=oldest"))
            let rows = try XCTUnwrap(page["predictions"] as? [[String: Any]], "\(page)")
            XCTAssertEqual(rows.map { $0["text"] as? String }, ["Profits climb at the mill", "Losses deepen", "Meeting on Monday"])
        }
        let page = try expectJSON(200, two.call("GET", "/v1/predictions?limit=1&order=oldest"))
        let id = try XCTUnwrap((page["predictions"] as? [[String: Any]])?.first?["id"] as? Int)
        _ = try expectJSON(200, two.call("POST", "/v1/predictions/\(id)/correction", json: ["label": "neutral"]))
        let seen = try expectJSON(200, one.call("GET", "/v1/predictions/\(id)"))
        XCTAssertEqual(seen["corrected_label"] as? String, "neutral", "\(seen)")
        one.stop()
        two.stop()
    }

    private func runWithEnvironmentDB(_ box: Sandbox, _ db: String, _ args: [String]) throws -> RunResult {
        setenv("SENTIMENT_DB", db, 1)
        defer { unsetenv("SENTIMENT_DB") }
        return try box.run(args, useEnvironmentStore: false)
    }

    func testUnreachableServerExits74WithoutThePassword() throws {
        let box = try Sandbox()
        let r = try box.run(["predictions", "--db", "postgres://ann:topsecret@127.0.0.1:1/news"])
        XCTAssertEqual(r.code, 74, r.stderr)
        XCTAssertTrue(r.stderr.contains("postgres://ann@127.0.0.1:1/news"), r.stderr)
        XCTAssertFalse(r.stderr.contains("topsecret"), r.stderr)
        let bad = try box.run(["predictions", "--db", "postgres://ann:topsecret@host-without-database"])
        XCTAssertNotEqual(bad.code, 0)
        XCTAssertFalse(bad.stderr.contains("topsecret"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("names no database"), bad.stderr)
    }
}
