import Foundation
@testable import PostgresStore
import XCTest

/// A database of its own on the test cluster named by SENTIMENT_TEST_POSTGRES_URL, and a closure that drops it.
/// Skips the test without that variable (fails it when SENTIMENT_REQUIRE_POSTGRES=1).
func throwawayPostgresDatabase(prefix: String) throws -> (url: PostgresURL, address: String, drop: () -> Void) {
    guard let text = ProcessInfo.processInfo.environment["SENTIMENT_TEST_POSTGRES_URL"], !text.isEmpty else {
        if ProcessInfo.processInfo.environment["SENTIMENT_REQUIRE_POSTGRES"] == "1" {
            XCTFail("SENTIMENT_REQUIRE_POSTGRES=1 but SENTIMENT_TEST_POSTGRES_URL is not set")
        }
        throw XCTSkip("PostgreSQL tests skipped: set SENTIMENT_TEST_POSTGRES_URL (eval \"$(.ci/postgres start)\" starts a server)")
    }
    let base = try PostgresURL(text)
    var url = base
    url.database = "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
    try postgresAdmin(base, "CREATE DATABASE \(url.database)")
    let address = "postgres://\(url.user)\(url.password.map { ":" + $0 } ?? "")@\(url.host):\(url.port)/\(url.database)"
    let name = url.database
    return (url, address, { try? postgresAdmin(base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
}

/// Runs `sql` on one connection of its own to `url`.
func postgresAdmin(_ url: PostgresURL, _ sql: String) throws {
    let pool = ConnectionPool(url: url, limit: 1)
    defer { pool.close() }
    let connection = try pool.acquire()
    defer { pool.release(connection, broken: true) }
    try Session(connection: connection, pool: pool).script(sql)
}
