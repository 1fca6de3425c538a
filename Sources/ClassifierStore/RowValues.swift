import GRDB
import StoreInterface

extension Row {
    /// A column's value, or `StoreError.unreadableValue` naming the table, row and column when the stored value has
    /// another type (a value written around the store with the sqlite3 shell, say), never a crash.
    func value<T: DatabaseValueConvertible>(_ column: String, table: String) throws -> T {
        do {
            return try decode(T.self, forColumn: column)
        } catch {
            let id = try? decode(Int64?.self, forColumn: "id")
            throw StoreError.unreadableValue(table: table, row: id ?? nil, column: column)
        }
    }
}
