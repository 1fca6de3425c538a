@testable import ClassifierStore
import Foundation
import GRDB
import XCTest

/// `PredictionBlocks` answer label/confidence/model/correction queries, counts and summaries: they must give exactly
/// what the SQL over the prediction table gives, through inserts of every kind, corrections and deletes.
final class PredictionBlockTests: XCTestCase {
    private struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func unit() -> Double { Double(next() % 1_000_000) / 1_000_000 }
    }

    /// Two models (one with different labels), rows inserted as columns, as values, one at a time, in a batch
    /// that mixes models, with repeated confidences (ties) and some corrections.
    /// Creation times of the mixed batch: over ten days around 2026-03-01, some within a millisecond of midnight
    /// (SQLite rounds to the millisecond before naming the day).
    static let day0 = 1_772_323_200.0  // 2026-03-01T00:00:00Z
    private static func mixedTime(_ g: inout Generator) -> Double {
        let day = day0 + 86_400 * Double(g.below(10))
        switch g.below(4) {
        case 0: return day - 0.0004
        case 1: return day - 0.0006
        default: return day + 86_400 * g.unit()
        }
    }

    private func populatedStore(_ path: String? = nil, blockCacheBytes: Int = 0) throws -> (SentimentStore, ModelInfo, ModelInfo) {
        let store = try path.map { try SentimentStore(path: $0, blockCacheBytes: blockCacheBytes) }
            ?? SentimentStore.inMemory(blockCacheBytes: blockCacheBytes)
        let a = try store.saveModel(sampleModel(name: "a"))
        var bModel = sampleModel(name: "b", activate: false)
        bModel.labels = ["bad", "good"]
        bModel.tensors["weights"] = Tensor(shape: [5, 2], values: (0..<10).map { Float($0) })
        bModel.tensors["bias"] = Tensor(shape: [2], values: [0, 0])
        let b = try store.saveModel(bModel)
        var g = Generator(state: 7)
        // Columns: 3 batches of 700 rows of model a; confidences on a 1/64 grid, so ties are common.
        for batch in 0..<3 {
            var probabilities: [Float] = [], labels: [Int] = [], texts: [String] = []
            for i in 0..<700 {
                let label = g.below(3)
                let top = Float(22 + g.below(43)) / 64
                var p = [Float](repeating: (1 - top) / 2, count: 3)
                p[label] = top
                probabilities += p
                labels.append(label)
                texts.append("columns \(batch) \(i)")
            }
            try store.insertPredictions(PredictionColumns(modelId: a.id, texts: texts, labelIndices: labels,
                                                          probabilities: probabilities, sources: .constant("t")))
        }
        // Values mixing both models in one batch.
        var mixed: [NewPrediction] = []
        for i in 0..<400 {
            let at = Self.mixedTime(&g)
            if g.below(2) == 0 {
                mixed.append(prediction(a, "mixed \(i)", testLabels[g.below(3)], 0.34 + 0.66 * g.unit(), at: at))
            } else {
                mixed.append(prediction(b, "mixed \(i)", ["bad", "good"][g.below(2)], 0.5 + 0.5 * g.unit(), at: at))
            }
        }
        try store.insertPredictions(mixed)
        // One at a time (appended to the newest block).
        for i in 0..<30 {
            try store.insertPredictions([prediction(b, "single \(i)", i % 3 == 0 ? "bad" : "good", Double(i % 5) / 10 + 0.5)])
        }
        for id in stride(from: Int64(5), to: 2530, by: 37) {
            let info = try store.prediction(id: id)
            try store.correct(predictionId: id, label: info.modelName == "a" ? testLabels[Int(id) % 3] : "good")
        }
        return (store, a, b)
    }

    private func queries() -> [PredictionQuery] {
        var g = Generator(state: 11)
        var out: [PredictionQuery] = []
        let labels: [String?] = [nil, "negative", "neutral", "positive", "bad", "good", "none", "NEGATIVE"]
        let bounds: [Double?] = [nil, 0.34375, 0.5, 0.6, 0.75, 0.9, 1.0]
        for _ in 0..<300 {
            var q = PredictionQuery()
            switch g.below(4) {
            case 0: q.modelName = "a"
            case 1: q.modelName = "b"; if g.below(2) == 0 { q.modelVersion = 1 }
            case 2: q.modelName = "missing"
            default: break
            }
            q.label = labels[g.below(labels.count)]
            q.minConfidence = bounds[g.below(bounds.count)]
            q.maxConfidence = bounds[g.below(bounds.count)]
            q.corrected = [nil, true, false][g.below(3)]
            if g.below(3) == 0 {
                let days = [-1.0, 0, 2, 5, 9, 12].map { Self.day0 + 86_400 * $0 }
                q.createdFrom = g.below(2) == 0 ? Date(timeIntervalSince1970: days[g.below(days.count)]) : nil
                q.createdBefore = g.below(2) == 0 ? Date(timeIntervalSince1970: days[g.below(days.count)] + 3_600) : nil
            }
            q.order = PredictionQuery.Order.allCases[g.below(4)]
            q.limit = [1, 7, 50, 500][g.below(4)]
            q.offset = [0, 0, 3, 60][g.below(4)]
            out.append(q)
        }
        // Queries that leave whole blocks unfiltered (counted without reading their rows).
        let day = { (d: Double) in Date(timeIntervalSince1970: Self.day0 + 86_400 * d) }
        for order in PredictionQuery.Order.allCases {
            out.append(PredictionQuery(order: order, limit: 20))
            out.append(PredictionQuery(modelName: "a", order: order, limit: 20))
            out.append(PredictionQuery(modelName: "b", corrected: false, order: order, limit: 20))
            out.append(PredictionQuery(createdFrom: day(3), order: order, limit: 20))
            out.append(PredictionQuery(createdFrom: day(-100), createdBefore: day(10_000), order: order, limit: 20))
            var capped = PredictionQuery(order: order, limit: 20)
            capped.maxId = 1_500
            out.append(capped)
        }
        return out
    }

    private func assertSameAnswers(_ store: SentimentStore, minimumRows: Int = 1_000, file: StaticString = #filePath,
                                   line: UInt = #line) throws {
        var compared = 0
        for var q in queries() {
            let blocks = try store.predictions(q), counted = try store.countPredictions(q), summary = try store.summary(q)
            let days = try store.dailyCounts(q)
            let streamed = try Self.streamed(store, q)
            q.allowsBlocks = false
            let table = try store.predictions(q)
            XCTAssertEqual(blocks, table, "\(q)", file: file, line: line)
            // The read-in-place stream (the review page's listing) gives the same rows from the blocks' page.
            XCTAssertEqual(streamed.map(\.id), table.map(\.id), "\(q)", file: file, line: line)
            for (s, t) in zip(streamed, table) {
                XCTAssertEqual(s.text, t.text, file: file, line: line)
                XCTAssertEqual(s.label, t.label, file: file, line: line)
                XCTAssertEqual(s.confidence, t.confidence, file: file, line: line)
                XCTAssertEqual(s.probabilities, t.probabilities, file: file, line: line)
                XCTAssertEqual(s.model, t.modelReference, file: file, line: line)
                XCTAssertEqual(s.source, t.source, file: file, line: line)
                XCTAssertEqual(s.createdAt, t.createdAt.timeIntervalSince1970, accuracy: 0.001, file: file, line: line)
                XCTAssertEqual(s.correctedLabel, t.correctedLabel, file: file, line: line)
            }
            XCTAssertEqual(counted, try store.countPredictions(q), "\(q)", file: file, line: line)
            XCTAssertEqual(summary, try store.summary(q), "\(q)", file: file, line: line)
            XCTAssertEqual(days, try store.dailyCounts(q), "\(q)", file: file, line: line)
            compared += blocks.count
        }
        XCTAssertGreaterThanOrEqual(compared, minimumRows, "the queries should return rows", file: file, line: line)
    }

    private struct Streamed {
        var id: Int64, text: String, label: String, confidence: Double, probabilities: [String: Double]
        var model: String, source: String, createdAt: Double, correctedLabel: String?
    }

    private static func streamed(_ store: SentimentStore, _ q: PredictionQuery) throws -> [Streamed] {
        var models: [StreamedModel] = []
        var out: [Streamed] = []
        try store.streamPredictions(q, models: { models = $0 }, row: { p in
            let m = models[p.model]
            var probabilities: [String: Double] = [:]
            for (c, l) in m.labels.enumerated() where !p.probabilities[c].isNaN { probabilities[l] = p.probabilities[c] }
            out.append(Streamed(id: p.id, text: String(decoding: p.text, as: UTF8.self), label: String(decoding: p.label, as: UTF8.self),
                                confidence: p.confidence, probabilities: probabilities, model: m.reference,
                                source: String(decoding: p.source, as: UTF8.self), createdAt: p.createdAt,
                                correctedLabel: p.correctedLabel.map { String(decoding: $0, as: UTF8.self) }))
        })
        return out
    }

    func testBlocksAnswerExactlyLikeTheTable() throws {
        let (store, _, _) = try populatedStore()
        // The mixed batch spans ten days (and the rest today): daily counts name them as SQLite does.
        XCTAssertGreaterThanOrEqual(try store.dailyCounts().count, 10)
        XCTAssertEqual(try store.verify(), [])
        try assertSameAnswers(store)
        // Unfiltered summary and count.
        var all = PredictionQuery()
        let total = try store.countPredictions(all)
        XCTAssertEqual(total, 2_100 + 400 + 30)
        all.allowsBlocks = false
        XCTAssertEqual(try store.countPredictions(all), total)
        XCTAssertEqual(try store.summary(), try store.summary(all))
    }

    func testBlocksFollowDeletes() throws {
        let (store, _, _) = try populatedStore()
        // Delete by a filter spanning blocks of both models, then one model with its predictions.
        XCTAssertGreaterThan(try store.deletePredictions(PredictionQuery(label: "neutral", maxConfidence: 0.6)), 50)
        XCTAssertEqual(try store.verify(), [])
        try assertSameAnswers(store)
        XCTAssertGreaterThan(try store.delete(name: "b", version: 1, deletePredictions: true), 200)
        XCTAssertEqual(try store.verify(), [])
        try assertSameAnswers(store)
        XCTAssertEqual(try store.countPredictions(PredictionQuery(modelName: "b")), 0)
    }

    func testSmallInsertsShareBlocks() throws {
        let (store, _, _) = try populatedStore()
        let blocks = try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM prediction_block") ?? 0 }
        // 3 column batches merge into one block; the mixed batch makes one per run of a model; the 30 single rows
        // join the newest block of their model instead of making 30.
        XCTAssertLessThan(blocks, 400)
        let last = try store.read { db in
            try Int.fetchOne(db, sql: "SELECT length(data) / \(PredictionBlocks.bytesPerRow) FROM prediction_block ORDER BY id DESC LIMIT 1") ?? 0
        }
        XCTAssertGreaterThanOrEqual(last, 30)
    }

    func testVerifyReportsBlocksOutOfStep() throws {
        let dir = try TempDir()
        let path = dir.path("s.sqlite")
        let (store, _, _) = try populatedStore(path)
        XCTAssertEqual(try store.verify(), [])
        // A writer that bypasses the store: a row deleted behind the blocks' back.
        try DatabaseQueue(path: path).write { db in try db.execute(sql: "DELETE FROM prediction WHERE id = 3") }
        let problems = try store.verify()
        XCTAssertEqual(problems.count, 1, "\(problems)")
        XCTAssertTrue(problems[0].contains("prediction blocks") && problems[0].contains("3"), "\(problems)")
        try store.optimize()
        XCTAssertEqual(try store.verify(), [])
        try assertSameAnswers(store)
    }

    /// A store written before v3 gets its blocks built when opened.
    func testMigrationBuildsBlocksForStoredPredictions() throws {
        let dir = try TempDir()
        let path = dir.path("old.sqlite")
        let (source, _, _) = try populatedStore()
        let rows = try source.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, modelId, text, label, confidence, probabilities, source, createdAt, correctedLabel, correctedAt
                FROM prediction ORDER BY id
                """)
        }
        let models = try source.read { db in try Row.fetchAll(db, sql: "SELECT * FROM model ORDER BY id") }
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v2")
        try queue.write { db in
            for m in models {
                try db.execute(sql: """
                    INSERT INTO model (id, name, version, createdAt, labels, featureConfig, hyperparameters, temperature,
                                       status, checksum) VALUES (?, ?, ?, ?, ?, '', '', 1, 'deleted', '')
                    """, arguments: [m["id"], m["name"], m["version"], m["createdAt"], m["labels"]])
            }
            for r in rows {
                try db.execute(sql: """
                    INSERT INTO prediction (id, modelId, text, label, confidence, probabilities, source, createdAt,
                                            correctedLabel, correctedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: StatementArguments(Array(r.databaseValues)))
            }
            try db.execute(sql: "INSERT INTO prediction_fts(prediction_fts) VALUES ('rebuild')")
        }
        try queue.close()
        let store = try SentimentStore(path: path)
        XCTAssertEqual(try store.verify(), [])
        XCTAssertEqual(try store.summary(), try source.summary())
        try assertSameAnswers(store)
    }

    /// A long-running process keeps blocks in memory: its answers must follow every kind of write, including a
    /// delete of the newest rows followed by inserts that reuse their ids (same block id, same id range).
    func testCachedBlocksFollowWrites() throws {
        let dir = try TempDir()
        let (store, a, b) = try populatedStore(dir.path("c.sqlite"), blockCacheBytes: 64 << 20)
        try assertSameAnswers(store)
        XCTAssertGreaterThan(store.blockCache!.bytes, 0, "the queries should have filled the cache")
        let newest = try store.latestPredictionId()!
        let q = PredictionQuery(order: .confidenceAscending, limit: 5)
        XCTAssertEqual(try store.deletePredictions(PredictionQuery(minConfidence: 0)) > 0, true)
        for i in 0..<40 {
            try store.insertPredictions([prediction(i % 2 == 0 ? a : b, "again \(i)", i % 2 == 0 ? "negative" : "bad",
                                                    0.01 + Double(i) / 1000)])
        }
        XCTAssertLessThanOrEqual(try store.latestPredictionId()!, newest, "ids should have been reused")
        XCTAssertEqual(try store.predictions(q).map(\.text), ["again 0", "again 1", "again 2", "again 3", "again 4"])
        try assertSameAnswers(store, minimumRows: 0)
        // Another process's writes (another store object on the same file) are seen too.
        let other = try SentimentStore(path: dir.path("c.sqlite"))
        try other.insertPredictions([prediction(a, "elsewhere", "positive", 0.001)])
        XCTAssertEqual(try store.predictions(q).first?.text, "elsewhere")
        XCTAssertEqual(try store.verify(), [])
    }

    /// The blocks' day names are SQLite's own, down to the millisecond rounding at midnight.
    func testDayNamesMatchSQLite() throws {
        let store = try SentimentStore.inMemory()
        var g = Generator(state: 3)
        var times: [Double] = [0, -0.0004, -0.0006, 86_399.9994, 86_399.9996, 951_782_400, 4_107_542_399.9996, -86_400 * 365.25 * 100]
        for _ in 0..<2_000 { times.append(Double(Int64(g.below(8_000_000_000)) - 2_000_000_000) + g.unit()) }
        try store.read { db in
            for t in times {
                let sql = try String.fetchOne(db, sql: "SELECT date(?, 'unixepoch')", arguments: [t])
                XCTAssertEqual(SQLiteDate.julianDay(unixSeconds: t).map(SQLiteDate.text(julianDay:)), sql, "\(t)")
            }
        }
    }
}
