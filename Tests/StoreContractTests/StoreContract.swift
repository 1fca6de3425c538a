import Foundation
import StoreInterface
import XCTest

/// What every backend of `SentimentStoring` must do, written once against the protocol; `SQLiteContractTests` and
/// `PostgresContractTests` run each of these on a fresh store of their backend.
enum StoreContract {
    static func modelsSaveLoadVersionsActivation(_ s: any SentimentStoring) throws {
        let m = sampleModel()
        let a1 = try s.saveModel(m)
        XCTAssertEqual(a1.reference, "news@1")
        XCTAssertEqual(a1.status, .active)
        let loaded = try s.loadModel(name: "news", version: nil)
        XCTAssertEqual(loaded.info, a1)
        for (name, t) in m.tensors { XCTAssertEqual(bits(loaded.tensors[name]), bits(t), name) }
        XCTAssertEqual(loaded.vocabulary, m.vocabulary)
        XCTAssertEqual(loaded.featureConfig, m.featureConfig)
        XCTAssertEqual(loaded.hyperparameters, m.hyperparameters)
        XCTAssertEqual(loaded.tuning, m.tuning)
        XCTAssertEqual(loaded.runs.map(\.iterations), [40])
        XCTAssertEqual(loaded.runs.first?.durationSeconds, 12.5)
        XCTAssertEqual(loaded.runs.first?.startedAt, Date(timeIntervalSince1970: 1000))

        let a2 = try s.saveModel(sampleModel(activate: false, parentId: a1.id, seed: 2))
        XCTAssertEqual(a2.version, 2)
        XCTAssertEqual(a2.status, .inactive)
        XCTAssertEqual(a2.parentId, a1.id)
        XCTAssertNotEqual(a2.checksum, a1.checksum)
        let b1 = try s.saveModel(sampleModel(name: "alpha"))
        XCTAssertEqual(b1.version, 1)
        XCTAssertEqual(try s.activeModel()?.reference, "alpha@1")
        XCTAssertEqual(try s.models().map(\.reference), ["alpha@1", "news@1", "news@2"])
        XCTAssertEqual(try s.models().filter { $0.status == .active }.count, 1)
        XCTAssertEqual(try s.modelInfo(name: "news", version: nil).version, 2)
        XCTAssertEqual(try s.modelInfo(id: a1.id).reference, "news@1")

        XCTAssertEqual(try s.activate(name: "news", version: 1).status, .active)
        XCTAssertEqual(try s.models().filter { $0.status == .active }.map(\.reference), ["news@1"])
        XCTAssertEqual(try s.loadActiveModel()?.info.reference, "news@1")
        XCTAssertEqual(try s.archive(name: "news", version: 1).status, .archived)
        XCTAssertNil(try s.activeModel())
        XCTAssertNil(try s.loadActiveModel())
        XCTAssertEqual(try s.activate(name: "news", version: 1).status, .active)

        // Deleted versions are never reused.
        XCTAssertEqual(try s.delete(name: "news", version: 2, deletePredictions: false), 0)
        assertStoreError(try s.loadModel(name: "news", version: 2)) { $0 == .modelNotFound("news@2") }
        assertStoreError(try s.modelInfo(id: a2.id)) { $0 == .modelNotFound("#\(a2.id)") }
        XCTAssertEqual(try s.saveModel(sampleModel(activate: false)).version, 3)
        assertStoreError(try s.modelInfo(name: "nope", version: nil)) { $0 == .modelNotFound("nope") }
        assertStoreError(try s.activate(name: "news", version: 9)) { $0 == .modelNotFound("news@9") }
    }

    static func invalidModelsStoreNothing(_ s: any SentimentStoring) throws {
        var bad = sampleModel(name: "a@b")
        assertStoreError(try s.saveModel(bad), isInvalidValue)
        bad = sampleModel()
        bad.labels = ["x", "x", "y"]
        assertStoreError(try s.saveModel(bad), isInvalidValue)
        bad = sampleModel()
        bad.tensors["bias"] = Tensor(shape: [4], values: [1, 2, 3])
        assertStoreError(try s.saveModel(bad), isInvalidValue)
        assertStoreError(try s.saveModel(sampleModel(corpusIds: [424242])), isInvalidValue)
        assertStoreError(try s.saveModel(sampleModel(parentId: 424242)), isInvalidValue)
        XCTAssertEqual(try s.models(), [])
        XCTAssertEqual(try s.statistics().models, 0)
        // The failed saves used no version.
        XCTAssertEqual(try s.saveModel(sampleModel()).version, 1)
    }

    static func exportAndImport(_ s: any SentimentStoring, into other: any SentimentStoring) throws {
        let a = try s.saveModel(sampleModel())
        let bytes = try s.exportData(name: "news", version: nil)
        XCTAssertEqual(try s.exportData(name: "news", version: 1), bytes)
        // Identical content under the same name is not added twice.
        XCTAssertEqual(try s.importModel(data: bytes, source: "f.model"), a)
        let imported = try other.importModel(data: bytes, source: "f.model")
        XCTAssertEqual(imported.reference, "news@1")
        XCTAssertEqual(imported.checksum, a.checksum)
        XCTAssertEqual(imported.status, .active)  // no model was active
        XCTAssertEqual(try other.exportData(name: "news", version: nil), bytes)
        // A taken version: the next one.
        _ = try other.saveModel(sampleModel(seed: 3))
        let b = try s.saveModel(sampleModel(seed: 5))
        let again = try other.importModel(data: try s.exportData(name: "news", version: b.version), source: "g.model")
        XCTAssertEqual(again.version, 3)
        // `accept` refuses: nothing stored.
        struct No: Error {}
        let before = try other.models()
        XCTAssertThrowsError(try other.importModel(data: try s.exportData(name: "news", version: 1).map { $0 }, source: "h",
                                                   accept: { _ in throw No() }))
        XCTAssertEqual(try other.models(), before)
        var damaged = bytes
        damaged[damaged.count / 2] ^= 0xff
        assertStoreError(try other.importModel(data: damaged, source: "bad.model")) {
            if case .invalidModelFile(let source, _) = $0 { return source == "bad.model" } else { return false }
        }
    }

    static func corpora(_ s: any SentimentStoring) throws {
        let c1 = try s.importCorpus(corpus("news", [("Profit rose", "positive"), ("Loss", "negative")], sha: "aaa"), renamingIfTaken: false)
        XCTAssertEqual(c1.rowCount, 2)
        XCTAssertEqual(c1.labelCounts, ["positive": 1, "negative": 1])
        // Same content: the stored corpus, not a copy.
        XCTAssertEqual(try s.importCorpus(corpus("other", [("x", "y")], sha: "aaa"), renamingIfTaken: true), c1)
        let c2 = try s.importCorpus(corpus("news", [("Flat", "neutral")], sha: "bbb"), renamingIfTaken: true)
        XCTAssertEqual(c2.name, "news-2")
        XCTAssertEqual(try s.corpora().map(\.name), ["news", "news-2"])
        XCTAssertEqual(try s.corpus(named: "news-2").id, c2.id)
        XCTAssertEqual(try s.corpus(id: c1.id), c1)
        XCTAssertEqual(try s.documents(corpusId: c1.id).map(\.text), ["Profit rose", "Loss"])
        XCTAssertEqual(try s.corpusDocuments(corpusId: c1.id).map(\.line), [2, 3])
        assertStoreError(try s.corpus(named: "none")) { $0 == .corpusNotFound("none") }
        assertStoreError(try s.corpusDocuments(corpusId: 999)) { $0 == .corpusNotFound("#999") }

        let m = try s.saveModel(sampleModel(corpusIds: [c1.id]))
        XCTAssertEqual(try s.loadModel(name: "news", version: nil).corpusIds, [c1.id])
        XCTAssertEqual(try s.models(trainedOn: c1.id).map(\.id), [m.id])
        assertStoreError(try s.deleteCorpus(id: c1.id)) { if case .invalidValue(let t) = $0 { return t.contains("news@1") } else { return false } }
        try s.deleteCorpus(id: c2.id)
        assertStoreError(try s.deleteCorpus(id: c2.id)) { $0 == .corpusNotFound("#\(c2.id)") }
        XCTAssertEqual(try s.corpora().map(\.name), ["news"])

        // A model with the corpora it was trained on: both or neither.
        let (model, imported) = try s.saveModel(sampleModel(name: "m2"), importing: [
            corpus("fresh", [("a", "positive")], sha: "ccc"), corpus("again", [("Profit rose", "positive")], sha: "aaa"),
        ])
        XCTAssertEqual(imported.map(\.name), ["fresh", "news"])
        XCTAssertEqual(try s.loadModel(name: "m2", version: nil).corpusIds, [c1.id, imported[0].id].sorted())
        XCTAssertEqual(model.version, 1)
        var broken = sampleModel(name: "m3")
        broken.labels = []
        assertStoreError(try s.saveModel(broken, importing: [corpus("lost", [("b", "x")], sha: "ddd")]), isInvalidValue)
        XCTAssertEqual(try s.corpora().count, 2)

        // Batched imports roll back together.
        struct Stop: Error {}
        XCTAssertThrowsError(try s.importCorpora { importer in
            _ = try importer.importCorpus(name: "batched", sourcePath: "b.csv", format: "csv", renamingIfTaken: false,
                                          sha256: { "eee" }, documents: {
                nil
            })
            throw Stop()
        })
        XCTAssertEqual(try s.corpora().count, 2)
        var sent = 0
        let batched = try s.importCorpora { importer in
            try importer.importCorpus(name: "batched", sourcePath: "b.csv", format: "csv", renamingIfTaken: false, sha256: { "fff" }) {
                defer { sent += 1 }
                return sent < 3 ? (0..<1000).map { CorpusDocument(text: "doc \(sent) \($0)", label: $0 % 2 == 0 ? "a" : "b", line: $0) } : nil
            }
        }
        XCTAssertEqual(batched.rowCount, 3000)
        XCTAssertEqual(batched.labelCounts, ["a": 1500, "b": 1500])
        XCTAssertEqual(try s.documents(corpusId: batched.id).last?.text, "doc 2 999")
        XCTAssertEqual(try s.statistics().documents, 2 + 1 + 3000)
    }

    static func evaluations(_ s: any SentimentStoring) throws {
        let m = try s.saveModel(sampleModel())
        let c = try s.importCorpus(corpus("t", [("x", "positive")], sha: "t1"), renamingIfTaken: false)
        let e1 = try s.saveEvaluation(NewEvaluation(modelId: m.id, corpusId: c.id, metrics: #"{"accuracy":0.9}"#, confusionMatrix: "[[1]]"))
        let e2 = try s.saveEvaluation(NewEvaluation(modelId: m.id, corpusId: nil, metrics: "{}", confusionMatrix: "[]"))
        XCTAssertEqual(try s.evaluations(modelId: m.id), [e1, e2])
        assertStoreError(try s.saveEvaluation(NewEvaluation(modelId: 777, corpusId: nil, metrics: "{}", confusionMatrix: "[]"))) {
            $0 == .modelNotFound("#777")
        }
        assertStoreError(try s.saveEvaluation(NewEvaluation(modelId: m.id, corpusId: 777, metrics: "{}", confusionMatrix: "[]"))) {
            $0 == .corpusNotFound("#777")
        }
        _ = try s.delete(name: "news", version: nil, deletePredictions: false)
        XCTAssertEqual(try s.evaluations(modelId: m.id), [])
    }

    /// 2 models, 8 predictions with known fields (as ClassifierStoreTests' fixture).
    static func predictionFixture(_ s: any SentimentStoring) throws -> (ModelInfo, ModelInfo, [Int64]) {
        let a = try s.saveModel(sampleModel(name: "a"))
        let b = try s.saveModel(sampleModel(name: "b", activate: false))
        var ids = try insert(s, a, [
            Row(text: "Profit rose sharply in the quarter", label: "positive", confidence: 0.91, source: "f.csv:2", at: 100),
            Row(text: "Operating loss widened", label: "negative", confidence: 0.72, source: "f.csv:3", at: 200),
            Row(text: "The rate cut was expected", label: "neutral", confidence: 0.55, source: "f.csv:4", at: 300),
            Row(text: "Profit warning issued", label: "negative", confidence: 0.66, source: "stdin:1", at: 400),
        ])
        ids += try insert(s, b, [
            Row(text: "Sales rose and profit doubled", label: "positive", confidence: 0.97, source: "api", at: 500),
            Row(text: "Café chain reports flat sales", label: "neutral", confidence: 0.51, source: "argv", at: 600),
            Row(text: "Bank cut jobs after loss", label: "negative", confidence: 0.83, source: "argv", at: 86_400 + 700),
            Row(text: "Rates unchanged; S&P 500 at Q3-2024 high, U.S. Nokia's", label: "neutral", confidence: 0.60, source: "argv", at: 86_400 + 800),
        ])
        return (a, b, ids)
    }

    static func texts(_ s: any SentimentStoring, _ q: PredictionQuery) throws -> [String] { try s.predictions(q).map(\.text) }

    static func predictionsInsertAndFields(_ s: any SentimentStoring) throws {
        let (a, _, ids) = try predictionFixture(s)
        XCTAssertEqual(ids, ids.sorted())
        XCTAssertEqual(Set(ids).count, 8)
        let p = try s.prediction(id: ids[0])
        XCTAssertEqual(p.modelId, a.id)
        XCTAssertEqual(p.modelReference, "a@1")
        XCTAssertEqual(p.label, "positive")
        XCTAssertEqual(p.confidence, Double(Float(0.91)))
        XCTAssertEqual(p.probabilities["positive"], 0.91)  // Float32's shortest decimal, read as a Double
        XCTAssertEqual(p.probabilities["negative"], Double("\((1 - Float(0.91)) / 2)"))
        XCTAssertEqual(p.source, "f.csv:2")
        XCTAssertEqual(p.createdAt, Date(timeIntervalSince1970: 100))
        XCTAssertNil(p.correctedLabel)
        XCTAssertEqual(try s.latestPredictionId(), ids.last)
        assertStoreError(try s.prediction(id: 999_999)) { $0 == .predictionNotFound(999_999) }

        // A batch in columns: numbered sources, ids in order; a bad batch stores nothing.
        let batch = try s.insertPredictions(PredictionColumns(modelId: a.id, texts: ["x1", "", "naïve 📈 déjà-vu"], labelIndices: [0, 1, 2],
                                                              probabilities: [0.5, 0.25, 0.25, 0.2, 0.6, 0.2, 0.1, 0.1, 0.8],
                                                              sources: .numbered(prefix: "n.csv:", numbers: [7, 8, 9])))
        XCTAssertEqual(try batch.map { try s.prediction(id: $0).source }, ["n.csv:7", "n.csv:8", "n.csv:9"])
        XCTAssertEqual(try batch.map { try s.prediction(id: $0).text }, ["x1", "", "naïve 📈 déjà-vu"])
        XCTAssertEqual(try s.prediction(id: batch[2]).confidence, Double(Float(0.8)))
        for bad in [
            PredictionColumns(modelId: a.id, texts: ["ok", "bad"], labelIndices: [0, 3], probabilities: [Float](repeating: 0.3, count: 6), sources: .constant("t")),
            PredictionColumns(modelId: a.id, texts: ["ok"], labelIndices: [0], probabilities: [0.5, 0.5], sources: .constant("t")),
            PredictionColumns(modelId: a.id, texts: ["ok"], labelIndices: [0], probabilities: [.nan, 0.5, 0.5], sources: .constant("t")),
            PredictionColumns(modelId: a.id, texts: ["ok"], labelIndices: [0], probabilities: [0.3, 0.3, 0.4], sources: .each([])),
        ] {
            assertStoreError(try s.insertPredictions(bad), isInvalidValue)
        }
        assertStoreError(try s.insertPredictions(PredictionColumns(modelId: 777, texts: ["x"], labelIndices: [0], probabilities: [1, 0, 0],
                                                                   sources: .constant("t")))) { $0 == .modelNotFound("#777") }
        XCTAssertEqual(try s.countPredictions(PredictionQuery()), 11)
        XCTAssertEqual(try s.countPredictions(PredictionQuery(search: "ok")), 0)
        XCTAssertEqual(try s.insertPredictions(PredictionColumns(modelId: a.id, texts: [], labelIndices: [], probabilities: [], sources: .constant("t"))), [])
    }

    static func predictionsFilterOrderPage(_ s: any SentimentStoring) throws {
        let (_, _, ids) = try predictionFixture(s)
        let last = "Rates unchanged; S&P 500 at Q3-2024 high, U.S. Nokia's"
        XCTAssertEqual(try texts(s, PredictionQuery(limit: 2)), [last, "Bank cut jobs after loss"])
        XCTAssertEqual(try texts(s, PredictionQuery(order: .oldest, limit: 1, offset: 1)), ["Operating loss widened"])
        XCTAssertEqual(try texts(s, PredictionQuery(modelName: "a", label: "negative")), ["Profit warning issued", "Operating loss widened"])
        XCTAssertEqual(try s.countPredictions(PredictionQuery(modelName: "b", modelVersion: 1)), 4)
        XCTAssertEqual(try s.countPredictions(PredictionQuery(modelName: "b", modelVersion: 2)), 0)
        XCTAssertEqual(try texts(s, PredictionQuery(minConfidence: 0.6, maxConfidence: 0.83, order: .confidenceDescending)),
                       ["Bank cut jobs after loss", "Operating loss widened", "Profit warning issued", last])
        XCTAssertEqual(try texts(s, PredictionQuery(order: .confidenceAscending, limit: 2)), ["Café chain reports flat sales", "The rate cut was expected"])
        XCTAssertEqual(try texts(s, PredictionQuery(createdFrom: Date(timeIntervalSince1970: 300), createdBefore: Date(timeIntervalSince1970: 500), order: .oldest)),
                       ["The rate cut was expected", "Profit warning issued"])
        XCTAssertEqual(try texts(s, PredictionQuery(modelName: "b", label: "positive", minConfidence: 0.9, createdFrom: Date(timeIntervalSince1970: 450), search: "profit")),
                       ["Sales rose and profit doubled"])
        XCTAssertEqual(try texts(s, PredictionQuery(modelName: "a", search: "profit", order: .oldest)),
                       ["Profit rose sharply in the quarter", "Profit warning issued"])
        XCTAssertEqual(try s.countPredictions(PredictionQuery(label: "x' OR '1'='1")), 0)
        // A cursor's snapshot: rows stored later stay out of its pages.
        var q = PredictionQuery(limit: 3)
        q.maxId = ids[5]
        XCTAssertEqual(try s.predictions(q).map(\.id), [ids[5], ids[4], ids[3]])
        q.offset = 3
        XCTAssertEqual(try s.predictions(q).map(\.id), [ids[2], ids[1], ids[0]])
        // Streaming reads see the same rows as pages.
        var streamed: [Int64] = []
        try s.forEachPrediction(PredictionQuery(order: .confidenceDescending)) { streamed.append($0.id) }
        XCTAssertEqual(streamed, try s.predictions(PredictionQuery(order: .confidenceDescending)).map(\.id))
        var models: [StreamedModel] = []
        var rows: [(Int64, String, String, [Double], String)] = []
        try s.streamPredictions(PredictionQuery(modelName: "b", order: .oldest), models: { models = $0 }, row: { r in
            rows.append((r.id, models[r.model].reference, String(decoding: r.text, as: UTF8.self), Array(r.probabilities),
                         String(decoding: r.source, as: UTF8.self)))
        })
        XCTAssertEqual(rows.map(\.0), Array(ids[4...]))
        XCTAssertEqual(rows.map(\.1), ["b@1", "b@1", "b@1", "b@1"])
        XCTAssertEqual(rows.first?.2, "Sales rose and profit doubled")
        let expected = try s.prediction(id: ids[4]).probabilities
        XCTAssertEqual(rows.first?.3, testLabels.map { expected[$0]! })
    }

    static func predictionsSearch(_ s: any SentimentStoring) throws {
        _ = try predictionFixture(s)
        func count(_ text: String) throws -> Int { try s.countPredictions(PredictionQuery(search: text)) }
        XCTAssertEqual(try count("profit"), 3)
        XCTAssertEqual(try count("PROFIT warning"), 1)
        XCTAssertEqual(try count("loss OR sales"), 0)  // operators are words
        XCTAssertEqual(try texts(s, PredictionQuery(search: "\"rate cut\"")), ["The rate cut was expected"])
        XCTAssertEqual(try count("\"cut rate\""), 0)
        XCTAssertEqual(try texts(s, PredictionQuery(search: "cafe")), ["Café chain reports flat sales"])  // diacritics folded
        for word in ["S&P", "s&p 500", "Q3-2024", "U.S.", "Nokia's", "nokia", "2024"] {
            XCTAssertEqual(try count(word), 1, word)
        }
        XCTAssertEqual(try count("&"), 0)  // no word at all: nothing
        XCTAssertEqual(try count("prof"), 0)  // whole words
        for odd in ["profit AND", "\"unterminated", "(loss", "nosuchcolumn:profit", "a'b", "x:*", "!", "\\"] {
            XCTAssertNoThrow(try s.predictions(PredictionQuery(search: odd)), odd)
        }
        XCTAssertEqual(try s.summary(PredictionQuery(search: "profit")).total, 3)
        XCTAssertEqual(try s.dailyCounts(PredictionQuery(search: "rates")).map(\.day), ["1970-01-02"])
    }

    static func correctionsSummaryDaily(_ s: any SentimentStoring) throws {
        let (_, _, ids) = try predictionFixture(s)
        try s.correct(predictionId: ids[2], label: "positive")
        try s.correct(predictionId: ids[6], label: "neutral")
        try s.correct(predictionId: ids[6], label: "negative")  // replaces
        assertStoreError(try s.correct(predictionId: 12345, label: "positive")) { $0 == .predictionNotFound(12345) }
        assertStoreError(try s.correct(predictionId: ids[0], label: "bullish")) {
            if case .invalidValue(let m) = $0 { return m.contains("bullish") } else { return false }
        }
        XCTAssertEqual(try s.prediction(id: ids[2]).correctedLabel, "positive")
        XCTAssertNotNil(try s.prediction(id: ids[2]).correctedAt)
        XCTAssertEqual(try s.countPredictions(PredictionQuery(corrected: true)), 2)
        XCTAssertEqual(try s.countPredictions(PredictionQuery(corrected: false)), 6)
        XCTAssertEqual(try texts(s, PredictionQuery(modelName: "b", corrected: true)), ["Bank cut jobs after loss"])
        let all = try s.corrections(modelName: nil)
        XCTAssertEqual(all.map(\.text), ["The rate cut was expected", "Bank cut jobs after loss"])
        XCTAssertEqual(all.map(\.label), ["positive", "negative"])
        XCTAssertEqual(try s.corrections(modelName: "a").map(\.label), ["positive"])

        let sum = try s.summary(PredictionQuery())
        XCTAssertEqual(sum, PredictionSummary(total: 8, byLabel: ["positive": 2, "negative": 3, "neutral": 3], byModel: ["a@1": 4, "b@1": 4],
                                              corrected: 2, uncorrected: 6, byCorrectedLabel: ["positive": 1, "negative": 1]))
        XCTAssertEqual(try s.summary(PredictionQuery(modelName: "a", minConfidence: 0.7)).byLabel, ["positive": 1, "negative": 1])
        XCTAssertEqual(try s.dailyCounts(PredictionQuery()), [
            DailyCount(day: "1970-01-01", byLabel: ["positive": 2, "negative": 2, "neutral": 2]),
            DailyCount(day: "1970-01-02", byLabel: ["negative": 1, "neutral": 1]),
        ])
        XCTAssertEqual(try s.dailyCounts(PredictionQuery(label: "positive")).map(\.day), ["1970-01-01"])
        let stats = try s.statistics()
        XCTAssertEqual(stats.predictions, 8)
        XCTAssertEqual(stats.correctedPredictions, 2)
        XCTAssertEqual(stats.models, 2)
    }

    static func deletions(_ s: any SentimentStoring) throws {
        let (_, _, ids) = try predictionFixture(s)
        XCTAssertEqual(try s.delete(name: "a", version: nil, deletePredictions: false), 0)
        XCTAssertEqual(try s.countPredictions(PredictionQuery()), 8)
        XCTAssertEqual(try s.prediction(id: ids[0]).modelReference, "a@1")
        XCTAssertEqual(try s.countPredictions(PredictionQuery(modelName: "a")), 4)
        try s.correct(predictionId: ids[1], label: "neutral")  // labels survive in the tombstone
        XCTAssertEqual(try s.summary(PredictionQuery()).byModel, ["a@1": 4, "b@1": 4])
        XCTAssertEqual(try s.delete(name: "b", version: 1, deletePredictions: true), 4)
        XCTAssertEqual(try s.countPredictions(PredictionQuery()), 4)
        XCTAssertEqual(try s.countPredictions(PredictionQuery(search: "sales")), 0)
        XCTAssertEqual(try s.deletePredictions(PredictionQuery(search: "profit")), 2)
        XCTAssertEqual(try s.countPredictions(PredictionQuery(search: "profit")), 0)
        XCTAssertEqual(try s.deletePredictions(ids: [ids[1], ids[1], 999_999]), 1)
        XCTAssertEqual(try s.predictions(PredictionQuery()).map(\.id), [ids[2]])
        XCTAssertEqual(try s.deletePredictions(ids: []), 0)
        XCTAssertEqual(try s.statistics().predictions, 1)
        XCTAssertEqual(try s.verify(), [])
        try s.optimize()
        XCTAssertEqual(try s.verify(), [])
    }

    /// Two writers saving the same name at once get distinct versions, and one model ends active.
    static func concurrentSaves(_ fresh: FreshStore) throws {
        defer { withExtendedLifetime(fresh) {} }
        let stores = [fresh.store, try fresh.reopen()]
        let errors = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            do {
                _ = try stores[i % 2].saveModel(sampleModel(name: "race", seed: Float(i)))
                _ = try stores[(i + 1) % 2].activate(name: "race", version: nil)
            } catch {
                errors.with { $0.append("\(error)") }
            }
        }
        XCTAssertEqual(errors.with { $0 }, [])
        XCTAssertEqual(try stores[0].models().map(\.version), Array(1...8))
        XCTAssertEqual(try stores[1].models().filter { $0.status == .active }.count, 1)
        try stores[1].close()
    }
}

final class Locked<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func with<R>(_ body: (inout T) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&value) }
}
