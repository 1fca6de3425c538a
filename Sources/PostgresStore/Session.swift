import Foundation
import NIOCore
import PostgresNIO
import StoreInterface

/// One transaction's connection: runs statements and blocks until each is done.
final class Session {
    let connection: PostgresConnection
    private let pool: ConnectionPool
    /// Statements run so far (1 = the BEGIN).
    private(set) var statements = 0
    /// A statement failed because the connection was lost.
    private(set) var lost = false

    init(connection: PostgresConnection, pool: ConnectionPool) {
        self.connection = connection
        self.pool = pool
    }

    /// The rows of one statement (all collected: for results of bounded size).
    @discardableResult
    func rows(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws -> [PostgresRow] {
        try run { try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: pool.logger).wait().rows }
    }

    /// Runs a statement; the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws -> Int {
        try run { try connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: pool.logger).wait().metadata.rows ?? 0 }
    }

    /// Runs statements separated by a semicolon at a line's end, one by one (postgres-nio speaks the extended
    /// protocol only, which takes one statement at a time): the migrations.
    func script(_ sql: String) throws {
        for statement in sql.components(separatedBy: ";\n") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            try execute(statement)
        }
    }

    /// The first row, if any.
    func row(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws -> PostgresRow? {
        try rows(sql, binds).first
    }

    /// Calls `body` for every row of a query in pieces of `fetch` rows through a cursor: constant memory for
    /// results of any size (inside this transaction's snapshot).
    func each(_ sql: String, _ binds: PostgresBindings = PostgresBindings(), fetch: Int = 5_000,
              _ body: (PostgresRow) throws -> Void) throws {
        try execute("DECLARE sentiment_rows NO SCROLL CURSOR FOR " + sql, binds)
        while true {
            let rows = try self.rows("FETCH FORWARD \(fetch) FROM sentiment_rows")
            for row in rows { try body(row) }
            if rows.count < fetch { break }
        }
        try execute("CLOSE sentiment_rows")
    }

    private func run<T>(_ body: () throws -> T) throws -> T {
        statements += 1
        do {
            return try body()
        } catch {
            if PostgresErrors.isConnectionLost(error) { lost = true }
            throw SessionError(message: PostgresErrors.message(error), sqlState: PostgresErrors.sqlState(error),
                               lost: PostgresErrors.isConnectionLost(error))
        }
    }
}

/// A failed statement, before it is mapped to a `StoreError` (with the store's address) at the transaction's end.
struct SessionError: Error {
    var message: String
    var sqlState: String?
    var lost: Bool
}

/// Builds statement parameters: `binds(a, b, nil)` for `$1, $2, $3`.
func binds(_ values: (any PostgresThrowingDynamicTypeEncodable)?...) throws -> PostgresBindings {
    var out = PostgresBindings(capacity: values.count)
    for value in values {
        if let value { try out.append(value) } else { out.appendNull() }
    }
    return out
}
