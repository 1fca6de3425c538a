import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import StoreInterface

/// A small pool of connections to one database, used from synchronous code: the caller's thread blocks on the
/// NIO future of each query (never a NIO event-loop thread: those run the connections). At most `limit`
/// connections are open; a caller waits for a free one.
final class ConnectionPool: @unchecked Sendable {
    let url: PostgresURL
    private let configuration: PostgresConnection.Configuration
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    /// postgres-nio logs connection events; a store reports errors through its throws, not through logging.
    let logger = Logger(label: "sentiment.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    private let limit: Int
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var closed = false
    private var nextID = 0

    init(url: PostgresURL, limit: Int = 8) {
        self.url = url
        self.limit = limit
        var configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user,
                                                             password: url.password, database: url.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        self.configuration = configuration
    }

    /// A connection for one transaction; give it back with `release`.
    func acquire() throws -> PostgresConnection {
        condition.lock()
        while !closed && idle.isEmpty && open >= limit { condition.wait() }
        if closed {
            condition.unlock()
            throw StoreError.database(path: url.description, message: "the store was closed")
        }
        if let connection = idle.popLast() {
            condition.unlock()
            if !connection.isClosed { return connection }
            condition.lock(); open -= 1; condition.unlock()
            return try acquire()
        }
        open += 1
        nextID += 1
        let id = nextID
        condition.unlock()
        do {
            return try PostgresConnection.connect(on: group.next(), configuration: configuration, id: id, logger: logger).wait()
        } catch {
            condition.lock(); open -= 1; condition.signal(); condition.unlock()
            throw StoreError.cannotOpen(path: url.description, reason: PostgresErrors.message(error))
        }
    }

    /// Returns a connection; a broken one (or any after `close`) is closed instead of kept.
    func release(_ connection: PostgresConnection, broken: Bool) {
        condition.lock()
        if broken || closed || connection.isClosed {
            open -= 1
            condition.signal()
            condition.unlock()
            // Waited for: postgres-nio requires a connection to be closed before it is released.
            let closing: EventLoopFuture<Void> = connection.close()
            try? closing.wait()
            return
        }
        idle.append(connection)
        condition.signal()
        condition.unlock()
    }

    /// Closes every idle connection; connections in use are closed when released.
    func close() {
        condition.lock()
        closed = true
        let connections = idle
        idle = []
        open -= connections.count
        condition.broadcast()
        condition.unlock()
        for c in connections { let closing: EventLoopFuture<Void> = c.close(); try? closing.wait() }
    }
}

/// Messages and kinds of postgres-nio errors.
enum PostgresErrors {
    /// The server's message (with its detail) when there is one, else the client's description.
    static func message(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] {
                let detail = e.serverInfo?[.detail].map { " (\($0))" } ?? ""
                return message + detail
            }
            switch e.code {
            case .connectionError: return "cannot connect: \(e.underlying.map { "\($0)" } ?? "connection failed")"
            case .serverClosedConnection, .uncleanShutdown: return "the server closed the connection"
            case .clientClosedConnection: return "the connection was closed"
            case .authMechanismRequiresPassword: return "the server asks for a password and the address has none"
            default: return "\(e.code)"
            }
        }
        if let e = error as? PostgresTransactionError { return message(e.closureError ?? e.commitError ?? e.rollbackError ?? e) }
        return "\(error)"
    }

    /// SQLSTATE of a server error (e.g. "23505" unique violation).
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// The connection is gone (not an error of the statement): the same work may succeed on a new connection.
    static func isConnectionLost(_ error: any Error) -> Bool {
        guard let e = error as? PSQLError else { return false }
        if e.code == .server {
            // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection exceptions.
            guard let state = e.serverInfo?[.sqlState] else { return false }
            return state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03"
        }
        return e.code == .serverClosedConnection || e.code == .uncleanShutdown || e.code == .connectionError
            || e.code == .clientClosedConnection
    }
}
