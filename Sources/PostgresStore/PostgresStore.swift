import ClassifierStore
import Foundation
import PostgresNIO
import StoreInterface

/// The store on a PostgreSQL database, shared by several processes and machines: the same decisions as the SQLite
/// store (`SentimentStoring`), with PostgreSQL's own schema (`PostgresSchema`), full-text search (a `tsvector`
/// column with a GIN index) and locking (versions per name under an advisory lock; prediction inserts ordered by
/// another, so ids commit in increasing order and a paging cursor's `maxId` snapshot stays exact).
///
/// Every method is one transaction on a connection of a small pool and may be called from several threads; the
/// caller's thread blocks while postgres-nio's event loops do the I/O.
public final class PostgresStore: SentimentStoring, @unchecked Sendable {
    /// The address without its password.
    public let path: String
    /// A server keeps its own files.
    public var files: [String] { [] }
    let pool: ConnectionPool
    /// This call created the schema in an empty database (another process opening it at the same time did not).
    public private(set) var created = false

    /// Connects to the database at `url` and creates or upgrades the schema.
    /// - Throws: `StoreError.cannotOpen` (server unreachable, authentication, a database of another application),
    ///   `.newerVersion`.
    public init(url: PostgresURL, connections: Int = 8) throws {
        path = url.description
        pool = ConnectionPool(url: url, limit: max(1, connections))
        created = try transaction { try PostgresSchema.prepare($0, path: path) }
    }

    /// The schema version this build writes.
    public static var schemaVersion: Int { PostgresSchema.version }

    public func close() throws { pool.close() }

    deinit { pool.close() }
}
