import Foundation
import StoreInterface
import GRDB

/// A prediction query answered from `PredictionBlocks` instead of the prediction table: any combination of model,
/// label, confidence bounds and correction status (no full-text search, no date bounds, which the table answers).
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
    /// Corrected label of every corrected prediction (corrections are few: read from their partial index).
    var correctedLabels: [Int64: String]

    /// nil when the query needs the table (search or dates).
    init?(_ db: Database, _ query: PredictionQuery) throws {
        guard query.search == nil, query.createdFrom == nil, query.createdBefore == nil else { return nil }
        if let name = query.modelName {
            if let version = query.modelVersion {
                modelIds = Set(try Int64.fetchAll(db, sql: "SELECT id FROM model WHERE name = ? AND version = ?",
                                                  arguments: [name, version]))
            } else {
                modelIds = Set(try Int64.fetchAll(db, sql: "SELECT id FROM model WHERE name = ?", arguments: [name]))
            }
        }
        label = query.label
        minConfidence = query.minConfidence
        maxConfidence = query.maxConfidence
        corrected = query.corrected
        maxId = query.maxId
        correctedLabels = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, correctedLabel FROM prediction WHERE correctedLabel IS NOT NULL") {
            correctedLabels[row[0]] = row[1]
        }
    }

    /// Calls `body` with each matching row (a block and a row index) in id order, newest first when `descending`,
    /// until it returns false.
    func scan(_ db: Database, descending: Bool = false, _ body: (PredictionBlocks.View, Int) -> Bool) throws {
        if corrected == true && correctedLabels.isEmpty { return }
        let checkCorrected = corrected != nil && !correctedLabels.isEmpty
        let low = minConfidence ?? -.infinity, high = maxConfidence ?? .infinity
        try PredictionBlocks.forEach(db, descending: descending) { b in
            if let modelIds, !modelIds.contains(b.modelId) { return true }
            var code = -1
            if let label {
                guard let c = b.labels.firstIndex(where: { $0.utf8.elementsEqual(label.utf8) }) else { return true }
                code = c
            }
            for r in 0..<b.count {
                let i = descending ? b.count - 1 - r : r
                if code >= 0 && b.code(i) != code { continue }
                let c = b.confidence(i)
                guard c >= low && c <= high else { continue }
                if checkCorrected && (correctedLabels[b.id(i)] != nil) != corrected! { continue }
                if let maxId, b.id(i) > maxId { continue }
                if !body(b, i) { return false }
            }
            return true
        }
    }

    func count(_ db: Database) throws -> Int {
        var n = 0
        try scan(db) { _, _ in n += 1; return true }
        return n
    }

    /// Counts per model, label and corrected label.
    func summary(_ db: Database) throws -> PredictionSummary {
        struct Key: Hashable { var modelId: Int64; var label: String; var corrected: String? }
        var counts: [Key: Int] = [:]
        var perCode: [Int] = []
        var current: (block: Int64, modelId: Int64, labels: [String])? = nil
        func flush() {
            guard let c = current else { return }
            for (code, n) in perCode.enumerated() where n > 0 {
                counts[Key(modelId: c.modelId, label: code < c.labels.count ? c.labels[code] : "#\(code)", corrected: nil),
                       default: 0] += n
            }
        }
        try scan(db) { b, i in
            if current?.block != b.blockId {
                flush()
                current = (b.blockId, b.modelId, b.labels)
                perCode = [Int](repeating: 0, count: b.labels.count + 1)
            }
            let code = min(b.code(i), b.labels.count)
            if !correctedLabels.isEmpty, let c = correctedLabels[b.id(i)] {
                counts[Key(modelId: b.modelId, label: code < b.labels.count ? b.labels[code] : "#\(code)", corrected: c),
                       default: 0] += 1
            } else {
                perCode[code] += 1
            }
            return true
        }
        flush()
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
        let precedes: (Entry, Entry) -> Bool
        switch order {
        case .newest: precedes = { $0.id > $1.id }
        case .oldest: precedes = { $0.id < $1.id }
        case .confidenceDescending:
            precedes = { $0.confidence > $1.confidence || ($0.confidence == $1.confidence && $0.id > $1.id) }
        case .confidenceAscending:
            precedes = { $0.confidence < $1.confidence || ($0.confidence == $1.confidence && $0.id < $1.id) }
        }
        // Max-heap of the k best so far: the root is the one that comes last.
        var heap: [Entry] = []
        heap.reserveCapacity(min(k, 1 << 16))
        try scan(db) { b, i in
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
            }
            return true
        }
        heap.sort(by: precedes)
        return offset < heap.count ? heap[max(0, offset)...].map(\.id) : []
    }
}
