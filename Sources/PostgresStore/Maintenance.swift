import ClassifierStore
import Foundation
import PostgresNIO
import StoreInterface

extension PostgresStore {
    public func statistics() throws -> StoreStatistics {
        try transaction(readOnly: true) { session in
            guard let row = try session.row("""
                SELECT (SELECT COUNT(*) FROM corpus), (SELECT COUNT(*) FROM document),
                       (SELECT COUNT(*) FROM model WHERE status <> 'deleted'), (SELECT COUNT(*) FROM prediction),
                       (SELECT COUNT(*) FROM prediction WHERE corrected_label IS NOT NULL),
                       (SELECT version FROM sentiment_schema)
                """) else { return StoreStatistics(corpora: 0, documents: 0, models: 0, predictions: 0, correctedPredictions: 0, schemaVersion: 0) }
            let (c, d, m, p, k, v) = try row.decode((Int, Int, Int, Int, Int, Int).self)
            return StoreStatistics(corpora: c, documents: d, models: m, predictions: p, correctedPredictions: k, schemaVersion: v)
        }
    }

    /// Every model's checksum, predictions whose label or probabilities do not fit their model, and search words
    /// that do not match their text (rows written around the store). The database's own consistency is the
    /// server's business (and its tools': amcheck, pg_dump).
    public func verify() throws -> [String] {
        try transaction(readOnly: true) { session in
            var problems: [String] = []
            for row in try session.rows("SELECT \(Self.modelColumns) FROM model WHERE status <> 'deleted' ORDER BY name COLLATE \"C\", version") {
                let info = try Self.modelInfo(row)
                do {
                    _ = try Self.loadPayloads(session, info: info)
                } catch let e as StoreError {
                    problems.append(e.description)
                }
            }
            let misfits = try session.row("""
                SELECT COUNT(*) FROM prediction p JOIN model m ON m.id = p.model_id
                WHERE NOT (p.label = ANY (m.labels)) OR cardinality(p.probabilities) <> cardinality(m.labels)
                """)?.decode(Int.self) ?? 0
            if misfits > 0 { problems.append("\(path): \(misfits) predictions have a label or probabilities their model does not have") }
            let orphans = try session.row("SELECT COUNT(*) FROM prediction WHERE words = ''::tsvector AND text ~ '[[:alnum:]]'")?
                .decode(Int.self) ?? 0
            if orphans > 0 { problems.append("\(path): \(orphans) predictions with text are missing from the full-text index") }
            let stale = try session.row("""
                WITH fresh AS (SELECT model_id, label, COALESCE(corrected_label, '') AS corrected_label,
                                      floor(created_at / 86400)::integer AS day, COUNT(*) AS n FROM prediction GROUP BY 1, 2, 3, 4),
                     kept AS (SELECT model_id, label, corrected_label, day, n FROM prediction_count WHERE n <> 0)
                SELECT COUNT(*) FROM ((SELECT * FROM kept EXCEPT ALL SELECT * FROM fresh)
                                      UNION ALL (SELECT * FROM fresh EXCEPT ALL SELECT * FROM kept)) d
                """)?.decode(Int.self) ?? 0
            if stale > 0 { problems.append("\(path): \(stale) prediction counters differ from the predictions (`sentiment store optimize` recounts them)") }
            return problems
        }
    }

    /// Recounts the prediction counters (dropping groups that fell to 0) and refreshes the planner's statistics.
    public func optimize() throws {
        try transaction { session in
            try session.execute("LOCK TABLE prediction IN SHARE ROW EXCLUSIVE MODE")
            try session.execute("DELETE FROM prediction_count")
            try session.execute("""
                INSERT INTO prediction_count (model_id, label, corrected_label, day, n)
                SELECT model_id, label, COALESCE(corrected_label, ''), floor(created_at / 86400)::integer, COUNT(*)
                FROM prediction GROUP BY 1, 2, 3, 4
                """)
        }
        try transaction { session in try session.execute("ANALYZE") }
    }
}
