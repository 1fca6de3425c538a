import Foundation
import StoreInterface
import GRDB
import GRDBSQLite

extension SentimentStore {
    /// Runs `body` (a bulk write: many transactions in a row, such as storing a million predictions) while the
    /// WAL is checkpointed mostly on a thread of its own instead of inside the writer's commits.
    ///
    /// SQLite's automatic checkpoint runs in the committing connection: every 2,048 pages the writer stops to copy
    /// the WAL into the database file and waits for two `fdatasync` calls (measured: 13 checkpoints, 1.6 s of
    /// waiting while storing 1M predictions). Here each commit that leaves 256 pages or more in the WAL asks a
    /// second connection for a PASSIVE checkpoint (it never blocks the writer or readers and copies only committed
    /// pages), which runs while the writer goes on. The WAL can only start over from its beginning when a write
    /// transaction begins after a checkpoint has copied all of it, so once it holds 2,048 pages (the automatic
    /// checkpoint's size) the commit waits for a checkpoint of what is left, usually only the last transaction's
    /// pages: the WAL stays as small as before. Durability and crash safety are SQLite's own: the same checkpoints,
    /// by another connection. Afterwards the writer's automatic checkpoint is back and a last checkpoint has run.
    /// In-memory stores just run `body`.
    public func withBackgroundCheckpoints<T>(_ body: () throws -> T) throws -> T {
        try withBackgroundCheckpoints(requestAt: 256, waitAt: Self.autocheckpointPages, body)
    }

    /// `withBackgroundCheckpoints(_:)` with its two thresholds (pages in the WAL after a commit): from `requestAt`
    /// a checkpoint is requested, from `waitAt` the commit waits for one.
    func withBackgroundCheckpoints<T>(requestAt: Int32, waitAt: Int32, _ body: () throws -> T) throws -> T {
        guard path != ":memory:",
              let checkpointer = WALCheckpointer(path: path, requestAt: requestAt, waitAt: waitAt) else { return try body() }
        let context = Unmanaged.passRetained(checkpointer)
        writer.writeWithoutTransaction { db in
            _ = sqlite3_wal_hook(db.sqliteConnection, walHook, context.toOpaque())
        }
        defer {
            // Back to the automatic checkpoint (which installs SQLite's own hook in place of ours).
            writer.writeWithoutTransaction { db in
                _ = sqlite3_wal_autocheckpoint(db.sqliteConnection, Self.autocheckpointPages)
            }
            checkpointer.stop()
            context.release()
        }
        return try body()
    }

    /// The writer's `wal_autocheckpoint` (pages): `configuration()` sets it, `withBackgroundCheckpoints` restores it.
    static let autocheckpointPages: Int32 = 2048
}

/// Called by SQLite on the writer's thread after each of its commits, with the number of pages in the WAL.
private func walHook(_ context: UnsafeMutableRawPointer?, _ db: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                     _ frames: Int32) -> Int32 {
    guard let context else { return SQLITE_OK }
    let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue()
    if frames >= checkpointer.waitAt {
        checkpointer.checkpointAndWait()
    } else if frames >= checkpointer.requestAt {
        checkpointer.request()
    }
    return SQLITE_OK
}

/// A connection of its own and a thread that runs a PASSIVE checkpoint whenever requested (requests made while
/// one runs are merged into the next one).
final class WALCheckpointer: @unchecked Sendable {
    let requestAt: Int32
    let waitAt: Int32
    private var connection: OpaquePointer?
    private let condition = NSCondition()
    /// Requests so far, and the newest request a finished checkpoint started after.
    private var requested = 0
    private var served = 0
    private var stopping = false
    private let done = DispatchGroup()

    /// Nil when the file cannot be opened (then the writer's own checkpoints are kept).
    init?(path: String, requestAt: Int32, waitAt: Int32) {
        self.requestAt = requestAt
        self.waitAt = waitAt
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
            if let db { sqlite3_close_v2(db) }
            return nil
        }
        // Same durability as the writer: the checkpoint syncs the WAL before copying and the database after.
        sqlite3_exec(db, "PRAGMA synchronous = NORMAL", nil, nil, nil)
        connection = db
        let thread = Thread { [self] in run() }
        thread.name = "sentiment.store.checkpoint"
        done.enter()
        thread.start()
    }

    /// Asks for a checkpoint of everything committed so far; returns the request's number.
    @discardableResult
    func request() -> Int {
        condition.lock()
        defer { condition.unlock() }
        requested += 1
        condition.broadcast()
        return requested
    }

    /// Requests a checkpoint and waits until one that started after the request has finished.
    func checkpointAndWait() {
        let ticket = request()
        condition.lock()
        while served < ticket && !stopping { condition.wait() }
        condition.unlock()
    }

    private func run() {
        defer { done.leave() }
        while true {
            condition.lock()
            while served == requested && !stopping { condition.wait() }
            let ticket = requested
            let last = stopping
            condition.unlock()
            // Busy (another checkpoint running) or an I/O error: a later request, or the writer's own
            // checkpoints after `stop`, try again; nothing is lost either way.
            _ = sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            condition.lock()
            served = ticket
            condition.broadcast()
            condition.unlock()
            if last { return }
        }
    }

    /// Runs a last checkpoint, waits for the thread and closes the connection.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        done.wait()
        sqlite3_close_v2(connection)
        connection = nil
    }
}
