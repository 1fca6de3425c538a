import Foundation
import StoreInterface
import GRDB

/// A prediction query answered from `PredictionBlocks` instead of the prediction table: any combination of model,
/// label, confidence and date bounds and correction status (not full-text search, which the table answers).
/// Results are exactly those of the SQL query (the same comparisons on the same stored values; labels compared as
/// bytes, as SQLite does); tests run both and compare.
struct BlockQuery {
    /// nil: every model.
    var modelIds: Set<Int64>?
    var label: String?
    var minConfidence: Double?
    var maxConfidence: Double?
    var corrected: Bool?
    var maxId: Int64?
    /// Seconds since 1970, as the table stores `createdAt`.
    var createdFrom: Double?
    var createdBefore: Double?
    var cache: BlockCache?
    /// Corrected label of every corrected prediction (corrections are few: read from their partial index).
    var correctedLabels: [Int64: String]
    /// The keys of `correctedLabels`, ascending.
    var correctedIds: [Int64]

    /// nil when the query needs the table (search).
    init?(_ db: Database, _ query: PredictionQuery, cache: BlockCache? = nil) throws {
        guard query.search == nil else { return nil }
        self.cache = cache
        if let name = query.modelName {
            if let version = query.modelVersion {
                modelIds = Set(try Int64.fetchAll(db.cachedStatement(sql: "SELECT id FROM model WHERE name = ? AND version = ?"),
                                                  arguments: [name, version]))
            } else {
                modelIds = Set(try Int64.fetchAll(db.cachedStatement(sql: "SELECT id FROM model WHERE name = ?"), arguments: [name]))
            }
        }
        label = query.label
        minConfidence = query.minConfidence
        maxConfidence = query.maxConfidence
        corrected = query.corrected
        maxId = query.maxId
        createdFrom = query.createdFrom.map(Clock.seconds)
        createdBefore = query.createdBefore.map(Clock.seconds)
        correctedLabels = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT id, correctedLabel FROM prediction WHERE correctedLabel IS NOT NULL")) {
            correctedLabels[row[0]] = row[1]
        }
        correctedIds = correctedLabels.keys.sorted()
    }

    /// Whether a block can hold matching rows, judged from its header.
    private func wants(_ h: PredictionBlocks.Header) -> Bool {
        if let modelIds, !modelIds.contains(h.modelId) { return false }
        if let label, !h.labels.contains(where: { $0.utf8.elementsEqual(label.utf8) }) { return false }
        if let createdFrom, !(h.maxCreatedAt >= createdFrom) { return false }
        if let createdBefore, !(h.minCreatedAt < createdBefore) { return false }
        return true
    }

    /// The row filter of one block: `matches(i)` for row index `i`.
    private struct RowFilter {
        let code: Int
        let low: Double, high: Double
        let from: Double, before: Double
        let checkCorrected: Bool, corrected: Bool
        let correctedLabels: [Int64: String]
        let maxId: Int64

        @inline(__always) func matches(_ b: PredictionBlocks.View, _ i: Int) -> Bool {
            if code >= 0 && b.code(i) != code { return false }
            let c = b.confidence(i)
            guard c >= low && c <= high else { return false }
            let t = b.createdAt(i)
            guard t >= from && t < before else { return false }
            let id = b.id(i)
            if id > maxId { return false }
            if checkCorrected && (correctedLabels[id] != nil) != corrected { return false }
            return true
        }
    }

    private func filter(for b: PredictionBlocks.View) -> RowFilter {
        RowFilter(code: label.flatMap { l in b.labels.firstIndex { $0.utf8.elementsEqual(l.utf8) } } ?? -1,
                  low: minConfidence ?? -.infinity, high: maxConfidence ?? .infinity,
                  from: createdFrom ?? -.infinity, before: createdBefore ?? .infinity,
                  checkCorrected: corrected != nil && !correctedLabels.isEmpty, corrected: corrected ?? false,
                  correctedLabels: correctedLabels, maxId: maxId ?? .max)
    }

    /// Nothing can match (checked before reading any block).
    private var matchesNothing: Bool { corrected == true && correctedLabels.isEmpty }

    /// Every row of `b` matches (no row filter applies to it), so it can be counted without looking at rows.
    private func isWhole(_ b: PredictionBlocks.View) -> Bool {
        guard b.count > 0, label == nil, minConfidence == nil, maxConfidence == nil else { return false }
        if corrected != nil && !correctedLabels.isEmpty { return false }
        if let createdFrom, !(b.header.minCreatedAt >= createdFrom) { return false }
        if let createdBefore, !(b.header.maxCreatedAt < createdBefore) { return false }
        if let maxId, b.id(b.count - 1) > maxId { return false }
        return true
    }

    /// The corrected rows of `b`: row index and corrected label (found by binary search: corrections are few).
    private func correctedRows(_ b: PredictionBlocks.View) -> [(row: Int, label: String)] {
        guard b.count > 0, !correctedIds.isEmpty else { return [] }
        let first = b.id(0), last = b.id(b.count - 1)
        var lo = 0, hi = correctedIds.count
        while lo < hi { let mid = (lo + hi) / 2; if correctedIds[mid] < first { lo = mid + 1 } else { hi = mid } }
        var out: [(row: Int, label: String)] = []
        var k = lo
        while k < correctedIds.count && correctedIds[k] <= last {
            let id = correctedIds[k]
            var a = 0, z = b.count
            while a < z { let mid = (a + z) / 2; if b.id(mid) < id { a = mid + 1 } else { z = mid } }
            if a < b.count && b.id(a) == id { out.append((a, correctedLabels[id]!)) }
            k += 1
        }
        return out
    }

    /// Counts of `b`'s rows per label code (index `labels.count`: a code its labels lack) in a plain loop.
    @inline(__always) private func codeCounts(_ b: PredictionBlocks.View) -> [Int] {
        let top = b.labels.count
        var perCode = [Int](repeating: 0, count: top + 1)
        for i in 0..<b.count { perCode[min(b.code(i), top)] += 1 }
        return perCode
    }

    /// Calls `body` with each matching row (a block and a row index) in id order, newest first when `descending`,
    /// until it returns false.
    func scan(_ db: Database, descending: Bool = false, _ body: (PredictionBlocks.View, Int) -> Bool) throws {
        if matchesNothing { return }
        try PredictionBlocks.forEach(db, descending: descending, cache: cache, wants: wants) { b in
            let f = filter(for: b)
            for r in 0..<b.count {
                let i = descending ? b.count - 1 - r : r
                if f.matches(b, i) && !body(b, i) { return false }
            }
            return true
        }
    }

    func count(_ db: Database) throws -> Int {
        if matchesNothing { return 0 }
        var n = 0
        try PredictionBlocks.forEach(db, cache: cache, wants: wants) { b in
            if isWhole(b) { n += b.count; return true }
            let f = filter(for: b)
            for i in 0..<b.count where f.matches(b, i) { n += 1 }
            return true
        }
        return n
    }

    /// Counts per model, label and corrected label.
    func summary(_ db: Database) throws -> PredictionSummary {
        struct Key: Hashable { var modelId: Int64; var label: String; var corrected: String? }
        var counts: [Key: Int] = [:]
        func name(_ b: PredictionBlocks.View, _ code: Int) -> String { code < b.labels.count ? b.labels[code] : "#\(code)" }
        if !matchesNothing {
            try PredictionBlocks.forEach(db, cache: cache, wants: wants) { b in
                let top = b.labels.count
                var perCode: [Int]
                if isWhole(b) {
                    perCode = codeCounts(b)
                    for (row, c) in correctedRows(b) {
                        let code = min(b.code(row), top)
                        perCode[code] -= 1
                        counts[Key(modelId: b.modelId, label: name(b, code), corrected: c), default: 0] += 1
                    }
                } else {
                    perCode = [Int](repeating: 0, count: top + 1)
                    let f = filter(for: b)
                    for i in 0..<b.count where f.matches(b, i) {
                        let code = min(b.code(i), top)
                        if !correctedLabels.isEmpty, let c = correctedLabels[b.id(i)] {
                            counts[Key(modelId: b.modelId, label: name(b, code), corrected: c), default: 0] += 1
                        } else {
                            perCode[code] += 1
                        }
                    }
                }
                for (code, n) in perCode.enumerated() where n > 0 {
                    counts[Key(modelId: b.modelId, label: name(b, code), corrected: nil), default: 0] += n
                }
                return true
            }
        }
        var names: [Int64: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, name, version FROM model") {
            let name: String = row[1], version: Int = row[2]
            names[row[0]] = "\(name)@\(version)"
        }
        var summary = PredictionSummary(total: 0, byLabel: [:], byModel: [:], corrected: 0, uncorrected: 0, byCorrectedLabel: [:])
        for (key, n) in counts {
            summary.total += n
            summary.byLabel[key.label, default: 0] += n
            summary.byModel[names[key.modelId] ?? "#\(key.modelId)", default: 0] += n
            if let c = key.corrected {
                summary.corrected += n
                summary.byCorrectedLabel[c, default: 0] += n
            }
        }
        summary.uncorrected = summary.total - summary.corrected
        return summary
    }

    /// Matching rows per UTC day and label, oldest day first, days named as SQLite's `date(createdAt, 'unixepoch')`
    /// names them (rows whose time it cannot name are left out, as its GROUP BY would name them NULL).
    func dailyCounts(_ db: Database) throws -> [DailyCount] {
        var counts: [Int64: [String: Int]] = [:]
        if matchesNothing { return [] }
        try PredictionBlocks.forEach(db, cache: cache, wants: wants) { b in
            let top = b.labels.count
            func add(_ day: Int64, _ perCode: [Int]) {
                for (code, n) in perCode.enumerated() where n > 0 {
                    counts[day, default: [:]][code < top ? b.labels[code] : "#\(code)", default: 0] += n
                }
            }
            // A block of one day (the usual case: rows are stored as they are predicted) is counted per label code.
            if isWhole(b), let day = SQLiteDate.julianDay(unixSeconds: b.header.minCreatedAt),
               day == SQLiteDate.julianDay(unixSeconds: b.header.maxCreatedAt) {
                add(day, codeCounts(b))
                return true
            }
            let f = filter(for: b)
            var currentDay: Int64? = nil
            var perCode = [Int](repeating: 0, count: top + 1)
            for i in 0..<b.count where f.matches(b, i) {
                guard let day = SQLiteDate.julianDay(unixSeconds: b.createdAt(i)) else { continue }
                if day != currentDay {
                    if let d = currentDay { add(d, perCode) }
                    currentDay = day
                    perCode = [Int](repeating: 0, count: top + 1)
                }
                perCode[min(b.code(i), top)] += 1
            }
            if let d = currentDay { add(d, perCode) }
            return true
        }
        return counts.keys.sorted().map { DailyCount(day: SQLiteDate.text(julianDay: $0), byLabel: counts[$0]!) }
    }

    /// Ids of the matching rows on the page `offset..<offset+limit` in `order`, chosen with a bounded heap.
    func page(_ db: Database, order: PredictionQuery.Order, limit: Int, offset: Int) throws -> [Int64] {
        let k = max(0, offset) + max(0, limit)
        guard limit > 0, k > 0 else { return [] }
        if order == .newest || order == .oldest {
            // Blocks are in id order: the first k matches in that direction are the page and its predecessors.
            var ids: [Int64] = []
            try scan(db, descending: order == .newest) { b, i in
                ids.append(b.id(i))
                return ids.count < k
            }
            return offset < ids.count ? Array(ids[max(0, offset)...]) : []
        }
        typealias Entry = (id: Int64, confidence: Double)
        // `precedes(a, b)`: a comes before b in the requested order (the SQL query's ORDER BY, ties by id).
        let ascending = order == .confidenceAscending
        func precedes(_ a: Entry, _ b: Entry) -> Bool {
            if a.confidence != b.confidence { return ascending ? a.confidence < b.confidence : a.confidence > b.confidence }
            return ascending ? a.id < b.id : a.id > b.id
        }
        // Max-heap of the k best so far: the root is the one that comes last.
        var heap: [Entry] = []
        heap.reserveCapacity(min(k, 1 << 16))
        if matchesNothing { return [] }
        // Each block is walked in the requested order (its rows sorted by confidence and id): once a matching row
        // cannot enter a full heap, no later row of that block can.
        try PredictionBlocks.forEach(db, cache: cache, wants: wants) { b in
            let f = filter(for: b)
            for r in 0..<b.count {
                let i = b.byConfidence(ascending ? r : b.count - 1 - r)
                guard f.matches(b, i) else { continue }
                let e: Entry = (b.id(i), b.confidence(i))
                if heap.count < k {
                    heap.append(e)
                    var c = heap.count - 1
                    while c > 0 {
                        let p = (c - 1) / 2
                        guard precedes(heap[p], heap[c]) else { break }
                        heap.swapAt(p, c)
                        c = p
                    }
                } else if precedes(e, heap[0]) {
                    heap[0] = e
                    var p = 0
                    while true {
                        let l = 2 * p + 1, r = l + 1
                        guard l < heap.count else { break }
                        let last = r < heap.count && precedes(heap[l], heap[r]) ? r : l
                        guard precedes(heap[p], heap[last]) else { break }
                        heap.swapAt(p, last)
                        p = last
                    }
                } else {
                    break
                }
            }
            return true
        }
        heap.sort(by: precedes)
        return offset < heap.count ? heap[max(0, offset)...].map(\.id) : []
    }
}
