import Foundation
import StoreInterface
import GRDB
// GRDB's SQLite module (system libsqlite3): used only to bind and step the bulk-insert statement without
// per-row argument boxing.
import GRDBSQLite

/// Binding values through SQLite's C API (no per-row argument boxing), for the bulk inserts.
enum SQLiteBinding {
    /// A 1-byte NUL-terminated buffer bound for empty strings (a bound pointer must outlive the step).
    private nonisolated(unsafe) static let emptyText: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        p.pointee = 0
        return p
    }()

    /// Binds UTF-8 bytes without copying (SQLITE_STATIC): valid only until the following step/reset.
    @inline(__always)
    static func text(_ stmt: OpaquePointer, _ index: Int32, _ buf: UnsafeBufferPointer<UInt8>) {
        if let base = buf.baseAddress, buf.count > 0 {
            UnsafeRawPointer(base).withMemoryRebound(to: CChar.self, capacity: buf.count) {
                _ = sqlite3_bind_text(stmt, index, $0, Int32(buf.count), nil)
            }
        } else {
            _ = sqlite3_bind_text(stmt, index, emptyText, 0, nil)
        }
    }

    /// Steps a bound statement, resets it and maps a failure to a `DatabaseError`.
    @inline(__always)
    static func step(_ stmt: OpaquePointer, _ db: Database) throws {
        let rc = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        guard rc == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }
}
