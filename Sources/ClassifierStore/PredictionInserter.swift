import Foundation
import StoreInterface
import GRDB
// GRDB's SQLite module (system libsqlite3): used only to bind and step the bulk-insert statement without
// per-row argument boxing.
import GRDBSQLite

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
        let labels = try JSONText.decode([String].self, try row.value("labels", table: "model"), what: "labels")
        let prefixes = labels.enumerated().map { i, l in Array(((i == 0 ? "{" : ",") + JSONText.encode(l) + ":").utf8) }
        let e = ModelEntry(name: try row.value("name", table: "model"), version: try row.value("version", table: "model"), labels: labels, keyPrefixes: prefixes)
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
            let createdAt = p.createdAt.map(Clock.seconds) ?? now
            sqlite3_bind_double(stmt, 7, createdAt)
            try Self.bindText(stmt, p.text, p.label, p.source) { try SQLiteBinding.step(stmt, db) }
            let id = sqlite3_last_insert_rowid(db.sqliteConnection)
            ids.append(id)
            if blockModel != p.modelId {
                if let b = blockModel { try PredictionBlocks.append(db, modelId: b, labels: blockLabels, rows: block) }
                block = PredictionBlocks.Rows()
                blockModel = p.modelId
                blockLabels = m.labels
            }
            block.append(id: id, confidence: p.confidence, createdAt: createdAt,
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
        block.createdAts.reserveCapacity(n)
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
                let base = bytes.base
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
                    block.append(id: id, confidence: Double(probabilities[i * k + label]), createdAt: createdAt,
                                 code: UInt16(label))
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
