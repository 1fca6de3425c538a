@testable import ClassifierStore
import Foundation
import GRDB
import XCTest

/// `withBackgroundCheckpoints`: the WAL is checkpointed by the second connection while the writer commits, the
/// data is all there, and the writer's automatic checkpoint is back afterwards (also after an error).
///
/// How large the WAL grows depends on when the checkpoint thread gets to run, so the WAL size is not compared
/// with a fixed share of the database: it is bounded by the transactions' own frames (measured without
/// checkpoints) for every interleaving, or checked exactly under a forced one.
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

    private static let batches = 40

    /// A new store with one model and an empty WAL, so that every run below starts from the same pages.
    private func freshStore(_ path: String) throws -> (SentimentStore, ModelInfo) {
        let store = try SentimentStore(path: path)
        let model = try store.saveModel(sampleModel())
        try store.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        XCTAssertEqual(fileSize(path + "-wal"), 0)
        return (store, model)
    }

    /// WAL frames (pages) given a WAL file's size: a 32-byte header, then a 24-byte header before each page.
    private func walFrames(_ store: SentimentStore, bytes: Int) throws -> Int {
        let pageSize = try store.writer.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0 }
        return bytes <= 32 ? 0 : (bytes - 32) / (pageSize + 24)
    }

    /// The frames each of `insertBatches`' transactions writes (the same rows into a fresh store give the same
    /// pages whoever checkpoints and when): measured with no checkpoint at all, so the WAL only grows.
    private func framesPerTransaction(_ dir: TempDir) throws -> [Int] {
        let path = dir.path("unchecked.sqlite")
        let (store, model) = try freshStore(path)
        try store.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        var frames: [Int] = []
        var before = 0
        for b in 0..<Self.batches {
            try insertBatches(store, model, batches: 1, first: b)
            let now = try walFrames(store, bytes: fileSize(path + "-wal"))
            frames.append(now - before)
            before = now
        }
        return frames
    }

    /// The WAL index's last valid frame and how many frames have been copied into the database, read from the
    /// shared-memory file (https://www.sqlite.org/walformat.html: mxFrame at byte 16, nBackfill at byte 96)
    /// without taking a lock: to observe a checkpoint without running one.
    private func walIndex(_ path: String) throws -> (frames: UInt32, backfilled: UInt32) {
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: path + "-shm"))
        defer { try? handle.close() }
        let header = try XCTUnwrap(try handle.read(upToCount: 100))
        XCTAssertEqual(header.count, 100)
        return header.withUnsafeBytes { ($0.loadUnaligned(fromByteOffset: 16, as: UInt32.self),
                                         $0.loadUnaligned(fromByteOffset: 96, as: UInt32.self)) }
    }

    func testWALIsCheckpointedWhileWritingAndEverythingIsStored() throws {
        let dir = try TempDir()
        let frames = try framesPerTransaction(dir)
        let largest = try XCTUnwrap(frames.max())
        let path = dir.path("bulk.sqlite")
        let (store, model) = try freshStore(path)
        XCTAssertEqual(try autocheckpoint(store), 2048)
        let waitAt = 64
        var walDuring = 0
        try store.withBackgroundCheckpoints(requestAt: 8, waitAt: Int32(waitAt)) {
            // The writer's own checkpoint is off meanwhile.
            XCTAssertEqual(try autocheckpoint(store), 0)
            try insertBatches(store, model, batches: Self.batches)
            walDuring = fileSize(path + "-wal")
        }
        XCTAssertEqual(try autocheckpoint(store), 2048)
        XCTAssertEqual(try store.statistics().predictions, Self.batches * 400)
        XCTAssertEqual(try store.verify(), [])
        XCTAssertEqual(try store.countPredictions(PredictionQuery(search: "batch")), Self.batches * 400)
        XCTAssertGreaterThan(fileSize(path), 4 << 20)
        // How far the WAL grew depends on when the checkpoint thread got to run, but not beyond this bound: a
        // commit that leaves `waitAt` frames or more waits for a checkpoint of everything, so the next transaction
        // starts the WAL over; it never holds more than `waitAt` - 1 frames and one transaction. Had nothing
        // checkpointed it, it would hold every frame written.
        let total = frames.reduce(0, +)
        XCTAssertLessThan(waitAt - 1 + largest, total / 2, "the bound below would not tell checkpoints from none")
        let held = try walFrames(store, bytes: walDuring)
        XCTAssertLessThanOrEqual(held, waitAt - 1 + largest,
                                 "WAL of \(held) frames; transactions of \(frames) frames, waiting at \(waitAt)")
    }

    func testRequestedCheckpointsRunWhileTheWriterGoesOn() throws {
        let dir = try TempDir()
        let largest = try XCTUnwrap(try framesPerTransaction(dir).max())
        let path = dir.path("requested.sqlite")
        let (store, model) = try freshStore(path)
        var walDuring = 0
        // Every commit requests a checkpoint and none waits for one. Whether the thread finishes it before the next
        // transaction begins is up to the scheduler, so the test waits until the WAL index shows every frame
        // copied: the checkpoint thread (the only one checkpointing) did it while the writer went on.
        try store.withBackgroundCheckpoints(requestAt: 1, waitAt: .max) {
            for b in 0..<Self.batches {
                try insertBatches(store, model, batches: 1, first: b)
                let deadline = Date().addingTimeInterval(60)
                while case let index = try walIndex(path), index.backfilled != index.frames {
                    guard Date() < deadline else {
                        return XCTFail("batch \(b): \(index.backfilled) of \(index.frames) WAL frames checkpointed after 60 s")
                    }
                    usleep(1000)
                }
            }
            walDuring = fileSize(path + "-wal")
        }
        XCTAssertEqual(try store.statistics().predictions, Self.batches * 400)
        XCTAssertEqual(try store.verify(), [])
        // Each transaction found the WAL checkpointed and started it over: it never held more than the largest one.
        XCTAssertEqual(try walFrames(store, bytes: walDuring), largest)
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
