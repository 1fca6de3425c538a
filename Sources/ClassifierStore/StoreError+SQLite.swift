import StoreInterface
import GRDB

extension StoreError {
    static let diskFullPrefix = "disk full: "

    /// Maps any error thrown by GRDB/SQLite into a `StoreError` naming `path`.
    static func map(_ error: Error, path: String) -> Error {
        if error is StoreError { return error }
        guard let e = error as? DatabaseError else { return error }
        let message = e.message ?? "\(e.resultCode)"
        switch e.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return StoreError.corrupted(path: path, reason: message)
        case .SQLITE_READONLY, .SQLITE_PERM:
            return StoreError.readOnlyLocation(path: path)
        case .SQLITE_CANTOPEN:
            return StoreError.cannotOpen(path: path, reason: message)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError.database(path: path, message: busyPrefix + message)
        case .SQLITE_FULL:
            return StoreError.database(path: path, message: diskFullPrefix + message)
        default:
            return StoreError.database(path: path, message: message)
        }
    }
}
