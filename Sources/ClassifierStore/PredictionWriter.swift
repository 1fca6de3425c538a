import Foundation
import StoreInterface
import GRDB
// GRDB's SQLite module (system libsqlite3): used only to bind and step the bulk-insert statement without
// per-row argument boxing.
import GRDBSQLite

/// Streams predictions into the store: `append` buffers, and every `batchSize` rows are inserted in one
/// transaction (rows of earlier batches stay stored if a later batch fails). Call `flush()` at the end: rows
/// still buffered when the writer is released are not stored. Not thread-safe: use one writer per thread.
public final class PredictionWriter {
    public let store: SentimentStore
    public let batchSize: Int
    private var buffer: [NewPrediction] = []
    /// Ids of everything flushed so far are not kept (memory stays constant); this counts them.
    public private(set) var insertedCount = 0
    /// Id of the last inserted prediction.
    public private(set) var lastInsertedId: Int64?

    init(store: SentimentStore, batchSize: Int) {
        self.store = store
        self.batchSize = max(1, batchSize)
        buffer.reserveCapacity(self.batchSize)
    }

    /// Buffers a prediction; inserts the buffer when it reaches `batchSize`.
    public func append(_ prediction: NewPrediction) throws {
        buffer.append(prediction)
        if buffer.count >= batchSize { try flush() }
    }

    /// Inserts buffered predictions in one transaction and returns their ids. On error the batch is discarded
    /// (nothing of it is stored) and the error is rethrown.
    @discardableResult
    public func flush() throws -> [Int64] {
        guard !buffer.isEmpty else { return [] }
        let batch = buffer
        buffer.removeAll(keepingCapacity: true)
        let ids = try store.insertPredictions(batch)
        insertedCount += ids.count
        lastInsertedId = ids.last ?? lastInsertedId
        return ids
    }

    /// Number of buffered, not yet inserted predictions.
    public var pendingCount: Int { buffer.count }
}
