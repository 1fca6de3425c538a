import Foundation
import StoreInterface
import GRDB
// GRDB's SQLite module (system libsqlite3): the export steps its statement and reads columns in place.
import GRDBSQLite

extension SentimentStore {
    /// Streams the predictions matching `query` from one read snapshot, each row's columns read in place from
    /// SQLite (no `Row`, `String` or dictionary per row): the path of bulk exports.
    ///
    /// The models announced first are those matching the query's model filter that have predictions according
    /// to `prediction_block` (plus the models of rows stored after the last block). A row of another model can only
    /// be one written around the store; it is refused with a `StoreError` that names the repair.
    /// - Throws: `StoreError.invalidSearch`, `.unreadableValue` (a value of the wrong type written around the store).
    public func streamPredictions(_ query: PredictionQuery, models: ([StreamedModel]) throws -> Void,
                                  row: (StreamedPrediction) throws -> Void) throws {
        try searching(query) {
            try read { db in
                if let ids = try blockPage(db, query) {
                    // A page the blocks answer (filters on their columns, ordered by confidence or dated): its
                    // rows are read by id, every model of the store announced (a page names few rows).
                    let announced = try Self.allModels(db, query)
                    try models(announced)
                    var reader = try StreamRowReader(db, models: announced, path: path)
                    let statement = try db.cachedStatement(sql: "SELECT \(Self.streamColumns) FROM prediction WHERE id = ?")
                    let stmt = statement.sqliteStatement
                    for id in ids {
                        sqlite3_reset(stmt)
                        sqlite3_bind_int64(stmt, 1, id)
                        let rc = sqlite3_step(stmt)
                        guard rc == SQLITE_ROW else {
                            sqlite3_reset(stmt)
                            if rc == SQLITE_DONE { throw StoreError.invalidValue("prediction blocks name prediction \(id), which does not exist") }
                            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                        }
                        if let p = try reader.read(stmt) { try row(p) }
                    }
                    sqlite3_reset(stmt)
                    return
                }
                let announced = try Self.streamedModels(db, query)
                try models(announced)
                try Self.stream(db, query, models: announced, path: path, row)
            }
        }
    }

    /// The ids of the page `query` asks for when the prediction blocks answer it (nil: the table does): a limited
    /// query filtering on the blocks' columns, ordered by confidence, or bounded by date.
    func blockPage(_ db: Database, _ query: PredictionQuery) throws -> [Int64]? {
        guard query.allowsBlocks, let limit = query.limit,
              query.filtersOnBlockColumns || query.order.byConfidence || query.createdFrom != nil || query.createdBefore != nil,
              let blocks = try BlockQuery(db, query, cache: blockCache) else { return nil }
        return try blocks.page(db, order: query.order, limit: limit, offset: query.offset)
    }

    /// Every model of the store matching the query's model filter, in id order.
    static func allModels(_ db: Database, _ query: PredictionQuery) throws -> [StreamedModel] {
        var out: [StreamedModel] = []
        for r in try Row.fetchAll(db.cachedStatement(sql: "SELECT id, name, version, labels FROM model ORDER BY id")) {
            if let m = try streamedModel(r, query) { out.append(m) }
        }
        return out
    }

    private static func streamedModel(_ r: Row, _ query: PredictionQuery) throws -> StreamedModel? {
        let id: Int64 = try r.value("id", table: "model")
        let name: String = try r.value("name", table: "model")
        let version: Int = try r.value("version", table: "model")
        if let wanted = query.modelName, wanted != name { return nil }
        if let wanted = query.modelVersion, wanted != version { return nil }
        let labels = try JSONText.labels(try r.value("labels", table: "model") as String, what: "labels")
        return StreamedModel(id: id, name: name, version: version, labels: labels)
    }

    /// The models whose predictions an export of `query` may hold, in id order.
    static func streamedModels(_ db: Database, _ query: PredictionQuery) throws -> [StreamedModel] {
        var used = Set(try Int64.fetchAll(db, sql: "SELECT DISTINCT modelId FROM prediction_block"))
        let lastBlockId = try Int64.fetchOne(db, sql: "SELECT MAX(lastId) FROM prediction_block") ?? 0
        used.formUnion(try Int64.fetchAll(db, sql: "SELECT DISTINCT modelId FROM prediction WHERE id > ?", arguments: [lastBlockId]))
        var out: [StreamedModel] = []
        for r in try Row.fetchAll(db, sql: "SELECT id, name, version, labels FROM model ORDER BY id") {
            guard used.contains(try r.value("id", table: "model") as Int64) else { continue }
            if let m = try streamedModel(r, query) { out.append(m) }
        }
        return out
    }

    fileprivate static let streamColumns = "id, modelId, text, label, confidence, probabilities, source, createdAt, correctedLabel, correctedAt"

    /// The export's one statement: the table alone, filtered, ordered and paged in SQL.
    static func streamSQL(_ query: PredictionQuery) -> (String, StatementArguments) {
        let (whereSQL, args) = query.whereClause()
        var sql = "SELECT \(streamColumns) FROM prediction \(whereSQL) \(query.orderClause("prediction"))"
        var arguments = args
        if query.limit != nil || query.offset > 0 {
            sql += " LIMIT ? OFFSET ?"
            arguments += [query.limit.map { max(0, $0) } ?? -1, max(0, query.offset)]
        }
        return (sql, arguments)
    }

    private static func stream(_ db: Database, _ query: PredictionQuery, models: [StreamedModel], path: String,
                               _ body: (StreamedPrediction) throws -> Void) throws {
        let (sql, arguments) = streamSQL(query)
        let statement = try db.makeStatement(sql: sql)
        try statement.setArguments(arguments)
        let stmt = statement.sqliteStatement
        defer { sqlite3_reset(stmt) }
        var reader = try StreamRowReader(db, models: models, path: path)
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            if let p = try reader.read(stmt) { try body(p) }
        }
    }
}

/// Reads a row of `streamColumns` in place into a `StreamedPrediction`.
private struct StreamRowReader: ~Copyable {
    let models: [StreamedModel]
    let path: String
    var index: [Int64: Int] = [:]
    /// Which model ids exist at all: a row naming none is left out, as the listing's JOIN leaves it out.
    let existing: Set<Int64>
    let parsers: [ProbabilityParser]
    let probabilities: UnsafeMutableBufferPointer<Double>
    var lastModelId: Int64 = .min, lastModel = -1

    init(_ db: Database, models: [StreamedModel], path: String) throws {
        self.models = models
        self.path = path
        for (i, m) in models.enumerated() { index[m.id] = i }
        existing = Set(try Int64.fetchAll(db.cachedStatement(sql: "SELECT id FROM model")))
        parsers = models.map { ProbabilityParser(labels: $0.labels) }
        probabilities = .allocate(capacity: max(1, models.map(\.labels.count).max() ?? 0))
    }

    deinit { probabilities.deallocate() }

    /// The row the statement stands on; nil for a row of a model that no longer exists. Its buffers are valid
    /// until the statement moves or this reader reads the next row.
    mutating func read(_ stmt: OpaquePointer) throws -> StreamedPrediction? {
        let id = sqlite3_column_int64(stmt, 0)
        func unreadable(_ column: String) -> StoreError { .unreadableValue(table: "prediction", row: id, column: column) }
        guard let modelId = columnInteger(stmt, 1) else { throw unreadable("modelId") }
        if modelId != lastModelId {
            guard let m = index[modelId] else {
                if !existing.contains(modelId) { return nil }
                throw StoreError.database(path: path, message: "prediction \(id) is of model #\(modelId), which no prediction block lists: rows were written around the store (`sentiment store optimize` rebuilds the blocks)")
            }
            lastModelId = modelId
            lastModel = m
        }
        let labels = models[lastModel].labels.count
        let rowProbabilities = UnsafeMutableBufferPointer(rebasing: probabilities[0..<labels])
        guard let text = columnText(stmt, 2) else { throw unreadable("text") }
        guard let label = columnText(stmt, 3) else { throw unreadable("label") }
        guard let confidence = columnReal(stmt, 4) else { throw unreadable("confidence") }
        guard let json = columnText(stmt, 5) else { throw unreadable("probabilities") }
        guard let source = columnText(stmt, 6) else { throw unreadable("source") }
        guard let createdAt = columnReal(stmt, 7) else { throw unreadable("createdAt") }
        let correctedLabel = sqlite3_column_type(stmt, 8) == SQLITE_NULL ? nil : columnText(stmt, 8)
        if correctedLabel == nil && sqlite3_column_type(stmt, 8) != SQLITE_NULL { throw unreadable("correctedLabel") }
        let correctedAt = sqlite3_column_type(stmt, 9) == SQLITE_NULL ? nil : columnReal(stmt, 9)
        if correctedAt == nil && sqlite3_column_type(stmt, 9) != SQLITE_NULL { throw unreadable("correctedAt") }
        if !parsers[lastModel].parse(json, into: rowProbabilities) {
            // Not as the store writes it (hand-edited): the general reader, matched to the labels by name.
            let all = try SentimentStore.probabilities(String(decoding: json, as: UTF8.self))
            for (c, name) in models[lastModel].labels.enumerated() { rowProbabilities[c] = all[name] ?? .nan }
        }
        return StreamedPrediction(
            id: id, model: lastModel, text: text, label: label, confidence: confidence,
            probabilities: UnsafeBufferPointer(rowProbabilities), source: source, createdAt: createdAt,
            correctedLabel: correctedLabel, correctedAt: correctedAt)
    }

    /// A TEXT (or BLOB) column's bytes in place; nil for another type.
    @inline(__always)
    private func columnText(_ stmt: OpaquePointer, _ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        let type = sqlite3_column_type(stmt, column)
        guard type == SQLITE_TEXT || type == SQLITE_BLOB else { return nil }
        let p = sqlite3_column_text(stmt, column)
        let n = Int(sqlite3_column_bytes(stmt, column))
        return UnsafeBufferPointer(start: p, count: n)
    }

    /// A REAL or INTEGER column as a Double (as GRDB reads a Double); nil for another type.
    @inline(__always)
    private func columnReal(_ stmt: OpaquePointer, _ column: Int32) -> Double? {
        switch sqlite3_column_type(stmt, column) {
        case SQLITE_FLOAT, SQLITE_INTEGER: return sqlite3_column_double(stmt, column)
        default: return nil
        }
    }

    @inline(__always)
    private func columnInteger(_ stmt: OpaquePointer, _ column: Int32) -> Int64? {
        sqlite3_column_type(stmt, column) == SQLITE_INTEGER ? sqlite3_column_int64(stmt, column) : nil
    }
}

/// Reads the probabilities object as the store writes it (`{"a":0.1,"b":0.9}`, keys in the model's label order)
/// straight from its bytes; anything else is left to the general reader.
struct ProbabilityParser {
    /// UTF-8 of `{"label":` / `,"label":` for each label.
    let prefixes: [[UInt8]]

    init(labels: [String]) {
        prefixes = labels.enumerated().map { i, l in Array(((i == 0 ? "{" : ",") + JSONText.encode(l) + ":").utf8) }
    }

    /// The values into `out` (one per label); false when the text is not in the store's own form.
    func parse(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<Double>) -> Bool {
        guard let base = text.baseAddress, !prefixes.isEmpty else { return false }
        // sqlite3_column_text's bytes end with a NUL, so strtod stops within them.
        var i = 0
        for (c, prefix) in prefixes.enumerated() {
            guard text.count - i > prefix.count,
                  prefix.withUnsafeBytes({ memcmp(base + i, $0.baseAddress!, prefix.count) }) == 0 else { return false }
            i += prefix.count
            let start = UnsafeRawPointer(base + i).assumingMemoryBound(to: CChar.self)
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(start, &end)
            guard let end, end != UnsafeMutablePointer(mutating: start) else { return false }
            i += end - UnsafeMutablePointer(mutating: start)
            guard i < text.count, text[i] == UInt8(ascii: c == prefixes.count - 1 ? "}" : ",") else { return false }
            out[c] = v
        }
        return i == text.count - 1
    }
}
