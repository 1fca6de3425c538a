import Foundation

/// A `postgres://user[:password]@host[:port]/database` address (also `postgresql://`). Its `description` never
/// holds the password: it is what messages print.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String

    /// Whether `text` names a PostgreSQL store (everything else names an SQLite file).
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses the address. - Throws: `PostgresURLError` naming what is missing (never echoing the password).
    public init(_ text: String) throws {
        guard Self.isPostgres(text) else { throw PostgresURLError(problem: "does not start with postgres://") }
        guard let c = URLComponents(string: text) else {
            throw PostgresURLError(problem: "is not a valid URL (characters such as @ : / in a password must be percent-encoded)")
        }
        guard let user = c.user, !user.isEmpty else { throw PostgresURLError(problem: "names no user (postgres://USER@HOST/DATABASE)") }
        guard let host = c.host, !host.isEmpty else { throw PostgresURLError(problem: "names no host") }
        let database = String(c.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresURLError(problem: "names no database (postgres://USER@HOST/DATABASE)")
        }
        if let port = c.port, !(1...65535).contains(port) { throw PostgresURLError(problem: "has port \(port) outside 1–65535") }
        self.user = c.user?.removingPercentEncoding ?? user
        self.password = c.password?.removingPercentEncoding ?? c.password
        self.host = host
        self.port = c.port ?? 5432
        self.database = database.removingPercentEncoding ?? database
    }

    /// The address without its password.
    public var description: String {
        "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
    }

    /// `text` with the password of a postgres:// address removed (anything else unchanged), for messages.
    public static func redacted(_ text: String) -> String {
        guard isPostgres(text), let url = try? PostgresURL(text) else {
            guard isPostgres(text), let at = text.lastIndex(of: "@"),
                  let colon = text[..<at].dropFirst("postgres://".count).firstIndex(of: ":") else { return text }
            return String(text[..<colon]) + String(text[at...])
        }
        return url.description
    }
}

/// A postgres:// address that cannot be used.
public struct PostgresURLError: Error, CustomStringConvertible, Equatable {
    public var problem: String
    public var description: String { "PostgreSQL address \(problem)" }
}
