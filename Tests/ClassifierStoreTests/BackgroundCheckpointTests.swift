@testable import ClassifierStore
import Foundation
import GRDB
import XCTest

/// `withBackgroundCheckpoints`: the WAL is checkpointed by the second connection while the writer commits, the
/// data is all there, and the writer's automatic checkpoint is back afterwards (also after an error).
final class BackgroundCheckpointTests: XCTestCase {
    private func insertBatches(_ store: SentimentStore, _ model: ModelInfo, batches: Int, first: Int = 0) throws {
        let filler = String(repeating: "quarterly operating profit rose while net sales fell ", count: 4)
        for b in first..<(first + batches) {
            let n = 400
            let texts = (0..<n).map { "\(filler) batch \(b) row \($0)" }
            let labels = (0..<n).map { $0 % 3 }
            var probabilities: [Float] = []
            for i in 0..<n {
                var p: [Float] = [0.2, 0.2, 0.2]
                p[labels[i]] = 0.6
                probabilities += p
            }
            try store.insertPredictions(PredictionColumns(modelId: model.id, texts: texts, labelIndices: labels,
                                                          probabilities: probabilities, sources: .constant("test")))
        }
    }

    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue ?? 0
    }

    private func autocheckpoint(_ store: SentimentStore) throws -> Int {
        try store.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? -1 }
    }

    func testWALIsCheckpointedWhileWritingAndEverythingIsStored() throws {
        let dir = try TempDir()
        let path = dir.path("bulk.sqlite")
        let store = try SentimentStore(path: path)
        let model = try store.saveModel(sampleModel())
        XCTAssertEqual(try autocheckpoint(store), 2048)
        var walDuring = 0
        try store.withBackgroundCheckpoints(requestAt: 8, waitAt: 64) {
            // The writer's own checkpoint is off meanwhile.
            XCTAssertEqual(try autocheckpoint(store), 0)
            try insertBatches(store, model, batches: 40)
            walDuring = fileSize(path + "-wal")
        }
        XCTAssertEqual(try autocheckpoint(store), 2048)
        XCTAssertEqual(try store.statistics().predictions, 40 * 400)
        XCTAssertEqual(try store.verify(), [])
        XCTAssertEqual(try store.countPredictions(PredictionQuery(search: "batch")), 40 * 400)
        // Every page written went through the WAL; had nothing checkpointed it meanwhile, it would hold them all
        // (at least the size of the database). Checkpoints let the writer start it over again and again.
        let database = fileSize(path)
        XCTAssertGreaterThan(database, 4 << 20)
        XCTAssertLessThan(walDuring, database / 2, "WAL \(walDuring) bytes, database \(database) bytes")
    }

    func testErrorInsideRestoresTheAutomaticCheckpoint() throws {
        let dir = try TempDir()
        let store = try SentimentStore(path: dir.path("error.sqlite"))
        let model = try store.saveModel(sampleModel())
        struct Stop: Error {}
        XCTAssertThrowsError(try store.withBackgroundCheckpoints {
            try insertBatches(store, model, batches: 2)
            throw Stop()
        }) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(try autocheckpoint(store), 2048)
        XCTAssertEqual(try store.statistics().predictions, 2 * 400)
        // Nested and repeated use is fine.
        try store.withBackgroundCheckpoints { try store.withBackgroundCheckpoints { try insertBatches(store, model, batches: 1, first: 2) } }
        XCTAssertEqual(try autocheckpoint(store), 2048)
        XCTAssertEqual(try store.verify(), [])
    }

    func testInMemoryStoreJustRunsTheBody() throws {
        let store = try SentimentStore.inMemory()
        let model = try store.saveModel(sampleModel())
        let n = try store.withBackgroundCheckpoints { () -> Int in
            try insertBatches(store, model, batches: 1)
            return 7
        }
        XCTAssertEqual(n, 7)
        XCTAssertEqual(try store.statistics().predictions, 400)
    }
}
