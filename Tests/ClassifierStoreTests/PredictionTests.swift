import ClassifierStore
import Foundation
import XCTest

final class PredictionTests: XCTestCase {
    /// 2 models, 8 predictions with known fields.
    private func fixture() throws -> (SentimentStore, ModelInfo, ModelInfo, [Int64]) {
        let store = try SentimentStore.inMemory()
        let a = try store.saveModel(sampleModel(name: "a"))
        let b = try store.saveModel(sampleModel(name: "b", activate: false))
        let ids = try store.insertPredictions([
            prediction(a, "Profit rose sharply in the quarter", "positive", 0.91, source: "f.csv:2", at: 100),
            prediction(a, "Operating loss widened", "negative", 0.72, source: "f.csv:3", at: 200),
            prediction(a, "The rate cut was expected", "neutral", 0.55, source: "f.csv:4", at: 300),
            prediction(a, "Profit warning issued", "negative", 0.66, source: "stdin:1", at: 400),
            prediction(b, "Sales rose and profit doubled", "positive", 0.97, source: "api", at: 500),
            prediction(b, "Café chain reports flat sales", "neutral", 0.51, source: "argv", at: 600),
            prediction(b, "Bank cut jobs after loss", "negative", 0.83, source: "argv", at: 700),
            prediction(b, "Rates unchanged", "neutral", 0.60, source: "argv", at: 800),
        ])
        return (store, a, b, ids)
    }

    private func texts(_ store: SentimentStore, _ q: PredictionQuery) throws -> [String] {
        try store.predictions(q).map(\.text)
    }

    func testInsertReturnsIdsAndStoresFields() throws {
        let (store, a, _, ids) = try fixture()
        XCTAssertEqual(ids.count, 8)
        XCTAssertEqual(Set(ids).count, 8)
        let p = try store.prediction(id: ids[0])
        XCTAssertEqual(p.modelId, a.id)
        XCTAssertEqual(p.modelReference, "a@1")
        XCTAssertEqual(p.label, "positive")
        XCTAssertEqual(p.confidence, 0.91)
        XCTAssertEqual(p.source, "f.csv:2")
        XCTAssertEqual(p.createdAt, Date(timeIntervalSince1970: 100))
        XCTAssertEqual(Set(p.probabilities.keys), Set(testLabels))
        XCTAssertEqual(p.probabilities["positive"] ?? 0, 0.91, accuracy: 1e-6)
        XCTAssertNil(p.correctedLabel)
        assertStoreError(try store.prediction(id: 9999)) { $0 == .predictionNotFound(9999) }
    }

    func testEmptyAndUnicodeStringsRoundTrip() throws {
        let store = try SentimentStore.inMemory()
        let m = try store.saveModel(sampleModel())
        let texts = ["", "naïve 📈 déjà-vu", String(repeating: "long ", count: 2000), "quote ' and \" and ;"]
        let ids = try store.insertPredictions(texts.map { prediction(m, $0, "neutral", 0.4, source: "") })
        XCTAssertEqual(try ids.map { try store.prediction(id: $0).text }, texts)
        XCTAssertEqual(try store.prediction(id: ids[0]).source, "")
        XCTAssertEqual(try store.countPredictions(PredictionQuery(search: "deja")), 1)
    }

    func testInvalidPredictionBatchInsertsNothing() throws {
        let (store, a, _, _) = try fixture()
        var bad = prediction(a, "x", "positive", 0.5)
        bad.label = "great"
        assertStoreError(try store.insertPredictions([prediction(a, "ok", "neutral", 0.5), bad])) {
            if case .invalidValue(let m) = $0 { return m.contains("great") } else { return false }
        }
        var short = prediction(a, "x", "positive", 0.5)
        short.probabilities = [1]
        assertStoreError(try store.insertPredictions([short])) { if case .invalidValue = $0 { return true } else { return false } }
        assertStoreError(try store.insertPredictions([NewPrediction(modelId: 777, text: "x", label: "positive", confidence: 1,
                                                                    probabilities: [0, 0, 1], source: "argv")])) {
            $0 == .modelNotFound("#777")
        }
        XCTAssertEqual(try store.countPredictions(), 8)
        XCTAssertEqual(try store.countPredictions(PredictionQuery(search: "ok")), 0)
    }

    func testFiltersOrderingAndPaging() throws {
        let (store, _, _, _) = try fixture()
        XCTAssertEqual(try texts(store, PredictionQuery(limit: 2)), ["Rates unchanged", "Bank cut jobs after loss"])
        XCTAssertEqual(try texts(store, PredictionQuery(order: .oldest, limit: 1, offset: 1)), ["Operating loss widened"])
        XCTAssertEqual(try texts(store, PredictionQuery(modelName: "a", label: "negative")),
                       ["Profit warning issued", "Operating loss widened"])
        XCTAssertEqual(try store.countPredictions(PredictionQuery(modelName: "b", modelVersion: 1)), 4)
        XCTAssertEqual(try store.countPredictions(PredictionQuery(modelName: "b", modelVersion: 2)), 0)
        XCTAssertEqual(try texts(store, PredictionQuery(minConfidence: 0.6, maxConfidence: 0.83, order: .confidenceDescending)),
                       ["Bank cut jobs after loss", "Operating loss widened", "Profit warning issued", "Rates unchanged"])
        XCTAssertEqual(try texts(store, PredictionQuery(order: .confidenceAscending, limit: 2)),
                       ["Café chain reports flat sales", "The rate cut was expected"])
        XCTAssertEqual(try texts(store, PredictionQuery(createdFrom: Date(timeIntervalSince1970: 300),
                                                        createdBefore: Date(timeIntervalSince1970: 500), order: .oldest)),
                       ["The rate cut was expected", "Profit warning issued"])
        // Combination: model + label + confidence + time + search.
        XCTAssertEqual(try texts(store, PredictionQuery(modelName: "b", label: "positive", minConfidence: 0.9,
                                                        createdFrom: Date(timeIntervalSince1970: 450), search: "profit")),
                       ["Sales rose and profit doubled"])
        XCTAssertEqual(try texts(store, PredictionQuery(modelName: "a", search: "profit", order: .oldest)),
                       ["Profit rose sharply in the quarter", "Profit warning issued"])
    }

    func testFullTextSearchSyntax() throws {
        let (store, _, _, _) = try fixture()
        func fts(_ text: String) -> PredictionQuery {
            var q = PredictionQuery(search: text)
            q.searchSyntax = .fts5
            return q
        }
        XCTAssertEqual(try store.countPredictions(PredictionQuery(search: "profit")), 3)
        XCTAssertEqual(try store.countPredictions(fts("profit NOT warning")), 2)
        XCTAssertEqual(try texts(store, PredictionQuery(search: "\"rate cut\"")), ["The rate cut was expected"])
        XCTAssertEqual(try texts(store, fts("\"rate cut\"")), ["The rate cut was expected"])
        XCTAssertEqual(try store.countPredictions(fts("rate*")), 2)
        XCTAssertEqual(try texts(store, PredictionQuery(search: "cafe")), ["Café chain reports flat sales"])  // diacritics folded
        XCTAssertEqual(try store.countPredictions(fts("loss OR sales")), 4)
        // Plain words: every word must occur; operators are words.
        XCTAssertEqual(try store.countPredictions(PredictionQuery(search: "profit warning")), 1)
        XCTAssertEqual(try store.countPredictions(PredictionQuery(search: "loss OR sales")), 0)
        // User input is bound, never interpolated.
        XCTAssertEqual(try store.countPredictions(PredictionQuery(label: "x' OR '1'='1")), 0)
        for bad in ["profit AND", "\"unterminated", "(loss", "nosuchcolumn:profit"] {
            assertStoreError(try store.predictions(fts(bad))) {
                if case .invalidSearch(let q, _) = $0 { return q == bad && $0.isInputError } else { return false }
            }
            assertStoreError(try store.summary(fts(bad))) {
                if case .invalidSearch = $0 { return true } else { return false }
            }
            // The same text as plain words is never a syntax error.
            XCTAssertNoThrow(try store.predictions(PredictionQuery(search: bad)))
        }
    }

    func testCorrectionsAndCorrectedFilter() throws {
        let (store, _, _, ids) = try fixture()
        try store.correct(predictionId: ids[2], label: "positive")
        try store.correct(predictionId: ids[6], label: "neutral")
        try store.correct(predictionId: ids[6], label: "negative")  // re-correction replaces
        assertStoreError(try store.correct(predictionId: 12345, label: "positive")) { $0 == .predictionNotFound(12345) }
        assertStoreError(try store.correct(predictionId: ids[0], label: "bullish")) {
            if case .invalidValue(let m) = $0 { return m.contains("bullish") && $0.isInputError } else { return false }
        }
        let p = try store.prediction(id: ids[2])
        XCTAssertEqual(p.correctedLabel, "positive")
        XCTAssertNotNil(p.correctedAt)
        XCTAssertEqual(try store.countPredictions(PredictionQuery(corrected: true)), 2)
        XCTAssertEqual(try store.countPredictions(PredictionQuery(corrected: false)), 6)
        XCTAssertEqual(try texts(store, PredictionQuery(modelName: "b", corrected: true)), ["Bank cut jobs after loss"])
        let all = try store.corrections(modelName: nil)
        XCTAssertEqual(all.map(\.text), ["The rate cut was expected", "Bank cut jobs after loss"])
        XCTAssertEqual(all.map(\.label), ["positive", "negative"])
        XCTAssertEqual(try store.corrections(modelName: "a").map(\.label), ["positive"])
    }

    func testSummaryCounts() throws {
        let (store, _, _, ids) = try fixture()
        try store.correct(predictionId: ids[0], label: "neutral")
        let s = try store.summary()
        XCTAssertEqual(s.total, 8)
        XCTAssertEqual(s.byLabel, ["positive": 2, "negative": 3, "neutral": 3])
        XCTAssertEqual(s.byModel, ["a@1": 4, "b@1": 4])
        XCTAssertEqual(s.corrected, 1)
        XCTAssertEqual(s.uncorrected, 7)
        XCTAssertEqual(s.byCorrectedLabel, ["neutral": 1])
        let f = try store.summary(PredictionQuery(search: "profit"))
        XCTAssertEqual(f.total, 3)
        XCTAssertEqual(f.byModel, ["a@1": 2, "b@1": 1])
        XCTAssertEqual(f.corrected, 1)
    }

    func testDeletingModelKeepsPredictionsUnlessAsked() throws {
        let (store, _, _, ids) = try fixture()
        try store.delete(name: "a", version: nil)
        XCTAssertEqual(try store.countPredictions(), 8)
        XCTAssertEqual(try store.prediction(id: ids[0]).modelReference, "a@1")
        XCTAssertEqual(try store.countPredictions(PredictionQuery(modelName: "a")), 4)
        try store.correct(predictionId: ids[1], label: "neutral")  // labels survive in the tombstone
        XCTAssertEqual(try store.countPredictions(PredictionQuery(search: "profit")), 3)
        XCTAssertEqual(try store.delete(name: "b", version: 1, deletePredictions: true), 4)
        XCTAssertEqual(try store.countPredictions(), 4)
        XCTAssertEqual(try store.countPredictions(PredictionQuery(search: "sales")), 0)  // FTS kept in sync
        XCTAssertEqual(try store.deletePredictions(PredictionQuery(search: "profit")), 2)
        XCTAssertEqual(try store.countPredictions(PredictionQuery(search: "profit")), 0)
        XCTAssertEqual(try store.countPredictions(), 2)
    }

    func testWriterFlushesEveryBatch() throws {
        let store = try SentimentStore.inMemory()
        let m = try store.saveModel(sampleModel())
        let writer = store.predictionWriter(batchSize: 100)
        for i in 0..<250 { try writer.append(prediction(m, "headline number \(i)", testLabels[i % 3], 0.5, source: "f.csv:\(i + 2)")) }
        XCTAssertEqual(writer.insertedCount, 200)
        XCTAssertEqual(writer.pendingCount, 50)
        XCTAssertEqual(try store.countPredictions(), 200)
        XCTAssertEqual(try writer.flush().count, 50)
        XCTAssertEqual(try store.countPredictions(), 250)
        XCTAssertEqual(try store.countPredictions(PredictionQuery(search: "249")), 1)
        XCTAssertEqual(try store.prediction(id: try XCTUnwrap(writer.lastInsertedId)).source, "f.csv:251")
    }

    func testReaderSeesConsistentSnapshotsWhileWriterInserts() throws {
        let dir = try TempDir()
        let store = try SentimentStore(path: dir.path("s.sqlite"))
        let a = try store.saveModel(sampleModel(name: "a"))
        let b = try store.saveModel(sampleModel(name: "b"))
        let batch = 300, batches = 40
        let writerError = LockedBox<Error?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do {
                for k in 0..<batches {
                    try store.insertPredictions((0..<batch).map { i in
                        prediction(i % 2 == 0 ? a : b, "batch \(k) item \(i)", testLabels[i % 3], 0.5)
                    })
                }
            } catch { writerError.value = error }
            done.signal()
        }
        var reads = 0
        var finished = false
        while !finished {
            finished = done.wait(timeout: .now()) == .success
            let s = try store.summary()
            XCTAssertEqual(s.total % batch, 0, "a read saw a partial batch")
            XCTAssertEqual(s.byLabel.values.reduce(0, +), s.total)
            XCTAssertEqual(s.byModel.values.reduce(0, +), s.total)
            XCTAssertEqual(s.byModel["a@1", default: 0], s.byModel["b@1", default: 0])
            reads += 1
        }
        XCTAssertNil(writerError.value)
        XCTAssertEqual(try store.countPredictions(), batch * batches)
        XCTAssertGreaterThan(reads, 1)
    }
}

final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: T
    init(_ value: T) { _value = value }
    var value: T {
        get { lock.lock(); defer { lock.unlock() }; return _value }
        set { lock.lock(); _value = newValue; lock.unlock() }
    }
}
