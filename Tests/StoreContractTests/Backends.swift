import ClassifierStore
import Foundation
@testable import PostgresStore
import StoreInterface
import XCTest

/// The backends the contract runs against: a fresh store each time.
enum Backend {
    case sqlite, postgres

    /// Where `postgres` tests connect (a database they may create other databases from).
    static var postgresURL: String? {
        let value = ProcessInfo.processInfo.environment["SENTIMENT_TEST_POSTGRES_URL"] ?? ""
        return value.isEmpty ? nil : value
    }

    /// CI sets it: there a missing PostgreSQL is a failure, not a skip.
    static var postgresRequired: Bool { ProcessInfo.processInfo.environment["SENTIMENT_REQUIRE_POSTGRES"] == "1" }

    /// The PostgreSQL address, or a skip (a failure when PostgreSQL is required).
    static func requirePostgres() throws -> PostgresURL {
        guard let text = postgresURL else {
            if postgresRequired {
                XCTFail("SENTIMENT_REQUIRE_POSTGRES=1 but SENTIMENT_TEST_POSTGRES_URL is not set")
            }
            throw XCTSkip("PostgreSQL store tests skipped: set SENTIMENT_TEST_POSTGRES_URL=postgres://user@host:port/db (eval \"$(.ci/postgres start)\" starts one)")
        }
        return try PostgresURL(text)
    }
}

/// One fresh store of a backend; its files or database are removed at the end of the test.
final class FreshStore {
    let store: any SentimentStoring
    private var cleanup: () -> Void

    init(_ backend: Backend) throws {
        switch backend {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("StoreContract-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            store = try SentimentStore(path: dir.appendingPathComponent("s.sqlite").path)
            cleanup = { try? FileManager.default.removeItem(at: dir) }
        case .postgres:
            let (url, drop) = try TestDatabase.create()
            store = try PostgresStore(url: url)
            cleanup = drop
        }
    }

    /// Another store object on the same data (another process would see this).
    func reopen() throws -> any SentimentStoring {
        if let pg = store as? PostgresStore { return try PostgresStore(url: pg.pool.url) }
        return try SentimentStore(path: store.path)
    }

    deinit {
        try? store.close()
        cleanup()
    }
}

/// A database of its own per test, created from the test server's database and dropped afterwards.
enum TestDatabase {
    static func create() throws -> (PostgresURL, () -> Void) {
        let base = try Backend.requirePostgres()
        var url = base
        url.database = "sentiment_contract_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        try admin(base, "CREATE DATABASE \(url.database)")
        let name = url.database
        return (url, { try? admin(base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
    }

    /// Runs statements outside a transaction (CREATE/DROP DATABASE) on a connection of its own.
    static func admin(_ url: PostgresURL, _ sql: String) throws {
        let pool = ConnectionPool(url: url, limit: 1)
        defer { pool.close() }
        let connection = try pool.acquire()
        defer { pool.release(connection, broken: true) }
        try Session(connection: connection, pool: pool).script(sql)
    }
}
