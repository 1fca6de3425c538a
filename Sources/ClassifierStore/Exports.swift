// The store's value types and its interface live in StoreInterface (no database types); a program that imports
// this SQLite backend sees them too.
@_exported import StoreInterface

/// The SQLite store implements the backend interface; its methods are in the files of this module.
extension SentimentStore: SentimentStoring {
    public func withBulkWrites<T>(_ body: () throws -> T) throws -> T { try withBackgroundCheckpoints(body) }
}
