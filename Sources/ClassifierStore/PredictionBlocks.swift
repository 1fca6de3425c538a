import Foundation
import StoreInterface
import GRDB
import GRDBSQLite

/// A columnar copy of what prediction filters and orders read: for each stored prediction its id, confidence and
/// label, packed in blocks of up to `maxRows` rows of one model (table `prediction_block`, schema v3).
///
/// Why: counting or paging predictions by label and confidence, lowest confidence first, or summarizing them, had
/// to scan the whole prediction table (100–335 ms at 1M rows; the texts make it ~400 bytes a row), and an SQLite
/// index on (label, confidence) doubled the cost of every bulk insert (random B-tree inserts, measured 82k against
/// 170k rows/s). A block costs one BLOB insert per batch, and scanning 1M rows of blocks is a few milliseconds.
///
/// Layout of `data` (little-endian, n rows): n × Int64 id (ascending), n × Float64 confidence, n × UInt16 label code,
/// an index into the block's own `labels` (its model's labels when written). Blocks are written in the same
/// transaction as their rows, and in id order: taken in order of their own ids, blocks hold strictly increasing
/// prediction ids (a batch mixing models makes one block per run of one model; only the newest block grows; new
/// rows always have ids above every stored row). `SentimentStore.verify()` checks all of it against the table.
enum PredictionBlocks {
    /// A batch is appended to the newest block when that block has the same model and labels and stays within this
    /// many rows (so one-row inserts do not make one block each).
    static let maxRows = 16_384
    static let bytesPerRow = 18

    /// Rows of one model, ids ascending.
    struct Rows {
        var ids: [Int64] = []
        var confidences: [Double] = []
        var codes: [UInt16] = []
        var count: Int { ids.count }

        mutating func append(id: Int64, confidence: Double, code: UInt16) {
            ids.append(id)
            confidences.append(confidence)
            codes.append(code)
        }

        func encoded() -> [UInt8] {
            let n = count
            var data = [UInt8](repeating: 0, count: n * PredictionBlocks.bytesPerRow)
            data.withUnsafeMutableBytes { out in
                for i in 0..<n {
                    out.storeBytes(of: ids[i].littleEndian, toByteOffset: 8 * i, as: Int64.self)
                    out.storeBytes(of: confidences[i].bitPattern.littleEndian, toByteOffset: 8 * (n + i), as: UInt64.self)
                    out.storeBytes(of: codes[i].littleEndian, toByteOffset: 16 * n + 2 * i, as: UInt16.self)
                }
            }
            return data
        }
    }

    /// A stored block, read in place (valid while the statement that read it is not stepped again).
    struct View {
        var blockId: Int64
        var modelId: Int64
        var labels: [String]
        var base: UnsafeRawPointer?
        var count: Int

        @inline(__always) func id(_ i: Int) -> Int64 {
            Int64(littleEndian: base!.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
        }
        @inline(__always) func confidence(_ i: Int) -> Double {
            Double(bitPattern: UInt64(littleEndian: base!.loadUnaligned(fromByteOffset: 8 * (count + i), as: UInt64.self)))
        }
        @inline(__always) func code(_ i: Int) -> Int {
            Int(UInt16(littleEndian: base!.loadUnaligned(fromByteOffset: 16 * count + 2 * i, as: UInt16.self)))
        }

        var rows: Rows {
            var r = Rows()
            for i in 0..<count { r.append(id: id(i), confidence: confidence(i), code: UInt16(code(i))) }
            return r
        }
    }

    /// Calls `body` for every block in id order (newest first when `descending`) until it returns false.
    static func forEach(_ db: Database, descending: Bool = false, _ body: (View) throws -> Bool) throws {
        let statement = try db.makeStatement(
            sql: "SELECT id, modelId, labels, data FROM prediction_block ORDER BY id \(descending ? "DESC" : "ASC")")
        let stmt = statement.sqliteStatement
        defer { sqlite3_reset(stmt) }
        var labelCache: [String: [String]] = [:]
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            let labelsText = sqlite3_column_text(stmt, 2).map { String(cString: $0) } ?? "[]"
            let labels: [String]
            if let cached = labelCache[labelsText] {
                labels = cached
            } else {
                labels = try JSONText.decode([String].self, labelsText, what: "block labels")
                labelCache[labelsText] = labels
            }
            let bytes = Int(sqlite3_column_bytes(stmt, 3))
            guard bytes % bytesPerRow == 0 else {
                throw StoreError.invalidValue("prediction block \(sqlite3_column_int64(stmt, 0)) has \(bytes) bytes")
            }
            guard try body(View(blockId: sqlite3_column_int64(stmt, 0), modelId: sqlite3_column_int64(stmt, 1),
                                labels: labels, base: sqlite3_column_blob(stmt, 3), count: bytes / bytesPerRow)) else { break }
        }
    }

    /// Adds rows just inserted (ids greater than every stored row's) of one model whose label codes index `labels`.
    static func append(_ db: Database, modelId: Int64, labels: [String], rows: Rows) throws {
        guard rows.count > 0 else { return }
        let labelsText = JSONText.encode(labels)
        if let last = try Row.fetchOne(db, sql: "SELECT id, modelId, labels, data FROM prediction_block ORDER BY id DESC LIMIT 1"),
           last["modelId"] == modelId, last["labels"] == labelsText {
            let data: Data = last["data"]
            if data.count / bytesPerRow + rows.count <= maxRows {
                var merged = decode(data)
                merged.ids += rows.ids
                merged.confidences += rows.confidences
                merged.codes += rows.codes
                try db.execute(sql: "UPDATE prediction_block SET lastId = ?, data = ? WHERE id = ?",
                               arguments: [merged.ids.last!, Data(merged.encoded()), last["id"] as Int64])
                return
            }
        }
        try db.execute(sql: "INSERT INTO prediction_block (modelId, firstId, lastId, labels, data) VALUES (?, ?, ?, ?, ?)",
                       arguments: [modelId, rows.ids.first!, rows.ids.last!, labelsText, Data(rows.encoded())])
    }

    static func decode(_ data: Data) -> Rows {
        data.withUnsafeBytes { raw in
            View(blockId: 0, modelId: 0, labels: [], base: raw.baseAddress, count: data.count / bytesPerRow).rows
        }
    }

    /// Removes deleted predictions from their blocks (blocks left empty are deleted).
    static func remove(_ db: Database, ids deleted: [Int64]) throws {
        guard let low = deleted.min(), let high = deleted.max() else { return }
        let gone = Set(deleted)
        let blocks = try Row.fetchAll(db, sql: """
            SELECT id, data FROM prediction_block WHERE lastId >= ? AND firstId <= ? ORDER BY id
            """, arguments: [low, high])
        for block in blocks {
            let rows = decode(block["data"])
            var kept = Rows()
            for i in 0..<rows.count where !gone.contains(rows.ids[i]) {
                kept.append(id: rows.ids[i], confidence: rows.confidences[i], code: rows.codes[i])
            }
            let blockId: Int64 = block["id"]
            if kept.count == rows.count { continue }
            if kept.count == 0 {
                try db.execute(sql: "DELETE FROM prediction_block WHERE id = ?", arguments: [blockId])
            } else {
                try db.execute(sql: "UPDATE prediction_block SET firstId = ?, lastId = ?, data = ? WHERE id = ?",
                               arguments: [kept.ids.first!, kept.ids.last!, Data(kept.encoded()), blockId])
            }
        }
    }

    /// Writes every block again from the prediction table (migration v3; repair).
    static func rebuild(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM prediction_block")
        var modelLabels: [Int64: [String]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, labels FROM model") {
            modelLabels[row["id"]] = (try? JSONText.decode([String].self, row["labels"], what: "labels")) ?? []
        }
        var modelId: Int64? = nil
        var labels: [String] = []
        var rows = Rows()
        func flush() throws {
            if let m = modelId, rows.count > 0 { try append(db, modelId: m, labels: labels, rows: rows) }
            rows = Rows()
        }
        let cursor = try Row.fetchCursor(db, sql: "SELECT id, modelId, label, confidence FROM prediction ORDER BY id")
        while let row = try cursor.next() {
            let m: Int64 = row[1], label: String = row[2]
            var code = labels.firstIndex { $0.utf8.elementsEqual(label.utf8) }
            // A label its model does not list (only possible for rows written outside the store) gets a code of its
            // own; the block's label list is then no longer the model's, so the next block starts fresh.
            if m != modelId || code == nil && labels.count >= Int(UInt16.max) || rows.count >= maxRows {
                try flush()
                if m != modelId { labels = modelLabels[m] ?? [] }
                modelId = m
                code = labels.firstIndex { $0.utf8.elementsEqual(label.utf8) }
            }
            if code == nil {
                try flush()
                labels.append(label)
                code = labels.count - 1
            }
            rows.append(id: row[0], confidence: row[3], code: UInt16(code!))
        }
        try flush()
    }

    /// Differences between the blocks and the prediction table (empty when in step).
    static func problems(_ db: Database) throws -> [String] {
        var entries: [(id: Int64, modelId: Int64, label: String, confidence: Double)] = []
        var index = 0, mismatches = 0, firstProblem: String? = nil
        func note(_ s: String) {
            mismatches += 1
            if firstProblem == nil { firstProblem = s }
        }
        try forEach(db) { b in
            for i in 0..<b.count {
                let code = b.code(i)
                if let last = entries.last, last.id >= b.id(i) { note("prediction \(b.id(i)) is out of order in the blocks") }
                entries.append((b.id(i), b.modelId, code < b.labels.count ? b.labels[code] : "#\(code)", b.confidence(i)))
            }
            return true
        }
        entries.sort { $0.id < $1.id }
        let cursor = try Row.fetchCursor(db, sql: "SELECT id, modelId, label, confidence FROM prediction ORDER BY id")
        while let row = try cursor.next() {
            let id: Int64 = row[0]
            while index < entries.count && entries[index].id < id {
                note("block row for prediction \(entries[index].id), which does not exist")
                index += 1
            }
            if index < entries.count && entries[index].id == id {
                let e = entries[index]
                let label: String = row[2], confidence: Double = row[3], modelId: Int64 = row[1]
                if e.modelId != modelId || !e.label.utf8.elementsEqual(label.utf8) || e.confidence != confidence {
                    note("prediction \(id) differs from its block row")
                }
                index += 1
            } else {
                note("prediction \(id) is in no block")
            }
        }
        while index < entries.count {
            note("block row for prediction \(entries[index].id), which does not exist")
            index += 1
        }
        guard let firstProblem else { return [] }
        return ["prediction blocks out of step with the predictions in \(mismatches) rows (first: \(firstProblem))"]
    }
}
