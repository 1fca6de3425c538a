import ClassifierStore
import Foundation
import GRDB
import XCTest

final class ModelTests: XCTestCase {
    func testSaveLoadIsBitIdentical() throws {
        let store = try SentimentStore.inMemory()
        let corpus = try store.importCorpus(NewCorpus(name: "c", sourcePath: "c.csv", format: "csv", sha256: "aa",
                                                      documents: [CorpusDocument(text: "t", label: "neutral", line: 2)]))
        let new = sampleModel(corpusIds: [corpus.id])
        let info = try store.saveModel(new)
        XCTAssertEqual(info.reference, "news@1")
        XCTAssertEqual(info.status, .active)
        let loaded = try store.loadModel(name: "news", version: nil)
        XCTAssertEqual(loaded.info, info)
        XCTAssertEqual(Set(loaded.tensors.keys), ["weights", "bias", "idf"])
        for (name, tensor) in new.tensors {
            XCTAssertEqual(loaded.tensors[name]?.shape, tensor.shape)
            XCTAssertEqual(bits(loaded.tensors[name]), bits(tensor), name)
        }
        XCTAssertEqual(loaded.vocabulary, new.vocabulary)
        XCTAssertEqual(loaded.featureConfig, new.featureConfig)
        XCTAssertEqual(loaded.hyperparameters, new.hyperparameters)
        XCTAssertEqual(loaded.tuning, new.tuning)
        XCTAssertEqual(loaded.info.metrics, new.metrics)
        XCTAssertEqual(loaded.info.temperature, 1.25)
        XCTAssertEqual(loaded.info.labels, testLabels)
        XCTAssertEqual(loaded.corpusIds, [corpus.id])
        XCTAssertEqual(loaded.runs.count, 1)
        XCTAssertEqual(loaded.runs.first?.durationSeconds, 12.5)
        XCTAssertEqual(loaded.runs.first?.iterations, 40)
        XCTAssertEqual(try store.loadActiveModel()?.info.id, info.id)
    }

    func testVersionsIncrementPerNameAndActivation() throws {
        let store = try SentimentStore.inMemory()
        let a1 = try store.saveModel(sampleModel(name: "a"))
        let a2 = try store.saveModel(sampleModel(name: "a", activate: false, parentId: a1.id, seed: 2))
        let b1 = try store.saveModel(sampleModel(name: "b", activate: false))
        let a3 = try store.saveModel(sampleModel(name: "a", parentId: a2.id))
        XCTAssertEqual([a1.version, a2.version, b1.version, a3.version], [1, 2, 1, 3])
        XCTAssertEqual(a2.status, .inactive)
        XCTAssertEqual(try store.loadModel(name: "a", version: 2).info.parentId, a1.id)
        XCTAssertEqual(try store.loadModel(name: "a", version: nil).info.version, 3)
        XCTAssertEqual(try store.models().filter { $0.status == .active }.map(\.reference), ["a@3"])
        try store.activate(name: "b", version: nil)
        XCTAssertEqual(try store.models().filter { $0.status == .active }.map(\.reference), ["b@1"])
        try store.archive(name: "b", version: 1)
        XCTAssertNil(try store.loadActiveModel())
        XCTAssertEqual(try store.modelInfo(name: "b").status, .archived)
        // Deleted versions are never reused.
        try store.delete(name: "a", version: 3)
        XCTAssertEqual(try store.saveModel(sampleModel(name: "a")).version, 4)
        assertStoreError(try store.loadModel(name: "a", version: 3)) { $0 == .modelNotFound("a@3") }
        assertStoreError(try store.loadModel(name: "zzz", version: nil)) { $0 == .modelNotFound("zzz") }
        XCTAssertEqual(try store.models().map(\.reference), ["a@1", "a@2", "a@4", "b@1"])
    }

    func testInvalidModelsAreRejected() throws {
        let store = try SentimentStore.inMemory()
        var bad = sampleModel()
        bad.tensors["bias"] = Tensor(shape: [4], values: [1, 2, 3])
        assertStoreError(try store.saveModel(bad)) { if case .invalidValue(let m) = $0 { return m.contains("bias") } else { return false } }
        bad = sampleModel()
        bad.labels = ["pos", "pos"]
        assertStoreError(try store.saveModel(bad)) { if case .invalidValue = $0 { return true } else { return false } }
        bad = sampleModel(name: "x@1")
        assertStoreError(try store.saveModel(bad)) { if case .invalidValue = $0 { return true } else { return false } }
        XCTAssertEqual(try store.models().count, 0)
    }

    func testChecksumDetectsTamperedBlob() throws {
        let dir = try TempDir()
        let path = dir.path("s.sqlite")
        let store = try SentimentStore(path: path)
        _ = try store.saveModel(sampleModel())
        _ = try store.saveModel(sampleModel())
        let raw = try DatabaseQueue(path: path)
        try raw.write { db in
            let data = try XCTUnwrap(Data.fetchOne(db, sql: """
                SELECT data FROM model_payload JOIN model ON model.id = modelId WHERE model.version = 2 AND model_payload.name = 'weights'
                """))
            var bytes = [UInt8](data)
            bytes[9] ^= 0x01
            try db.execute(sql: """
                UPDATE model_payload SET data = ? WHERE name = 'weights' AND modelId = (SELECT id FROM model WHERE version = 2)
                """, arguments: [Data(bytes)])
        }
        assertStoreError(try store.loadModel(name: "news", version: 2)) { $0 == .checksumMismatch(model: "news@2") }
        assertStoreError(try store.loadActiveModel()) { $0 == .checksumMismatch(model: "news@2") }
        assertStoreError(try store.exportData(name: "news", version: 2)) { $0 == .checksumMismatch(model: "news@2") }
        XCTAssertNoThrow(try store.loadModel(name: "news", version: 1))
        // Tampering a config is detected too.
        try raw.write { db in try db.execute(sql: "UPDATE model SET featureConfig = '{}' WHERE version = 1") }
        assertStoreError(try store.loadModel(name: "news", version: 1)) { $0 == .checksumMismatch(model: "news@1") }
    }

    func testFailedSaveLeavesNothing() throws {
        let dir = try TempDir()
        let path = dir.path("s.sqlite")
        let store = try SentimentStore(path: path)
        _ = try store.saveModel(sampleModel())
        // The unknown corpus id fails after the model row and its tensors were inserted in the transaction.
        assertStoreError(try store.saveModel(sampleModel(corpusIds: [424242]))) {
            if case .invalidValue(let m) = $0 { return m.contains("424242") } else { return false }
        }
        XCTAssertEqual(try store.models().map(\.reference), ["news@1"])
        XCTAssertEqual(try store.activeModel()?.reference, "news@1")
        let counts = try DatabaseQueue(path: path).read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM model_payload"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM training_run"))
        }
        XCTAssertEqual(counts.0, 4)  // weights, bias, idf, vocabulary of news@1 only
        XCTAssertEqual(counts.1, 1)
        XCTAssertEqual(try store.saveModel(sampleModel()).version, 2)
    }

    func testEvaluationsAndTrainingRuns() throws {
        let store = try SentimentStore.inMemory()
        let model = try store.saveModel(sampleModel())
        let corpus = try store.importCorpus(NewCorpus(name: "test", sourcePath: "t.csv", format: "csv", sha256: "bb", documents: []))
        let e = try store.saveEvaluation(NewEvaluation(modelId: model.id, corpusId: corpus.id, metrics: #"{"f1":0.7}"#,
                                                       confusionMatrix: "[[1,0],[0,1]]"))
        XCTAssertEqual(try store.evaluations(modelId: model.id), [e])
        assertStoreError(try store.saveEvaluation(NewEvaluation(modelId: 999, corpusId: nil, metrics: "{}", confusionMatrix: "[]"))) {
            $0 == .modelNotFound("#999")
        }
        _ = try store.saveTrainingRun(modelId: model.id, run: NewTrainingRun(startedAt: Date(), finishedAt: Date(), iterations: 1, finalLoss: 1))
        XCTAssertEqual(try store.trainingRuns(modelId: model.id).count, 2)
        // A corpus used by a model cannot be deleted.
        _ = try store.saveModel(sampleModel(name: "other", corpusIds: [corpus.id]))
        assertStoreError(try store.deleteCorpus(id: corpus.id)) { if case .invalidValue = $0 { return true } else { return false } }
    }

    func testCorpusDedupeBySHA256() throws {
        let store = try SentimentStore.inMemory()
        let docs = [CorpusDocument(text: "profit up", label: "positive", line: 2),
                    CorpusDocument(text: "loss widens", label: "negative", line: 3),
                    CorpusDocument(text: "rates flat", label: "neutral", line: 5),
                    CorpusDocument(text: "sales jump", label: "positive", line: 6)]
        let c1 = try store.importCorpus(NewCorpus(name: "fin", sourcePath: "a.csv", format: "csv", sha256: "abc", documents: docs))
        let c2 = try store.importCorpus(NewCorpus(name: "fin-again", sourcePath: "b.csv", format: "csv", sha256: "abc", documents: docs))
        XCTAssertEqual(c1, c2)
        XCTAssertEqual(try store.corpora().count, 1)
        XCTAssertEqual(c1.rowCount, 4)
        XCTAssertEqual(c1.labelCounts, ["positive": 2, "negative": 1, "neutral": 1])
        XCTAssertEqual(try store.documents(corpusId: c1.id).map(\.text), docs.map(\.text))
        XCTAssertEqual(try store.corpusDocuments(corpusId: c1.id), docs)
        XCTAssertEqual(try store.corpus(named: "fin").id, c1.id)
        assertStoreError(try store.corpus(named: "nope")) { $0 == .corpusNotFound("nope") }
        let c3 = try store.importCorpus(NewCorpus(name: "fin", sourcePath: "a.csv", format: "csv", sha256: "abd", documents: []))
        XCTAssertNotEqual(c3.id, c1.id)
        XCTAssertEqual(try store.corpus(named: "fin").id, c3.id)
    }
}
