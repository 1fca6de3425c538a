import Synchronization
import Foundation
@testable import PostgresStore
import StoreInterface
import XCTest

/// What only the PostgreSQL store has: addresses, its schema version, lost connections.
final class PostgresURLTests: XCTestCase {
    func testAddressesParseAndNeverShowThePassword() throws {
        let url = try PostgresURL("postgres://ann:s%40cret@db.example:6543/news")
        XCTAssertEqual(url.user, "ann")
        XCTAssertEqual(url.password, "s@cret")
        XCTAssertEqual(url.host, "db.example")
        XCTAssertEqual(url.port, 6543)
        XCTAssertEqual(url.database, "news")
        XCTAssertEqual(url.description, "postgres://ann@db.example:6543/news")
        XCTAssertEqual(try PostgresURL("postgresql://bob@localhost/x").port, 5432)
        XCTAssertEqual(PostgresURL.redacted("postgres://ann:hunter2@h/db"), "postgres://ann@h:5432/db")
        XCTAssertEqual(PostgresURL.redacted("/tmp/store.sqlite"), "/tmp/store.sqlite")
        XCTAssertFalse(PostgresURL.redacted("postgres://ann:hun/ter2@h").contains("ter2"))
        for bad in ["postgres://h/db", "postgres://ann@h", "postgres://ann@h/", "postgres://ann@h:99999/db"] {
            XCTAssertThrowsError(try PostgresURL(bad), bad) { XCTAssertTrue("\($0)".hasPrefix("PostgreSQL address"), "\($0)") }
        }
        XCTAssertTrue(PostgresURL.isPostgres("postgres://a@b/c"))
        XCTAssertFalse(PostgresURL.isPostgres("postgres.sqlite"))
    }

    func testSearchWordsSplitAsTheSQLiteIndexDoes() {
        XCTAssertEqual(SearchWords.tokens("S&P 500 rose; Q3-2024 U.S. Nokia's Café"), ["s", "p", "500", "rose", "q3", "2024", "u", "s", "nokia", "s", "cafe"])
        XCTAssertEqual(SearchWords.vector("a b a"), "'a':1,3 'b':2 'a b' 'b a'")
        XCTAssertEqual(SearchWords.vector("it's"), "'it':1 's':2 'it s'")
        XCTAssertEqual(SearchWords.vector("Profit rose at the mill"), "'profit':1 'rose':2 'at':3 'the':4 'mill':5 'at the'")
        XCTAssertEqual(SearchWords.query("S&P \"rate cut\""), "('s' <-> 'p') & 's p' & ('rate' <-> 'cut')")
        XCTAssertEqual(SearchWords.query("\"the of and the\""), "('the' <-> 'of' <-> 'and' <-> 'the') & 'the of' & 'of and' & 'and the'")
        XCTAssertNil(SearchWords.query("& -- !"))
        XCTAssertEqual(SearchWords.query("x'y\\"), "('x' <-> 'y') & 'x y'")
    }

    /// The byte-level path for ASCII texts gives exactly the reference's vector.
    func testASCIIVectorEqualsTheReference() {
        var texts = ["", "a b a", "it's", "S&P 500 rose; Q3-2024 U.S. Nokia's", "Profit PROFIT profit, pRoFiT!", "--- ... ***",
                     "x^y_z`w~v|u{t}s", String(repeating: "ab", count: 1_500) + " tail", String(repeating: "up down ", count: 400),
                     (0..<17_000).map { "w\($0 % 9)" }.joined(separator: " "), (0..<100).map { "t\($0)" }.joined(separator: "-")]
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("aAbB01 .,'-&\\\"zZ9\t\n")
        for _ in 0..<500 { texts.append(String((0..<Int.random(in: 0..<200, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })) }
        for text in texts {
            XCTAssertEqual(SearchWords.asciiVector(text), SearchWords.referenceVector(text), String(text.prefix(80)))
        }
        XCTAssertNil(SearchWords.asciiVector("Café"))
        XCTAssertEqual(SearchWords.vector("Café CAFE"), "'cafe':1,2")
    }
}

final class PostgresStoreTests: XCTestCase {
    func testNewerSchemaIsRefusedAndOlderUpgraded() throws {
        let (url, drop) = try TestDatabase.create()
        defer { drop() }
        let store = try PostgresStore(url: url)
        XCTAssertTrue(store.created)
        XCTAssertEqual(try store.statistics().schemaVersion, PostgresStore.schemaVersion)
        try store.close()
        XCTAssertFalse(try PostgresStore(url: url).created)
        try TestDatabase.admin(url, "UPDATE sentiment_schema SET version = \(PostgresStore.schemaVersion + 1)")
        XCTAssertThrowsError(try PostgresStore(url: url)) {
            guard case StoreError.newerVersion(let path, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(path, url.description)
        }
    }

    /// The counters of schema v2 answer counts, summaries and daily counts exactly as a fresh scan of the table,
    /// after inserts, deletes of predictions, a model deleted with its predictions, corrections, and all of them at
    /// once from several threads.
    func testPredictionCountersMatchAFreshCount() throws {
        let (url, drop) = try TestDatabase.create()
        defer { drop() }
        let store = try PostgresStore(url: url)
        defer { try? store.close() }
        let a = try store.saveModel(sampleModel(name: "a"))
        let b = try store.saveModel(sampleModel(name: "b"))
        @Sendable func batch(_ model: ModelInfo, _ n: Int, day: Double) throws -> [Int64] {
            let labels = (0..<n).map { $0 % 3 }
            var p: [Float] = []
            for l in labels { p += (0..<3).map { $0 == l ? 0.8 : 0.1 } }
            return try store.insertPredictions(PredictionColumns(
                modelId: model.id, texts: (0..<n).map { "text \($0) profit" }, labelIndices: labels, probabilities: p,
                sources: .constant("t"), createdAt: Date(timeIntervalSince1970: 86_400 * day + 3_600)))
        }
        func assertFresh(_ why: String, line: UInt = #line) throws {
            let queries: [PredictionQuery] = [
                PredictionQuery(), PredictionQuery(label: "negative"), PredictionQuery(modelName: "a"),
                PredictionQuery(modelName: "b", label: "positive"), PredictionQuery(corrected: true), PredictionQuery(corrected: false),
                PredictionQuery(createdFrom: Date(timeIntervalSince1970: 86_400 * 20_001)),
                PredictionQuery(createdBefore: Date(timeIntervalSince1970: 86_400 * 20_002)),
            ]
            for q in queries {
                var scan = q
                scan.allowsBlocks = false
                XCTAssertEqual(try store.countPredictions(q), try store.countPredictions(scan), "\(why): count \(q)", line: line)
                XCTAssertEqual(try store.summary(q), try store.summary(scan), "\(why): summary \(q)", line: line)
                XCTAssertEqual(try store.dailyCounts(q), try store.dailyCounts(scan), "\(why): daily \(q)", line: line)
            }
            XCTAssertEqual(try store.verify(), [], why, line: line)
        }
        var ids = try batch(a, 300, day: 20_000) + batch(b, 200, day: 20_001) + batch(a, 100, day: 20_002)
        try assertFresh("after inserts")
        XCTAssertEqual(try store.countPredictions(PredictionQuery()), 600)
        for id in ids.prefix(40) { try store.correct(predictionId: id, label: "positive") }
        try store.correct(predictionId: ids[0], label: "neutral")
        try assertFresh("after corrections")
        XCTAssertEqual(try store.deletePredictions(ids: Array(ids[10..<60])), 50)
        XCTAssertEqual(try store.deletePredictions(PredictionQuery(modelName: "b", label: "neutral")), 67)
        try assertFresh("after deletes")
        ids = try batch(b, 50, day: 20_002)
        XCTAssertEqual(try store.delete(name: "b", version: nil, deletePredictions: true), 183)
        try assertFresh("after deleting a model with its predictions")

        // Several writers at once: inserts, deletes and corrections of the same counter rows.
        let c = try store.saveModel(sampleModel(name: "c"))
        let seed = try batch(c, 400, day: 20_003)
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { i in
            do {
                for round in 0..<5 {
                    switch i % 3 {
                    case 0: _ = try batch(c, 20 + round, day: 20_003 + Double(round % 2))
                    case 1: _ = try store.deletePredictions(ids: Array(seed[(i * 40 + round * 7)..<(i * 40 + round * 7 + 5)]))
                    default: try store.correct(predictionId: seed[300 + i * 10 + round], label: ["negative", "neutral", "positive"][round % 3])
                    }
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, [])
        try assertFresh("after concurrent writers")
    }

    /// A v1 database (no counters) with predictions is upgraded: the counters are built from the rows stored.
    func testVersion1StoreIsUpgradedWithCounters() throws {
        let (url, drop) = try TestDatabase.create()
        defer { drop() }
        let store = try PostgresStore(url: url)
        let model = try store.saveModel(sampleModel())
        try insert(store, model, [Row(text: "profit up on the day", label: "positive", confidence: 0.9, source: "a", at: 1_000),
                                  Row(text: "loss", label: "negative", confidence: 0.7, source: "b", at: 90_000)])
        try store.close()
        // Back to v1 as an older build left it: no counter table, no triggers; then rows stored by that build.
        try TestDatabase.admin(url, """
            DROP TRIGGER prediction_count_insert ON prediction;
            DROP TRIGGER prediction_count_delete ON prediction;
            DROP TRIGGER prediction_count_update ON prediction;
            DROP TABLE prediction_count;
            DROP FUNCTION prediction_count_add();
            DROP FUNCTION prediction_count_remove();
            DROP FUNCTION prediction_count_change();
            UPDATE prediction SET corrected_label = 'neutral', corrected_at = 2000 WHERE text = 'loss';
            UPDATE prediction SET words = ts_delete(words, ARRAY(SELECT lexeme FROM unnest(words) WHERE lexeme LIKE '% %'));
            UPDATE sentiment_schema SET version = 1
            """)
        let upgraded = try PostgresStore(url: url)
        defer { try? upgraded.close() }
        XCTAssertEqual(try upgraded.statistics().schemaVersion, PostgresStore.schemaVersion)
        XCTAssertEqual(try upgraded.countPredictions(PredictionQuery()), 2)
        XCTAssertEqual(try upgraded.summary(PredictionQuery()).byCorrectedLabel, ["neutral": 1])
        XCTAssertEqual(try upgraded.dailyCounts(PredictionQuery()).map(\.day), ["1970-01-01", "1970-01-02"])
        XCTAssertEqual(try upgraded.verify(), [])
        // Rows stored before v4 get their word pairs: a phrase of short words finds them.
        XCTAssertEqual(try upgraded.countPredictions(PredictionQuery(search: "\"up on the\"")), 1)
        XCTAssertEqual(try upgraded.countPredictions(PredictionQuery(search: "\"the on\"")), 0)
    }

    func testForeignDatabaseIsRefused() throws {
        let (url, drop) = try TestDatabase.create()
        defer { drop() }
        try TestDatabase.admin(url, "CREATE TABLE model (x int)")
        XCTAssertThrowsError(try PostgresStore(url: url)) {
            guard case StoreError.cannotOpen(_, let reason) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("another application"), reason)
        }
    }

    func testUnreachableServerAndWrongDatabaseAreStoreErrors() throws {
        let base = try Backend.requirePostgres()
        var missing = base
        missing.database = "no_such_database_here"
        XCTAssertThrowsError(try PostgresStore(url: missing)) {
            guard case StoreError.cannotOpen(let path, let reason) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(path, missing.description)
            XCTAssertTrue(reason.contains("no_such_database_here"), reason)
        }
        // A port nobody listens on (bound here and closed).
        var closed = base
        closed.host = "127.0.0.1"
        closed.port = 1
        XCTAssertThrowsError(try PostgresStore(url: closed)) {
            guard case StoreError.cannotOpen = $0 else { return XCTFail("\($0)") }
        }
    }

    /// The server ends every connection of the store (as a restart or failover would): the next call retries once
    /// on a new connection and succeeds.
    func testLostConnectionIsRetriedOnce() throws {
        let (url, drop) = try TestDatabase.create()
        defer { drop() }
        let store = try PostgresStore(url: url, connections: 2)
        let model = try store.saveModel(sampleModel())
        XCTAssertEqual(try store.countPredictions(PredictionQuery()), 0)
        try TestDatabase.admin(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        // Wait until the server has really ended them (observed, not slept for).
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let pool = ConnectionPool(url: url, limit: 1)
            let c = try pool.acquire()
            let others = try Session(connection: c, pool: pool).rows(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").first?.decode(Int.self) ?? 0
            pool.release(c, broken: true)
            pool.close()
            if others == 0 { break }
        }
        XCTAssertEqual(try store.modelInfo(id: model.id).reference, "news@1")
        XCTAssertEqual(try store.insertPredictions(PredictionColumns(modelId: model.id, texts: ["after"], labelIndices: [1],
                                                                     probabilities: [0.2, 0.6, 0.2], sources: .constant("t"))).count, 1)
    }
}
