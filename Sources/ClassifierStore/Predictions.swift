import Foundation
import StoreInterface
import GRDB
// GRDB's SQLite module (system libsqlite3): used only to bind and step the bulk-insert statement without
// per-row argument boxing.
import GRDBSQLite

extension SentimentStore {
    /// Inserts predictions in one transaction and returns their ids in order.
    /// - Throws: `StoreError.modelNotFound`, `.invalidValue` (label not in the model's labels, wrong number of
    ///   probabilities, non-finite numbers). Nothing is inserted on error.
    @discardableResult
    public func insertPredictions(_ predictions: [NewPrediction]) throws -> [Int64] {
        guard !predictions.isEmpty else { return [] }
        return try write { db in
            var inserter = PredictionInserter(db)
            return try inserter.insert(predictions)
        }
    }

    /// Inserts a batch of one model's predictions held in columns in one transaction and returns their ids in
    /// order: the bulk path (no per-row objects) for large files. Stores exactly what `insertPredictions(_:)`
    /// stores for the same rows with `confidence` = the label's probability.
    /// - Throws: `StoreError.modelNotFound`, `.invalidValue` (a label index outside the model's labels, column
    ///   lengths that do not match, non-finite probabilities). Nothing is inserted on error.
    @discardableResult
    public func insertPredictions(_ columns: PredictionColumns) throws -> [Int64] {
        guard columns.count > 0 else { return [] }
        return try write { db in
            var inserter = PredictionInserter(db)
            return try inserter.insert(columns)
        }
    }

    /// A streaming writer that inserts every `batchSize` appended predictions in one transaction.
    public func predictionWriter(batchSize: Int = 10_000) -> PredictionWriter {
        PredictionWriter(store: self, batchSize: batchSize)
    }

    /// Predictions matching `query`.
    /// - Throws: `StoreError.invalidSearch` for an invalid FTS5 expression.
    public func predictions(_ query: PredictionQuery = PredictionQuery()) throws -> [PredictionInfo] {
        let (sql, arguments) = Self.selectSQL(query)
        return try searching(query) {
            try read { db in
                if let ids = try blockPage(db, query) { return try Self.predictions(db, ids: ids) }
                var out: [PredictionInfo] = []
                let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try rows.next() { out.append(try Self.predictionInfo(row)) }
                return out
            }
        }
    }

    /// Calls `body` for each prediction matching `query`, streaming from one read snapshot (constant memory,
    /// for exports of millions of rows). Writers are not blocked meanwhile (WAL).
    public func forEachPrediction(_ query: PredictionQuery, _ body: (PredictionInfo) throws -> Void) throws {
        let (sql, arguments) = Self.selectSQL(query)
        try searching(query) {
            try read { db in
                let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try rows.next() { try body(try Self.predictionInfo(row)) }
            }
        }
    }

    /// The given predictions, in the order of `ids`.
    static func predictions(_ db: Database, ids: [Int64]) throws -> [PredictionInfo] {
        var byId: [Int64: PredictionInfo] = [:]
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(ids.count, start + 500)]
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try Row.fetchCursor(db, sql: """
                SELECT prediction.*, model.name AS modelName, model.version AS modelVersion
                FROM prediction JOIN model ON model.id = prediction.modelId WHERE prediction.id IN (\(marks))
                """, arguments: StatementArguments(Array(chunk)))
            while let row = try rows.next() {
                let info = try predictionInfo(row)
                byId[info.id] = info
            }
            start = chunk.endIndex
        }
        return try ids.map { id in
            guard let info = byId[id] else { throw StoreError.invalidValue("prediction blocks name prediction \(id), which does not exist") }
            return info
        }
    }

    static func selectSQL(_ query: PredictionQuery) -> (String, StatementArguments) {
        let (whereSQL, args) = query.whereClause()
        var page = ""
        var arguments = args
        if query.limit != nil || query.offset > 0 {
            page = "LIMIT ? OFFSET ?"
            arguments += [query.limit.map { max(0, $0) } ?? -1, max(0, query.offset)]
        }
        let sql = """
            SELECT p.*, model.name AS modelName, model.version AS modelVersion
            FROM (SELECT * FROM prediction \(whereSQL) \(query.orderClause("prediction")) \(page)) AS p
            JOIN model ON model.id = p.modelId
            \(query.orderClause("p"))
            """
        return (sql, arguments)
    }

    /// Number of predictions matching `query` (order, limit and offset ignored).
    public func countPredictions(_ query: PredictionQuery = PredictionQuery()) throws -> Int {
        let (whereSQL, args) = query.whereClause()
        return try searching(query) {
            try read { db in
                if query.allowsBlocks, let blocks = try BlockQuery(db, query, cache: blockCache) { return try blocks.count(db) }
                if let search = query.matchExpression, query.isOnlySearch {
                    // The full-text index alone: its entries are the predictions' rows.
                    return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM prediction_fts WHERE prediction_fts MATCH ?",
                                            arguments: [search]) ?? 0
                }
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM prediction \(whereSQL)", arguments: args) ?? 0
            }
        }
    }

    /// Counts per label, model and correction status of the predictions matching `query`, read from one snapshot.
    public func summary(_ query: PredictionQuery = PredictionQuery()) throws -> PredictionSummary {
        let (whereSQL, args) = query.whereClause()
        return try searching(query) {
            try read { db in
                if query.allowsBlocks, let blocks = try BlockQuery(db, query, cache: blockCache) { return try blocks.summary(db) }
                // One pass over the matching rows, counted here: a single table scan instead of one query per
                // breakdown (the per-label GROUP BY scanned and sorted the whole table again).
                struct Key: Hashable { var modelId: Int64; var label: String; var corrected: String? }
                var counts: [Key: Int] = [:]
                let statement = try db.makeStatement(sql: "SELECT modelId, label, correctedLabel FROM prediction \(whereSQL)")
                try statement.setArguments(args)
                let stmt = statement.sqliteStatement
                defer { sqlite3_reset(stmt) }
                func text(_ column: Int32) -> String? {
                    guard let p = sqlite3_column_text(stmt, column) else { return nil }
                    return String(decoding: UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, column))),
                                  as: UTF8.self)
                }
                while true {
                    let rc = sqlite3_step(stmt)
                    if rc == SQLITE_DONE { break }
                    guard rc == SQLITE_ROW else {
                        throw DatabaseError(resultCode: ResultCode(rawValue: rc),
                                            message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                    }
                    counts[Key(modelId: sqlite3_column_int64(stmt, 0), label: text(1) ?? "", corrected: text(2)), default: 0] += 1
                }
                var names: [Int64: String] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT id, name, version FROM model") {
                    let name: String = row[1], version: Int = row[2]
                    names[row[0]] = "\(name)@\(version)"
                }
                var total = 0, corrected = 0
                var byLabel: [String: Int] = [:], byModel: [String: Int] = [:], byCorrected: [String: Int] = [:]
                for (key, n) in counts {
                    total += n
                    byLabel[key.label, default: 0] += n
                    byModel[names[key.modelId] ?? "#\(key.modelId)", default: 0] += n
                    if let c = key.corrected {
                        corrected += n
                        byCorrected[c, default: 0] += n
                    }
                }
                return PredictionSummary(total: total, byLabel: byLabel, byModel: byModel, corrected: corrected,
                                         uncorrected: total - corrected, byCorrectedLabel: byCorrected)
            }
        }
    }

    /// Predictions matching `query` per UTC day and label, oldest day first (from the blocks, or one grouped scan
    /// of the table for a search).
    public func dailyCounts(_ query: PredictionQuery = PredictionQuery()) throws -> [DailyCount] {
        let (whereSQL, args) = query.whereClause()
        return try searching(query) {
            try read { db in
                if query.allowsBlocks, let blocks = try BlockQuery(db, query, cache: blockCache) { return try blocks.dailyCounts(db) }
                var days: [DailyCount] = []
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT date(createdAt, 'unixepoch') AS day, label, COUNT(*) FROM prediction \(whereSQL)
                    GROUP BY day, label HAVING day IS NOT NULL ORDER BY day
                    """, arguments: args)
                while let row = try rows.next() {
                    let day: String = row[0], label: String = row[1], n: Int = row[2]
                    if days.last?.day != day { days.append(DailyCount(day: day, byLabel: [:])) }
                    days[days.count - 1].byLabel[label, default: 0] += n
                }
                return days
            }
        }
    }

    public func latestPredictionId() throws -> Int64? {
        try read { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(id) FROM prediction")) }
    }

    /// One prediction by id.
    /// - Throws: `StoreError.predictionNotFound`.
    public func prediction(id: Int64) throws -> PredictionInfo {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT prediction.*, model.name AS modelName, model.version AS modelVersion
                FROM prediction JOIN model ON model.id = prediction.modelId WHERE prediction.id = ?
                """, arguments: [id]) else {
                throw StoreError.predictionNotFound(id)
            }
            return try Self.predictionInfo(row)
        }
    }

    /// Records the true label of a prediction (replacing an earlier correction).
    /// - Throws: `StoreError.predictionNotFound`, `.invalidValue` when `label` is not one of the labels of the
    ///   prediction's model.
    public func correct(predictionId: Int64, label: String) throws {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT model.labels FROM prediction JOIN model ON model.id = prediction.modelId WHERE prediction.id = ?
                """, arguments: [predictionId]) else {
                throw StoreError.predictionNotFound(predictionId)
            }
            // A deleted model keeps its labels in its tombstone row.
            let labels = try JSONText.decode([String].self, row[0], what: "labels")
            guard labels.contains(label) else {
                throw StoreError.invalidValue(
                    "label \"\(label)\" is not one of the model's labels (\(labels.joined(separator: ", ")))")
            }
            try db.execute(sql: "UPDATE prediction SET correctedLabel = ?, correctedAt = ? WHERE id = ?",
                           arguments: [label, Clock.seconds(Date()), predictionId])
        }
    }

    /// Texts with their corrected labels (for retraining), in correction order; optionally for one model name.
    public func corrections(modelName: String? = nil) throws -> [(text: String, label: String)] {
        try read { db in
            let rows: [Row]
            if let modelName {
                rows = try Row.fetchAll(db, sql: """
                    SELECT text, correctedLabel FROM prediction
                    WHERE correctedLabel IS NOT NULL AND modelId IN (SELECT id FROM model WHERE name = ?)
                    ORDER BY correctedAt, id
                    """, arguments: [modelName])
            } else {
                rows = try Row.fetchAll(db, sql: """
                    SELECT text, correctedLabel FROM prediction WHERE correctedLabel IS NOT NULL ORDER BY correctedAt, id
                    """)
            }
            return rows.map { (text: $0[0], label: $0[1]) }
        }
    }

    /// Deletes predictions matching `query` (order/limit/offset ignored); returns how many.
    @discardableResult
    public func deletePredictions(_ query: PredictionQuery) throws -> Int {
        let (whereSQL, args) = query.whereClause()
        return try searching(query) {
            try write { db in
                let ids = try Int64.fetchAll(db, sql: "DELETE FROM prediction \(whereSQL) RETURNING id", arguments: args)
                try PredictionBlocks.remove(db, ids: ids)
                return ids.count
            }
        }
    }

    /// Deletes the predictions with these ids (ids not stored are ignored) and their entries in the prediction
    /// blocks, in one transaction; returns how many were deleted.
    @discardableResult
    public func deletePredictions(ids: [Int64]) throws -> Int {
        try write { db in
            var deleted: [Int64] = []
            // Bound parameters per statement stay far below SQLite's limit.
            var start = 0
            let unique = Array(Set(ids)).sorted()
            while start < unique.count {
                let part = unique[start..<min(start + 500, unique.count)]
                let marks = Array(repeating: "?", count: part.count).joined(separator: ",")
                deleted += try Int64.fetchAll(db, sql: "DELETE FROM prediction WHERE id IN (\(marks)) RETURNING id",
                                              arguments: StatementArguments(Array(part)))
                start += part.count
            }
            try PredictionBlocks.remove(db, ids: deleted)
            return deleted.count
        }
    }

    /// Turns SQLite errors raised by an FTS5 expression into `StoreError.invalidSearch`.
    func searching<T>(_ query: PredictionQuery, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let StoreError.database(_, message) where query.search != nil && !message.hasPrefix(StoreError.busyPrefix)
                                                      && !message.hasPrefix(StoreError.diskFullPrefix) {
            // The rest of the SQL is fixed and valid, so an SQLITE_ERROR here comes from the MATCH expression.
            throw StoreError.invalidSearch(query: query.search ?? "", message: message)
        }
    }

    /// Parses the `{"label":number,…}` objects the store writes without JSONDecoder (fast path for listing
    /// millions of rows); anything else (escaped keys, hand-edited values) goes through JSONDecoder.
    static func probabilities(_ text: String) throws -> [String: Double] {
        var out: [String: Double] = [:]
        var ok = false
        var t = text
        t.withUTF8 { b in
            var i = 0
            guard b.count >= 2, b[0] == UInt8(ascii: "{") else { return }
            i = 1
            if b[i] == UInt8(ascii: "}") { ok = i == b.count - 1; return }
            while i < b.count {
                guard b[i] == UInt8(ascii: "\"") else { return }
                let keyStart = i + 1
                var j = keyStart
                while j < b.count, b[j] != UInt8(ascii: "\""), b[j] != UInt8(ascii: "\\") { j += 1 }
                guard j < b.count, b[j] == UInt8(ascii: "\""), j + 1 < b.count, b[j + 1] == UInt8(ascii: ":") else { return }
                let key = String(decoding: UnsafeBufferPointer(rebasing: b[keyStart..<j]), as: UTF8.self)
                var k = j + 2
                let numStart = k
                while k < b.count, b[k] != UInt8(ascii: ","), b[k] != UInt8(ascii: "}") { k += 1 }
                guard k < b.count,
                      let v = Double(String(decoding: UnsafeBufferPointer(rebasing: b[numStart..<k]), as: UTF8.self))
                else { return }
                out[key] = v
                if b[k] == UInt8(ascii: "}") { ok = k == b.count - 1; return }
                i = k + 1
            }
        }
        if ok { return out }
        return try JSONText.decode([String: Double].self, text, what: "probabilities")
    }

    static func predictionInfo(_ row: Row) throws -> PredictionInfo {
        let correctedAt: Double? = try row.value("correctedAt", table: "prediction")
        return PredictionInfo(id: try row.value("id", table: "prediction"), modelId: try row.value("modelId", table: "prediction"), modelName: try row.value("modelName", table: "prediction"),
                              modelVersion: try row.value("modelVersion", table: "prediction"), text: try row.value("text", table: "prediction"), label: try row.value("label", table: "prediction"),
                              confidence: try row.value("confidence", table: "prediction"),
                              probabilities: try probabilities(try row.value("probabilities", table: "prediction")),
                              source: try row.value("source", table: "prediction"), createdAt: Clock.date(try row.value("createdAt", table: "prediction")),
                              correctedLabel: try row.value("correctedLabel", table: "prediction"), correctedAt: correctedAt.map(Clock.date))
    }
}
