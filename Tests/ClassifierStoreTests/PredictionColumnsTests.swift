@testable import ClassifierStore
import Foundation
import GRDB
import XCTest

/// The bulk path (`PredictionColumns`, several rows per statement) stores exactly what the row path
/// (`NewPrediction` values) stores for the same predictions: ids, text, label, confidence, probabilities JSON,
/// source, time, full-text index and blocks — for batch sizes around the rows-per-statement boundary.
final class PredictionColumnsTests: XCTestCase {
    private func rows(_ store: SentimentStore) throws -> [[String]] {
        try store.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, modelId, text, label, quote(confidence), probabilities, source, quote(createdAt)
                FROM prediction ORDER BY id
                """).map { row in (0..<8).map { String(describing: row[$0] as DatabaseValue) } }
        }
    }

    func testColumnsStoreWhatRowsStore() throws {
        let per = PredictionInserter.rowsPerStatement
        let texts = ["Profit rose 5%", "Shares \"fell\", sharply", "株価が急落", "", "naïve café 😀", "a\nb", "x"]
        let at = Date(timeIntervalSince1970: 1_700_000_000.25)
        for n in [1, per - 1, per, per + 1, 2 * per + 3] {
            for sourceKind in 0..<3 {
                let a = try SentimentStore.inMemory(), b = try SentimentStore.inMemory()
                let ma = try a.saveModel(sampleModel()), mb = try b.saveModel(sampleModel())
                XCTAssertEqual(ma.id, mb.id)
                var labels: [Int] = [], probabilities: [Float] = [], batchTexts: [String] = []
                for i in 0..<n {
                    let label = (i * 7) % 3
                    var p: [Float] = [0.1 + Float(i % 5) / 100, 0.2, 0]
                    p[2] = 1 - p[0] - p[1]
                    p.swapAt(label, 2)
                    probabilities += p
                    labels.append(label)
                    batchTexts.append(texts[i % texts.count] + " \(i)")
                }
                let sources: PredictionColumns.Sources
                let sourceOf: (Int) -> String
                switch sourceKind {
                case 0: sources = .constant("argv"); sourceOf = { _ in "argv" }
                case 1: sources = .numbered(prefix: "news.csv:", numbers: (0..<n).map { $0 * 3 + 2 }); sourceOf = { "news.csv:\($0 * 3 + 2)" }
                default: sources = .each((0..<n).map { "s\($0)é" }); sourceOf = { "s\($0)é" }
                }
                let idsA = try a.insertPredictions(PredictionColumns(modelId: ma.id, texts: batchTexts, labelIndices: labels,
                                                                     probabilities: probabilities, sources: sources, createdAt: at))
                let values = (0..<n).map { i in
                    NewPrediction(modelId: mb.id, text: batchTexts[i], label: testLabels[labels[i]],
                                  confidence: Double(probabilities[i * 3 + labels[i]]),
                                  probabilities: (0..<3).map { Double(probabilities[i * 3 + $0]) },
                                  source: sourceOf(i), createdAt: at)
                }
                let idsB = try b.insertPredictions(values)
                XCTAssertEqual(idsA, idsB, "n \(n) sources \(sourceKind)")
                XCTAssertEqual(try rows(a), try rows(b), "n \(n) sources \(sourceKind)")
                XCTAssertEqual(try a.verify(), [], "n \(n) sources \(sourceKind)")
                XCTAssertEqual(try a.countPredictions(PredictionQuery(search: "\(n - 1)")),
                               try b.countPredictions(PredictionQuery(search: "\(n - 1)")))
            }
        }
    }
}
