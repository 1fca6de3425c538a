import Foundation
import PostgresNIO
import StoreInterface

extension PostgresStore {
    /// Runs `body` in one transaction on a connection of the pool: committed when it returns, rolled back when it
    /// throws. A lost connection is retried once on a new one: the whole transaction when `replayable` (its body
    /// only talks to the database), else only when it was lost before the body ran; never once COMMIT was sent
    /// (its outcome is then unknown). Read transactions see one snapshot (REPEATABLE READ).
    func transaction<T>(readOnly: Bool = false, replayable: Bool = true, _ body: (Session) throws -> T) throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            let connection = try pool.acquire()
            let session = Session(connection: connection, pool: pool)
            var committing = false
            do {
                try session.execute(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN")
                let value = try body(session)
                committing = true
                try session.execute("COMMIT")
                pool.release(connection, broken: false)
                return value
            } catch {
                if !session.lost { _ = try? session.execute("ROLLBACK") }
                pool.release(connection, broken: session.lost)
                if session.lost && attempt == 1 && !committing && (replayable || session.statements <= 1) { continue }
                throw mapped(error)
            }
        }
    }

    /// A statement's failure as a `StoreError` naming the store (without its password).
    func mapped(_ error: any Error) -> any Error {
        guard let e = error as? SessionError else { return error }
        if e.lost { return StoreError.database(path: path, message: "connection to the server lost: \(e.message)") }
        // 55P03 lock_not_available, 40P01 deadlock: another process holds what this transaction needs.
        if e.sqlState == "55P03" || e.sqlState == "40P01" || e.sqlState == "40001" {
            return StoreError.database(path: path, message: StoreError.busyPrefix + e.message)
        }
        return StoreError.database(path: path, message: e.message)
    }
}
