import Foundation
import StoreInterface
import GRDB

extension SentimentStore {
    /// Row counts, read from one snapshot.
    public func statistics() throws -> StoreStatistics {
        try read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            return StoreStatistics(
                corpora: try count("SELECT COUNT(*) FROM corpus"),
                documents: try count("SELECT COUNT(*) FROM document"),
                models: try count("SELECT COUNT(*) FROM model WHERE status <> 'deleted'"),
                // The blocks hold one entry per prediction (COUNT(*) would read the whole table: it has no index).
                predictions: try count("SELECT COALESCE(SUM(length(data) / \(PredictionBlocks.bytesPerRow)), 0) FROM prediction_block"),
                correctedPredictions: try count("SELECT COUNT(*) FROM prediction WHERE correctedLabel IS NOT NULL"),
                schemaVersion: try count("PRAGMA user_version"))
        }
    }

    /// Checks the whole store: SQLite page structure (`PRAGMA quick_check`), the full-text index against the
    /// predictions, and every model's checksum. Returns one line per problem (empty when healthy).
    /// Runs in a write transaction (FTS5's integrity-check is issued as an INSERT) but changes nothing.
    public func verify() throws -> [String] {
        try write { db in
            var problems: [String] = []
            for line in try String.fetchAll(db, sql: "PRAGMA quick_check") where line != "ok" {
                problems.append("\(path): \(line)")
            }
            do {
                try db.execute(sql: "INSERT INTO prediction_fts(prediction_fts, rank) VALUES ('integrity-check', 1)")
            } catch let e as DatabaseError {
                problems.append("\(path): full-text index out of sync with predictions (\(e.message ?? "\(e.resultCode)"))")
            }
            problems += try PredictionBlocks.problems(db).map { "\(path): \($0)" }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM model WHERE status <> 'deleted' ORDER BY name, version") {
                let info = try Self.modelInfo(row)
                do {
                    _ = try Self.loadPayloads(db, info: info)
                } catch let e as StoreError {
                    problems.append(e.description)
                }
            }
            return problems
        }
    }

    /// Merges the full-text index into one segment, rewrites the prediction blocks from the predictions (which also
    /// repairs them after rows were written around the store, as `verify()` reports) and refreshes SQLite's
    /// statistics (after large imports).
    public func optimize() throws {
        try write { db in
            try db.execute(sql: "INSERT INTO prediction_fts(prediction_fts) VALUES ('optimize')")
            try PredictionBlocks.rebuild(db)
        }
        do {
            try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA optimize") }
        } catch {
            throw StoreError.map(error, path: path)
        }
    }
}
