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
                if query.allowsBlocks, let limit = query.limit, query.filtersOnBlockColumns || query.order.byConfidence,
                   let blocks = try BlockQuery(db, query) {
                    return try Self.predictions(db, ids: try blocks.page(db, order: query.order, limit: limit, offset: query.offset))
                }
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
                if query.allowsBlocks, let blocks = try BlockQuery(db, query) { return try blocks.count(db) }
                if let search = query.search, query.isOnlySearch {
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
                if query.allowsBlocks, let blocks = try BlockQuery(db, query) { return try blocks.summary(db) }
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
        let correctedAt: Double? = row["correctedAt"]
        return PredictionInfo(id: row["id"], modelId: row["modelId"], modelName: row["modelName"],
                              modelVersion: row["modelVersion"], text: row["text"], label: row["label"],
                              confidence: row["confidence"],
                              probabilities: try probabilities(row["probabilities"]),
                              source: row["source"], createdAt: Clock.date(row["createdAt"]),
                              correctedLabel: row["correctedLabel"], correctedAt: correctedAt.map(Clock.date))
    }
}

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

/// Inserts predictions inside an open write transaction with one cached statement.
struct PredictionInserter {
    struct ModelEntry {
        var name: String
        var version: Int
        var labels: [String]
        /// UTF-8 of `{"label":` / `,"label":`, the keys of the probabilities JSON object.
        var keyPrefixes: [[UInt8]]
    }

    let db: Database
    var models: [Int64: ModelEntry] = [:]

    init(_ db: Database) { self.db = db }

    mutating func entry(_ modelId: Int64) throws -> ModelEntry {
        if let e = models[modelId] { return e }
        guard let row = try Row.fetchOne(db, sql: "SELECT name, version, labels FROM model WHERE id = ? AND status <> 'deleted'",
                                         arguments: [modelId]) else { throw StoreError.modelNotFound("#\(modelId)") }
        let labels = try JSONText.decode([String].self, row["labels"], what: "labels")
        let prefixes = labels.enumerated().map { i, l in Array(((i == 0 ? "{" : ",") + JSONText.encode(l) + ":").utf8) }
        let e = ModelEntry(name: row["name"], version: row["version"], labels: labels, keyPrefixes: prefixes)
        models[modelId] = e
        return e
    }

    static let insertSQL = """
        INSERT INTO prediction (modelId, text, label, confidence, probabilities, source, createdAt)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """

    /// Rows per statement of the bulk path: one statement run inserts this many rows (parameters `7r+1…7r+7` are
    /// row `r`'s, in `insertSQL`'s order), saving SQLite's per-statement work (cursor opening, program start).
    static let rowsPerStatement = 16
    static let multiInsertSQL = """
        INSERT INTO prediction (modelId, text, label, confidence, probabilities, source, createdAt) VALUES
        """ + (0..<rowsPerStatement).map { r in
            "(" + (1...7).map { "?\(7 * r + $0)" }.joined(separator: ", ") + ")"
        }.joined(separator: ", ")

    /// Inserts the rows with the cached statement, binding through the C API (no per-row boxing or copies),
    /// then indexes the batch's texts for full-text search in one statement.
    mutating func insert(_ predictions: [NewPrediction]) throws -> [Int64] {
        let statement = try db.cachedStatement(sql: Self.insertSQL)
        let stmt = statement.sqliteStatement
        let now = Clock.seconds(Date())
        var ids: [Int64] = []
        ids.reserveCapacity(predictions.count)
        let json = ByteScratch()
        var currentId: Int64? = nil
        var m = ModelEntry(name: "", version: 0, labels: [], keyPrefixes: [])
        // Rows for `PredictionBlocks`, one block per run of one model.
        var block = PredictionBlocks.Rows()
        var blockModel: Int64? = nil
        var blockLabels: [String] = []
        defer { sqlite3_reset(stmt); sqlite3_clear_bindings(stmt) }
        for p in predictions {
            if p.modelId != currentId {
                m = try entry(p.modelId)
                currentId = p.modelId
            }
            guard m.labels.contains(where: { $0.utf8.elementsEqual(p.label.utf8) }) else {
                throw StoreError.invalidValue("label \"\(p.label)\" is not one of \(m.name)@\(m.version)'s labels")
            }
            guard p.probabilities.count == m.labels.count else {
                throw StoreError.invalidValue("\(p.probabilities.count) probabilities for \(m.labels.count) labels")
            }
            guard p.confidence.isFinite else { throw StoreError.invalidValue("confidence is not a finite number") }
            json.count = 0
            for i in 0..<m.labels.count {
                let v = p.probabilities[i]
                guard v.isFinite else { throw StoreError.invalidValue("probability is not a finite number") }
                json.append(m.keyPrefixes[i])
                json.append(Float(v))
            }
            json.append(UInt8(ascii: "}"))
            sqlite3_bind_int64(stmt, 1, p.modelId)
            sqlite3_bind_double(stmt, 4, p.confidence)
            SQLiteBinding.text(stmt, 5, json.buffer)
            sqlite3_bind_double(stmt, 7, p.createdAt.map(Clock.seconds) ?? now)
            try Self.bindText(stmt, p.text, p.label, p.source) { try SQLiteBinding.step(stmt, db) }
            let id = sqlite3_last_insert_rowid(db.sqliteConnection)
            ids.append(id)
            if blockModel != p.modelId {
                if let b = blockModel { try PredictionBlocks.append(db, modelId: b, labels: blockLabels, rows: block) }
                block = PredictionBlocks.Rows()
                blockModel = p.modelId
                blockLabels = m.labels
            }
            block.append(id: id, confidence: p.confidence,
                         code: UInt16(m.labels.firstIndex { $0.utf8.elementsEqual(p.label.utf8) }!))
        }
        if let b = blockModel { try PredictionBlocks.append(db, modelId: b, labels: blockLabels, rows: block) }
        try index(ids)
        return ids
    }

    /// Inserts a batch held in columns: the model, its labels and the time are looked up and bound once, the
    /// probabilities JSON and the sources are formatted straight into a scratch buffer.
    mutating func insert(_ columns: PredictionColumns) throws -> [Int64] {
        let n = columns.count
        guard n > 0 else { return [] }
        let m = try entry(columns.modelId)
        let k = m.labels.count
        guard columns.labelIndices.count == n else {
            throw StoreError.invalidValue("\(columns.labelIndices.count) labels for \(n) texts")
        }
        guard columns.probabilities.count == n * k else {
            throw StoreError.invalidValue("\(columns.probabilities.count) probabilities for \(n) texts and \(k) labels")
        }
        switch columns.sources {
        case .constant: break
        case .numbered(_, let numbers):
            guard numbers.count == n else { throw StoreError.invalidValue("\(numbers.count) sources for \(n) texts") }
        case .each(let sources):
            guard sources.count == n else { throw StoreError.invalidValue("\(sources.count) sources for \(n) texts") }
        }
        // Validate everything first: nothing is inserted for a bad batch (the transaction is rolled back anyway).
        for i in 0..<n where !(0..<k).contains(columns.labelIndices[i]) {
            throw StoreError.invalidValue("label index \(columns.labelIndices[i]) is not one of \(m.name)@\(m.version)'s \(k) labels")
        }
        for v in columns.probabilities where !v.isFinite {
            throw StoreError.invalidValue("probability is not a finite number")
        }
        let single = try db.cachedStatement(sql: Self.insertSQL).sqliteStatement
        let multi = try db.cachedStatement(sql: Self.multiInsertSQL).sqliteStatement
        let perStatement = Self.rowsPerStatement
        defer {
            for stmt in [single, multi] { sqlite3_reset(stmt); sqlite3_clear_bindings(stmt) }
        }
        // Bindings survive sqlite3_reset: the columns that are the same for every row are bound once.
        let createdAt = Clock.seconds(columns.createdAt ?? Date())
        for (stmt, rows) in [(single, 1), (multi, perStatement)] {
            for r in 0..<rows {
                let p = Int32(7 * r)
                sqlite3_bind_int64(stmt, p + 1, columns.modelId)
                sqlite3_bind_double(stmt, p + 7, createdAt)
            }
        }
        // One statement's rows: text, label, probabilities JSON and source bytes, laid out in `bytes` before any
        // is bound (the buffer may move while it grows), bound without copying.
        let bytes = ByteScratch(capacity: 4096 * perStatement)
        var spans: [(text: Range<Int>, label: Range<Int>, json: Range<Int>, source: Range<Int>)] = []
        spans.reserveCapacity(perStatement)
        let labelBytes = m.labels.map { Array($0.utf8) }
        var block = PredictionBlocks.Rows()
        block.ids.reserveCapacity(n)
        block.confidences.reserveCapacity(n)
        block.codes.reserveCapacity(n)
        var ids: [Int64] = []
        ids.reserveCapacity(n)
        try columns.probabilities.withUnsafeBufferPointer { probabilities in
            var start = 0
            while start < n {
                let count = n - start >= perStatement ? perStatement : 1
                let stmt = count == 1 ? single : multi
                bytes.count = 0
                spans.removeAll(keepingCapacity: true)
                for i in start..<(start + count) {
                    var text = columns.texts[i]
                    let t0 = bytes.count
                    text.withUTF8 { bytes.append($0) }
                    let l0 = bytes.count
                    bytes.append(labelBytes[columns.labelIndices[i]])
                    let j0 = bytes.count
                    let row = i * k
                    for c in 0..<k {
                        bytes.append(m.keyPrefixes[c])
                        bytes.append(probabilities[row + c])
                    }
                    bytes.append(UInt8(ascii: "}"))
                    let s0 = bytes.count
                    switch columns.sources {
                    case .constant(let value):
                        var value = value
                        value.withUTF8 { bytes.append($0) }
                    case .numbered(let prefix, let numbers):
                        var prefix = prefix
                        prefix.withUTF8 { bytes.append($0) }
                        bytes.append(decimal: numbers[i])
                    case .each(let sources):
                        var value = sources[i]
                        value.withUTF8 { bytes.append($0) }
                    }
                    spans.append((t0..<l0, l0..<j0, j0..<s0, s0..<bytes.count))
                }
                let base = bytes.storage.baseAddress!
                for r in 0..<count {
                    let i = start + r
                    let p = Int32(7 * r)
                    let label = columns.labelIndices[i]
                    let span = spans[r]
                    SQLiteBinding.text(stmt, p + 2, UnsafeBufferPointer(start: base + span.text.lowerBound, count: span.text.count))
                    SQLiteBinding.text(stmt, p + 3, UnsafeBufferPointer(start: base + span.label.lowerBound, count: span.label.count))
                    sqlite3_bind_double(stmt, p + 4, Double(probabilities[i * k + label]))
                    SQLiteBinding.text(stmt, p + 5, UnsafeBufferPointer(start: base + span.json.lowerBound, count: span.json.count))
                    SQLiteBinding.text(stmt, p + 6, UnsafeBufferPointer(start: base + span.source.lowerBound, count: span.source.count))
                }
                try SQLiteBinding.step(stmt, db)
                // The rows of one statement get consecutive rowids (as `index` assumes for the whole batch).
                let last = sqlite3_last_insert_rowid(db.sqliteConnection)
                for r in 0..<count {
                    let i = start + r
                    let label = columns.labelIndices[i]
                    let id = last - Int64(count - 1 - r)
                    ids.append(id)
                    block.append(id: id, confidence: Double(probabilities[i * k + label]), code: UInt16(label))
                }
                start += count
            }
        }
        try PredictionBlocks.append(db, modelId: columns.modelId, labels: m.labels, rows: block)
        try index(ids)
        return ids
    }

    /// Binds text, label and source (2, 3, 6) without copying and runs `body` while they are valid.
    @inline(__always)
    static func bindText(_ stmt: OpaquePointer, _ text: String, _ label: String, _ source: String,
                         _ body: () throws -> Void) throws {
        var text = text, label = label, source = source
        try text.withUTF8 { t in
            try label.withUTF8 { l in
                try source.withUTF8 { s in
                    SQLiteBinding.text(stmt, 2, t)
                    SQLiteBinding.text(stmt, 3, l)
                    SQLiteBinding.text(stmt, 6, s)
                    try body()
                }
            }
        }
    }

    /// Bytes of pending full-text index entries FTS5 keeps in memory before writing them out as a new segment
    /// (its `hashsize` option, 1 MB by default). A batch of 10,000 headlines holds several MB: at the default it
    /// became several small segments per batch, each merged again later; at 8 MB it is one segment written at
    /// commit (bulk inserts of long texts ~25% faster, measured). Search results do not depend on it.
    static let ftsHashSize = 8 << 20

    /// Indexes the batch's texts in one statement (rowids of this transaction are exactly first...last).
    func index(_ ids: [Int64]) throws {
        if let first = ids.first, let last = ids.last {
            // A setting of the FTS table (stored in prediction_fts_config), written once per store.
            if try Int.fetchOne(db, sql: "SELECT v FROM prediction_fts_config WHERE k = 'hashsize'") != Self.ftsHashSize {
                try db.execute(sql: "INSERT INTO prediction_fts(prediction_fts, rank) VALUES ('hashsize', ?)",
                               arguments: [Self.ftsHashSize])
            }
            try db.cachedStatement(sql: """
                INSERT INTO prediction_fts(rowid, text) SELECT id, text FROM prediction WHERE id BETWEEN ? AND ?
                """).execute(arguments: [first, last])
        }
    }
}

/// A growable byte buffer reused across rows (no per-row allocation), for values bound to the insert statement.
final class ByteScratch {
    private(set) var storage: UnsafeMutableBufferPointer<UInt8>
    var count = 0

    init(capacity: Int = 256) { storage = .allocate(capacity: capacity) }

    deinit { storage.deallocate() }

    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: storage[0..<count]) }

    @inline(__always)
    func reserve(_ extra: Int) {
        guard count + extra > storage.count else { return }
        let grown = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(storage.count * 2, count + extra))
        _ = grown.initialize(from: storage[0..<count])
        storage.deallocate()
        storage = grown
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ bytes: [UInt8]) {
        reserve(bytes.count)
        bytes.withUnsafeBufferPointer { b in
            UnsafeMutableRawPointer(storage.baseAddress! + count).copyMemory(from: b.baseAddress!, byteCount: b.count)
        }
        count += bytes.count
    }

    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let b = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(storage.baseAddress! + count).copyMemory(from: b, byteCount: bytes.count)
        count += bytes.count
    }

    /// `v.description` (the shortest form that reads back as the same Float32), as the store has always written it.
    @inline(__always)
    func append(_ v: Float) {
        var s = v.description
        s.withUTF8 { b in
            reserve(b.count)
            UnsafeMutableRawPointer(storage.baseAddress! + count).copyMemory(from: b.baseAddress!, byteCount: b.count)
            count += b.count
        }
    }

    /// A non-negative or negative integer in decimal.
    @inline(__always)
    func append(decimal value: Int) {
        reserve(21)
        var v = value.magnitude
        if value < 0 { storage[count] = UInt8(ascii: "-"); count += 1 }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch
        let n = withUnsafeMutableBytes(of: &digits) { d -> Int in
            var n = 0
            repeat {
                d[23 - n] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
                v /= 10
                n += 1
            } while v > 0
            UnsafeMutableRawPointer(storage.baseAddress! + count).copyMemory(from: d.baseAddress! + 24 - n, byteCount: n)
            return n
        }
        count += n
    }
}

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
