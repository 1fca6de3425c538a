import Foundation
import StoreInterface
import GRDB
import GRDBSQLite

/// A columnar copy of what prediction filters, orders and daily counts read: for each stored prediction its id,
/// confidence, creation time and label, packed in blocks of up to `maxRows` rows of one model (table
/// `prediction_block`, schema v4).
///
/// Why: counting or paging predictions by label and confidence, lowest confidence first, or summarizing them, had
/// to scan the whole prediction table (100–335 ms at 1M rows; the texts make it ~400 bytes a row), and an SQLite
/// index on (label, confidence) doubled the cost of every bulk insert (random B-tree inserts, measured 82k against
/// 170k rows/s). A block costs one BLOB insert per batch, and scanning 1M rows of blocks is a few milliseconds.
///
/// Layout of `data` (little-endian, n rows): n × Int64 id (ascending), n × Float64 confidence, n × Float64 createdAt
/// (seconds since 1970), n × UInt16 label code (an index into the block's own `labels`, its model's labels when
/// written), n × UInt16 row index in order of (confidence, id) ascending, so a confidence-ordered page reads only
/// the head (or tail) of each block. Blocks are written in the same transaction as their rows, and in id order:
/// taken in order of their own ids, blocks hold strictly increasing prediction ids (a batch mixing models makes one
/// block per run of one model; only the newest block grows; new rows always have ids above every stored row).
/// Each write gives the block a new random `tag`, which keys the in-memory `BlockCache`. `SentimentStore.verify()`
/// checks all of it against the table.
enum PredictionBlocks {
    /// A batch is appended to the newest block when that block has the same model and labels and stays within this
    /// many rows (so one-row inserts do not make one block each). At most 65,536: row indices are UInt16.
    static let maxRows = 16_384
    static let bytesPerRow = 28

    /// Rows of one model, ids ascending.
    struct Rows {
        var ids: [Int64] = []
        var confidences: [Double] = []
        var createdAts: [Double] = []
        var codes: [UInt16] = []
        /// Row indices in (confidence, id) order; empty until `sorted()` or a decode fills it.
        var order: [UInt16] = []
        var count: Int { ids.count }

        mutating func append(id: Int64, confidence: Double, createdAt: Double, code: UInt16) {
            ids.append(id)
            confidences.append(confidence)
            createdAts.append(createdAt)
            codes.append(code)
        }

        @inline(__always) func precedes(_ a: Int, _ b: Int) -> Bool {
            confidences[a] < confidences[b] || (confidences[a] == confidences[b] && ids[a] < ids[b])
        }

        /// These rows with `order` filled.
        func sorted() -> Rows {
            var r = self
            if r.order.count != count {
                r.order = (0..<count).map { UInt16($0) }
                r.order.sort { precedes(Int($0), Int($1)) }
            }
            return r
        }

        /// These rows (with `order`) followed by `more` (ids above these), `order` merged in one pass.
        func appending(_ more: Rows) -> Rows {
            let head = sorted(), tail = more.sorted()
            var r = head
            r.ids += tail.ids
            r.confidences += tail.confidences
            r.createdAts += tail.createdAts
            r.codes += tail.codes
            let shift = head.count
            var merged: [UInt16] = []
            merged.reserveCapacity(r.count)
            var i = 0, j = 0
            while i < head.order.count || j < tail.order.count {
                if j == tail.order.count || i < head.order.count && r.precedes(Int(head.order[i]), Int(tail.order[j]) + shift) {
                    merged.append(head.order[i]); i += 1
                } else {
                    merged.append(UInt16(Int(tail.order[j]) + shift)); j += 1
                }
            }
            r.order = merged
            return r
        }

        /// The rows whose ids are not in `gone`, `order` kept.
        func removing(_ gone: Set<Int64>) -> Rows {
            let all = sorted()
            var kept = Rows()
            var newIndex = [Int](repeating: -1, count: count)
            for i in 0..<count where !gone.contains(ids[i]) {
                newIndex[i] = kept.count
                kept.append(id: ids[i], confidence: confidences[i], createdAt: createdAts[i], code: codes[i])
            }
            kept.order = all.order.compactMap { newIndex[Int($0)] >= 0 ? UInt16(newIndex[Int($0)]) : nil }
            return kept
        }

        func encoded() -> [UInt8] {
            let rows = sorted()
            let n = count
            var data = [UInt8](repeating: 0, count: n * PredictionBlocks.bytesPerRow)
            data.withUnsafeMutableBytes { out in
                for i in 0..<n {
                    out.storeBytes(of: ids[i].littleEndian, toByteOffset: 8 * i, as: Int64.self)
                    out.storeBytes(of: confidences[i].bitPattern.littleEndian, toByteOffset: 8 * (n + i), as: UInt64.self)
                    out.storeBytes(of: createdAts[i].bitPattern.littleEndian, toByteOffset: 16 * n + 8 * i, as: UInt64.self)
                    out.storeBytes(of: codes[i].littleEndian, toByteOffset: 24 * n + 2 * i, as: UInt16.self)
                    out.storeBytes(of: rows.order[i].littleEndian, toByteOffset: 26 * n + 2 * i, as: UInt16.self)
                }
            }
            return data
        }
    }

    /// What the block table says of a block without reading its data.
    struct Header {
        var blockId: Int64
        var modelId: Int64
        var labels: [String]
        var tag: Int64
        var count: Int
        var minCreatedAt: Double
        var maxCreatedAt: Double
    }

    /// A stored block, read in place (valid only inside the call that passes it).
    struct View {
        var header: Header
        var base: UnsafeRawPointer?
        var blockId: Int64 { header.blockId }
        var modelId: Int64 { header.modelId }
        var labels: [String] { header.labels }
        var count: Int { header.count }

        @inline(__always) func id(_ i: Int) -> Int64 {
            Int64(littleEndian: base!.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
        }
        @inline(__always) func confidence(_ i: Int) -> Double {
            Double(bitPattern: UInt64(littleEndian: base!.loadUnaligned(fromByteOffset: 8 * (count + i), as: UInt64.self)))
        }
        @inline(__always) func createdAt(_ i: Int) -> Double {
            Double(bitPattern: UInt64(littleEndian: base!.loadUnaligned(fromByteOffset: 16 * count + 8 * i, as: UInt64.self)))
        }
        @inline(__always) func code(_ i: Int) -> Int {
            Int(UInt16(littleEndian: base!.loadUnaligned(fromByteOffset: 24 * count + 2 * i, as: UInt16.self)))
        }
        /// The row at position `k` in (confidence, id) order.
        @inline(__always) func byConfidence(_ k: Int) -> Int {
            Int(UInt16(littleEndian: base!.loadUnaligned(fromByteOffset: 26 * count + 2 * k, as: UInt16.self)))
        }

        var rows: Rows {
            var r = Rows()
            for i in 0..<count { r.append(id: id(i), confidence: confidence(i), createdAt: createdAt(i), code: UInt16(code(i))) }
            r.order = (0..<count).map { UInt16(byConfidence($0)) }
            return r
        }
    }

    /// Calls `body` for every block that `wants` (judged from its header) in id order (newest first when
    /// `descending`) until it returns false. Block data comes from `cache` when it holds the block's current tag.
    static func forEach(_ db: Database, descending: Bool = false, cache: BlockCache? = nil,
                        wants: (Header) -> Bool = { _ in true }, _ body: (View) throws -> Bool) throws {
        var labelCache: [String: [String]] = [:]
        // Cached statements: a page of the review queue runs these once per request.
        let rows = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT id, modelId, labels, tag, length(data), minCreatedAt, maxCreatedAt FROM prediction_block
            ORDER BY id \(descending ? "DESC" : "ASC")
            """))
        // Block data is read by a second statement while the list is stepped, so a page that needs only the newest
        // blocks stops early.
        let statement = try db.cachedStatement(sql: "SELECT data FROM prediction_block WHERE id = ?")
        let stmt = statement.sqliteStatement
        defer { sqlite3_reset(stmt) }
        while let row = try rows.next() {
            let labelsText: String = row[2]
            let labels: [String]
            if let cached = labelCache[labelsText] {
                labels = cached
            } else {
                labels = try JSONText.labels(labelsText, what: "block labels")
                labelCache[labelsText] = labels
            }
            let blockId: Int64 = row[0], bytes: Int = row[4]
            guard bytes % bytesPerRow == 0, bytes / bytesPerRow <= maxRows else {
                throw StoreError.invalidValue("prediction block \(blockId) has \(bytes) bytes")
            }
            let header = Header(blockId: blockId, modelId: row[1], labels: labels, tag: row[3], count: bytes / bytesPerRow,
                                minCreatedAt: row[5], maxCreatedAt: row[6])
            guard wants(header) else { continue }
            if let cached = cache?.data(block: header.blockId, tag: header.tag), cached.count == bytes {
                let more = try cached.withUnsafeBytes { try body(View(header: header, base: $0.baseAddress)) }
                if !more { return }
                continue
            }
            sqlite3_reset(stmt)
            sqlite3_bind_int64(stmt, 1, header.blockId)
            let rc = sqlite3_step(stmt)
            guard rc == SQLITE_ROW else {
                if rc == SQLITE_DONE { throw StoreError.invalidValue("prediction block \(header.blockId) vanished while read") }
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            let base = sqlite3_column_blob(stmt, 0)
            guard Int(sqlite3_column_bytes(stmt, 0)) == bytes else {
                throw StoreError.invalidValue("prediction block \(header.blockId) changed size while read")
            }
            if let cache, let base {
                cache.store(block: header.blockId, tag: header.tag, data: [UInt8](UnsafeRawBufferPointer(start: base, count: bytes)))
            }
            if try !body(View(header: header, base: base)) { return }
        }
    }

    static func newTag() -> Int64 { Int64.random(in: Int64.min...Int64.max) }

    private static func write(_ db: Database, blockId: Int64?, modelId: Int64, labelsText: String, rows: Rows) throws {
        let data = Data(rows.encoded())
        let low = rows.createdAts.min()!, high = rows.createdAts.max()!
        if let blockId {
            try db.execute(sql: """
                UPDATE prediction_block SET firstId = ?, lastId = ?, tag = ?, minCreatedAt = ?, maxCreatedAt = ?, data = ?
                WHERE id = ?
                """, arguments: [rows.ids.first!, rows.ids.last!, newTag(), low, high, data, blockId])
        } else {
            try db.execute(sql: """
                INSERT INTO prediction_block (modelId, firstId, lastId, labels, tag, minCreatedAt, maxCreatedAt, data)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [modelId, rows.ids.first!, rows.ids.last!, labelsText, newTag(), low, high, data])
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
                try write(db, blockId: last["id"], modelId: modelId, labelsText: labelsText, rows: decode(data).appending(rows))
                return
            }
        }
        try write(db, blockId: nil, modelId: modelId, labelsText: labelsText, rows: rows)
    }

    static func decode(_ data: Data) -> Rows {
        data.withUnsafeBytes { raw in
            let n = data.count / bytesPerRow
            return View(header: Header(blockId: 0, modelId: 0, labels: [], tag: 0, count: n, minCreatedAt: 0, maxCreatedAt: 0),
                        base: raw.baseAddress).rows
        }
    }

    /// Removes deleted predictions from their blocks (blocks left empty are deleted).
    static func remove(_ db: Database, ids deleted: [Int64]) throws {
        guard let low = deleted.min(), let high = deleted.max() else { return }
        let gone = Set(deleted)
        let blocks = try Row.fetchAll(db, sql: """
            SELECT id, modelId, labels, data FROM prediction_block WHERE lastId >= ? AND firstId <= ? ORDER BY id
            """, arguments: [low, high])
        for block in blocks {
            let rows = decode(block["data"])
            let kept = rows.removing(gone)
            let blockId: Int64 = block["id"]
            if kept.count == rows.count { continue }
            if kept.count == 0 {
                try db.execute(sql: "DELETE FROM prediction_block WHERE id = ?", arguments: [blockId])
            } else {
                try write(db, blockId: blockId, modelId: block["modelId"], labelsText: block["labels"], rows: kept)
            }
        }
    }

    /// Writes every block again from the prediction table (migrations v3 and v4; repair).
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
        let cursor = try Row.fetchCursor(db, sql: "SELECT id, modelId, label, confidence, createdAt FROM prediction ORDER BY id")
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
            rows.append(id: row[0], confidence: row[3], createdAt: row[4], code: UInt16(code!))
        }
        try flush()
    }

    /// Differences between the blocks and the prediction table (empty when in step).
    static func problems(_ db: Database) throws -> [String] {
        var entries: [(id: Int64, modelId: Int64, label: String, confidence: Double, createdAt: Double)] = []
        var index = 0, mismatches = 0, firstProblem: String? = nil
        func note(_ s: String) {
            mismatches += 1
            if firstProblem == nil { firstProblem = s }
        }
        try forEach(db) { b in
            var low = Double.infinity, high = -Double.infinity
            for i in 0..<b.count {
                let code = b.code(i)
                if let last = entries.last, last.id >= b.id(i) { note("prediction \(b.id(i)) is out of order in the blocks") }
                entries.append((b.id(i), b.modelId, code < b.labels.count ? b.labels[code] : "#\(code)", b.confidence(i),
                                b.createdAt(i)))
                low = min(low, b.createdAt(i))
                high = max(high, b.createdAt(i))
            }
            if b.count > 0 && (low != b.header.minCreatedAt || high != b.header.maxCreatedAt) {
                note("block \(b.blockId) has wrong creation-time bounds")
            }
            var seen = [Bool](repeating: false, count: b.count)
            for k in 0..<b.count {
                let i = b.byConfidence(k)
                guard i < b.count, !seen[i] else { note("block \(b.blockId) has a broken confidence order"); break }
                seen[i] = true
                if k > 0 {
                    let p = b.byConfidence(k - 1)
                    if !(b.confidence(p) < b.confidence(i) || b.confidence(p) == b.confidence(i) && b.id(p) < b.id(i)) {
                        note("block \(b.blockId) has a broken confidence order")
                        break
                    }
                }
            }
            return true
        }
        entries.sort { $0.id < $1.id }
        let cursor = try Row.fetchCursor(db, sql: "SELECT id, modelId, label, confidence, createdAt FROM prediction ORDER BY id")
        while let row = try cursor.next() {
            let id: Int64 = row[0]
            while index < entries.count && entries[index].id < id {
                note("block row for prediction \(entries[index].id), which does not exist")
                index += 1
            }
            if index < entries.count && entries[index].id == id {
                let e = entries[index]
                let label: String = row[2], confidence: Double = row[3], modelId: Int64 = row[1], createdAt: Double = row[4]
                if e.modelId != modelId || !e.label.utf8.elementsEqual(label.utf8) || e.confidence != confidence
                    || e.createdAt != createdAt {
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
