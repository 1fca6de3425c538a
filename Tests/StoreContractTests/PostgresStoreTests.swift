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
        XCTAssertEqual(SearchWords.vector("a b a"), "'a':1,3 'b':2")
        XCTAssertEqual(SearchWords.vector("it's"), "'it':1 's':2")
        XCTAssertEqual(SearchWords.query("S&P \"rate cut\""), "('s' <-> 'p') & ('rate' <-> 'cut')")
        XCTAssertNil(SearchWords.query("& -- !"))
        XCTAssertEqual(SearchWords.query("x'y\\"), "('x' <-> 'y')")
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
