import ClassifierStore
import Foundation
import GRDB
import XCTest

final class MaintenanceTests: XCTestCase {
    func testVerifyFindsTamperedModelAndDesyncedIndex() throws {
        let dir = try TempDir()
        let path = dir.path("s.sqlite")
        let store = try SentimentStore(path: path)
        let m = try store.saveModel(sampleModel())
        try store.insertPredictions((0..<50).map { prediction(m, "headline \($0) profit", "positive", 0.8) })
        XCTAssertEqual(try store.verify(), [])
        try store.optimize()
        XCTAssertEqual(try store.verify(), [])
        XCTAssertEqual(try store.countPredictions(PredictionQuery(search: "profit")), 50)

        let raw = try DatabaseQueue(path: path)
        try raw.write { db in
            try db.execute(sql: "UPDATE model_payload SET data = zeroblob(length(data)) WHERE name = 'bias'")
            // Simulate a foreign writer that bypassed the store: rows deleted without the FTS trigger.
            try db.execute(sql: "DROP TRIGGER prediction_fts_delete")
            try db.execute(sql: "DELETE FROM prediction WHERE id <= 10")
        }
        let problems = try store.verify()
        XCTAssertTrue(problems.contains(StoreError.checksumMismatch(model: "news@1").description), "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("full-text index") }, "\(problems)")
    }

    func testStatisticsAndStreaming() throws {
        let store = try SentimentStore.inMemory()
        let m = try store.saveModel(sampleModel())
        _ = try store.importCorpus(NewCorpus(name: "c", sourcePath: "c", format: "csv", sha256: "x",
                                             documents: [CorpusDocument(text: "a", label: "neutral", line: 1)]))
        let ids = try store.insertPredictions((0..<25).map { prediction(m, "row \($0)", testLabels[$0 % 3], 0.5) })
        try store.correct(predictionId: ids[3], label: "negative")
        let st = try store.statistics()
        XCTAssertEqual([st.corpora, st.documents, st.models, st.predictions, st.correctedPredictions, st.schemaVersion],
                       [1, 1, 1, 25, 1, SentimentStore.schemaVersion])
        var seen: [String] = []
        try store.forEachPrediction(PredictionQuery(label: "neutral", order: .oldest)) { seen.append($0.text) }
        XCTAssertEqual(seen, stride(from: 1, to: 25, by: 3).map { "row \($0)" })
        XCTAssertEqual(try store.predictions(PredictionQuery(label: "neutral", order: .oldest)).map(\.text), seen)
    }

    func testProbabilitiesWithEscapedLabelsRoundTrip() throws {
        let store = try SentimentStore.inMemory()
        var model = sampleModel()
        model.labels = ["bad \"news\"", "ok\\meh", "good, \u{e9}"]
        let m = try store.saveModel(model)
        let id = try store.insertPredictions([NewPrediction(modelId: m.id, text: "t", label: "ok\\meh", confidence: 0.5,
                                                            probabilities: [0.25, 0.5, 1e-7], source: "api")])[0]
        let p = try store.prediction(id: id)
        XCTAssertEqual(p.probabilities.count, 3)
        XCTAssertEqual(p.probabilities["bad \"news\""] ?? -1, 0.25, accuracy: 1e-7)
        XCTAssertEqual(p.probabilities["ok\\meh"] ?? -1, 0.5, accuracy: 1e-7)
        XCTAssertEqual(p.probabilities["good, \u{e9}"] ?? -1, 1e-7, accuracy: 1e-12)
        try store.correct(predictionId: id, label: "good, \u{e9}")
        XCTAssertEqual(try store.prediction(id: id).correctedLabel, "good, \u{e9}")
    }
}
