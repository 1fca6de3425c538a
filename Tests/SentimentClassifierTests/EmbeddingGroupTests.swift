import ClassifierStore
import DefaultModel
import Foundation
import SentimentClassifier
@testable import SentimentKit
import SoftmaxRegression
import TextFeatures
import XCTest

final class EmbeddingGroupTests: XCTestCase {
    /// A small, fast training set: every third English row.
    var small: (texts: [String], labels: [String]) {
        let idx = stride(from: 0, to: englishCorpus.count, by: 3)
        return (idx.map { englishCorpus.texts[$0] }, idx.map { englishCorpus.labels[$0] })
    }

    func testCrossValidationLeavesTheGroupOffWhenTheTableCoversNothing() throws {
        let (texts, labels) = small
        // Words that never occur in the corpus: every text's mean is empty.
        let table = try EmbeddingTable(bytes: EmbeddingTable.fileBytes([("zzzq", [1, 0]), ("qqqz", [0, 1])]), identity: "none")
        var options = ClassifierOptions.default
        options.embeddingWeights = [0, 0.5, 1]
        let (clf, report) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options, embeddings: table)
        let e = try XCTUnwrap(report.embeddings)
        XCTAssertEqual(e.coverage, 0)
        XCTAssertEqual(e.chosenWeight, 0)
        XCTAssertEqual(e.weights, [0], "too little coverage: only 'off' is tried")
        XCTAssertNil(clf.vectorizer.config.embeddings)
        XCTAssertEqual(clf.vectorizer.columnCount, clf.vectorizer.featureCount)
        // The same model as training without a table.
        let (plain, _) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options)
        XCTAssertEqual(clf.model.weights.map(\.bitPattern), plain.model.weights.map(\.bitPattern))

    }

    func testOldOptionsAndModelsKeepTheirBytes() throws {
        // Options stored before the group existed decode with no candidates, and encode as they were.
        let old = #"{"features":\#(String(decoding: try JSONEncoder().encode(ClassifierOptions.defaultFeatures), as: UTF8.self)),"folds":5,"grid":[0.01],"training":\#(String(decoding: try JSONEncoder().encode(ClassifierOptions.default.training), as: UTF8.self)),"tuning":"automatic"}"#
        let decoded = try JSONDecoder().decode(ClassifierOptions.self, from: Data(old.utf8))
        XCTAssertEqual(decoded.embeddingWeights, [])
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self).contains("embedding"))
        // A fit without a table records no candidates (so the shipped model's rebuild gives the same bytes).
        let (texts, labels) = small
        let (clf, report) = try SentimentClassifier.fit(texts: texts, labels: labels)
        XCTAssertEqual(clf.options.embeddingWeights, [])
        XCTAssertNil(report.embeddings)
    }

    /// With the shipped table: the group is chosen (forced by a single candidate), the model file is the same bytes
    /// twice, it loads and predicts bit for bit, and a model naming another table is refused with a clear error.
    func testShippedTableModelsAreDeterministicAndBoundToTheirTable() throws {
        let table = try StaticEmbeddings.shipped(environment: [:])
        XCTAssertEqual(table.identity, EmbeddingTableFile.sha256)
        XCTAssertNotNil(table.vector("profit"))
        let (texts, labels) = small
        var options = ClassifierOptions.default
        options.embeddingWeights = [1]
        func train() throws -> (SentimentClassifier, [UInt8], NewModel) {
            let (clf, report) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options, embeddings: table)
            XCTAssertEqual(report.embeddings?.chosenWeight, 1)
            XCTAssertGreaterThan(report.embeddings!.coverage, 0.5)
            let store = try SentimentStore.inMemory()
            let model = clf.newModel(name: "emb", report: report)
            _ = try store.saveModel(model)
            return (clf, try store.exportData(name: "emb"), model)
        }
        let (clf, bytes1, model) = try train()
        let (_, bytes2, _) = try train()
        XCTAssertTrue(bytes1 == bytes2, "same corpus, settings and table: the same model file")
        XCTAssertEqual(clf.vectorizer.config.embeddings?.table, table.identity)
        XCTAssertEqual(clf.model.featureCount, clf.vectorizer.featureCount + table.dimensions)

        let store = try SentimentStore.inMemory()
        let info = try store.importModel(data: bytes1, source: "test")
        let loaded = try SentimentClassifier(stored: store.loadModel(name: info.name))
        XCTAssertEqual(loaded.vectorizer, clf.vectorizer)
        let sample = Array(englishCorpus.texts.suffix(50))
        XCTAssertEqual(loaded.probabilities(sample).map(\.bitPattern), clf.probabilities(sample).map(\.bitPattern))
        XCTAssertTrue(loaded.explain("Profits soar at the bank").toward.contains { $0.feature == SentimentClassifier.embeddingContributionName }
                      || loaded.explain("Profits soar at the bank").against.contains { $0.feature == SentimentClassifier.embeddingContributionName })

        var other = model
        other.name = "other"
        other.featureConfig = other.featureConfig.replacingOccurrences(of: table.identity, with: String(repeating: "ab", count: 32))
        XCTAssertNotEqual(other.featureConfig, model.featureConfig)
        _ = try store.saveModel(other)
        XCTAssertThrowsError(try SentimentClassifier(stored: store.loadModel(name: "other"))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("static word-embedding table abababababab"), text)
            XCTAssertTrue(text.contains("this installation has \(table.identity.prefix(12))"), text)
        }
    }

    /// Predictions collapse the group's columns into one per label: the same probabilities as the full rows (up
    /// to rounding), the same labels, and rows of `labels.count` group columns.
    func testPredictionsOfTheCollapsedGroupMatchTheFullRows() throws {
        let table = try StaticEmbeddings.shipped(environment: [:])
        let (texts, labels) = small
        var options = ClassifierOptions.default
        options.embeddingWeights = [1]
        let (clf, _) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options, embeddings: table)
        let k = clf.labels.count
        let sample = Array(englishCorpus.texts.suffix(200)) + ["", "zzzq qqqz", "not good at all"]
        let full = clf.model.predictProbabilities(clf.vectorizer.transform(sample))
        let fast = clf.probabilities(sample)
        XCTAssertEqual(fast.count, full.count)
        for i in full.indices { XCTAssertEqual(fast[i], full[i], accuracy: 1e-5, "row \(i / k)") }
        for (i, text) in sample.enumerated() {
            let one = clf.predict(text)
            let row = Array(full[i * k..<(i + 1) * k])
            XCTAssertEqual(one.label, clf.labels[row.firstIndex(of: row.max()!)!], text)
        }
        let groupWeights = Array(clf.model.weights[(clf.vectorizer.featureCount * k)...])
        let collapsed = try XCTUnwrap(clf.vectorizer.projectingEmbedding(through: groupWeights, width: k))
        XCTAssertEqual(collapsed.columnCount, clf.vectorizer.featureCount + k)
        let row = collapsed.transform("Profits soar at the bank")
        XCTAssertEqual(row.indices.filter { Int($0) >= clf.vectorizer.featureCount }.count, k)
        XCTAssertNil(clf.vectorizer.projectingEmbedding(through: groupWeights.dropLast().map { $0 }, width: k))
        // A later change of temperature reaches predictions.
        var hot = clf
        hot.model.temperature *= 4
        let p0 = clf.predict("Profits soar at the bank"), p1 = hot.predict("Profits soar at the bank")
        XCTAssertLessThan(p1.confidence, p0.confidence)
    }

    /// The default candidates narrow to one weight besides 0 above the row limit; asked-for or other candidates
    /// stay as they are.
    func testTheDefaultCandidatesNarrowOnALargeCorpus() {
        let o = ClassifierOptions.default, limit = SentimentClassifier.embeddingTrialRowLimit
        XCTAssertEqual(o.embeddingWeights, ClassifierOptions.defaultEmbeddingWeights)
        XCTAssertEqual(StaticEmbeddings.sized(o, rows: limit, asked: false).embeddingWeights, o.embeddingWeights)
        XCTAssertEqual(StaticEmbeddings.sized(o, rows: limit + 1, asked: false).embeddingWeights, [0, 0.5])
        XCTAssertEqual(StaticEmbeddings.sized(o, rows: limit + 1, asked: true).embeddingWeights, o.embeddingWeights)
        var mine = o
        mine.embeddingWeights = [0, 2]
        XCTAssertEqual(StaticEmbeddings.sized(mine, rows: 40_000, asked: false).embeddingWeights, [0, 2])
    }

    /// Over `embeddingTrialRowLimit` rows the group is pooled by root count and each later weight is tried at the
    /// first weight's λ alone; its predictions fold the group into a few values per word and match the full rows,
    /// and the model round-trips through the store bit for bit. Up to the limit the group is a unit-length mean.
    func testALargeCorpusPoolsByRootCountAndPredictsFromFoldedRows() throws {
        let table = try StaticEmbeddings.shipped(environment: [:])
        let (texts, labels) = (englishCorpus.texts, englishCorpus.labels)
        XCTAssertGreaterThan(texts.count, SentimentClassifier.embeddingTrialRowLimit)
        var options = ClassifierOptions.default
        options.charNgramTrial = nil
        options.grid = [1e-3, 1e-4]
        options.embeddingWeights = [0, 0.5]
        let (clf, report) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options, embeddings: table)
        let e = try XCTUnwrap(report.embeddings)
        XCTAssertEqual(e.weights, [0, 0.5])
        XCTAssertEqual(e.meanScores.compactMap { $0 }.count, 2)
        XCTAssertEqual(e.chosenWeight, 0.5, "the group gains on general headlines: \(e)")
        XCTAssertEqual(clf.vectorizer.config.embeddings?.pooling, .rootCount)
        XCTAssertEqual(report.tuning?.grid.count, 1, "the later weight is tried at the first one's λ only")
        XCTAssertEqual(SentimentClassifier.embeddingPooling(rows: texts.count), .rootCount)
        XCTAssertEqual(SentimentClassifier.embeddingPooling(rows: SentimentClassifier.embeddingTrialRowLimit), .unitLength)
        // Deterministic with the warm-started folds: the same corpus and settings give the same model.
        let (again, _) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options, embeddings: table)
        XCTAssertEqual(again.model.weights.map(\.bitPattern), clf.model.weights.map(\.bitPattern))
        XCTAssertEqual(again.model.temperature, clf.model.temperature)

        let k = clf.labels.count
        let sample = Array(texts.prefix(300)) + ["", "zzzq qqqz", "not good at all", "Profits soar, profits soar"]
        let full = clf.model.predictProbabilities(clf.vectorizer.transform(sample))
        let fast = clf.probabilities(sample)
        for i in full.indices { XCTAssertEqual(fast[i], full[i], accuracy: 1e-5, "row \(i / k)") }

        let store = try SentimentStore.inMemory()
        _ = try store.saveModel(clf.newModel(name: "large", report: report))
        let loaded = try SentimentClassifier(stored: store.loadModel(name: "large"))
        XCTAssertEqual(loaded.vectorizer.config.embeddings?.pooling, .rootCount)
        XCTAssertEqual(loaded.probabilities(sample).map(\.bitPattern), fast.map(\.bitPattern))

        // A smaller corpus with the same options: a unit-length mean.
        let (few, fewLabels) = small
        let (smallModel, _) = try SentimentClassifier.fit(texts: few, labels: fewLabels, options: { var o = options; o.embeddingWeights = [1]; return o }(),
                                                          embeddings: table)
        XCTAssertEqual(smallModel.vectorizer.config.embeddings?.pooling, .unitLength)
        // … unless the caller names the pooling (the leave-one-corpus-out calibration pools its folds as the final
        // fit on all corpora does).
        let (named, _) = try SentimentClassifier.fit(texts: few, labels: fewLabels, options: { var o = options; o.embeddingWeights = [1]; return o }(),
                                                     embeddings: table, embeddingPooling: .rootCount)
        XCTAssertEqual(named.vectorizer.config.embeddings?.pooling, .rootCount)
    }

    /// With a parent block after the group (`train --from` a weights-only parent): the collapsed form keeps the
    /// block's weights, and predictions match the full rows.
    func testTheCollapsedGroupKeepsAParentBlock() throws {
        let table = try StaticEmbeddings.shipped(environment: [:])
        let (texts, labels) = small
        var options = ClassifierOptions.default
        options.embeddingWeights = [1]
        options.charNgramTrial = nil
        let (clf, _) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options, embeddings: table)
        let parentRows = Array(englishCorpus.texts.prefix(300)), parentLabels = Array(englishCorpus.labels.prefix(300))
        let (parent, _) = try SentimentClassifier.fit(texts: parentRows, labels: parentLabels, options: options)
        XCTAssertEqual(parent.labels, clf.labels)
        let joined = try XCTUnwrap(clf.vectorizer.besides(parent: parent.vectorizer))
        XCTAssertEqual(joined.parentBlockStart, clf.vectorizer.columnCount)
        let model = SoftmaxModel(labels: clf.labels, featureCount: joined.columnCount,
                                 weights: clf.model.weights + parent.model.weights, bias: clf.model.bias,
                                 temperature: clf.model.temperature)
        let adapted = SentimentClassifier(vectorizer: joined, model: model, options: clf.options)
        let sample = Array(englishCorpus.texts.suffix(100)) + ["", "not good at all"]
        let full = model.predictProbabilities(joined.transform(sample))
        let fast = adapted.probabilities(sample)
        XCTAssertEqual(fast.count, full.count)
        for i in full.indices { XCTAssertEqual(fast[i], full[i], accuracy: 1e-5, "row \(i / clf.labels.count)") }
        // Without the block's weights the scores would differ: the block counts.
        XCTAssertNotEqual(fast, clf.probabilities(sample))

        // A parent with the group makes a block with the group's columns; stored, it loads against the same table.
        let (child, report) = try SentimentClassifier.fit(texts: parentRows, labels: parentLabels, options: options)
        let withGroup = try XCTUnwrap(child.vectorizer.besides(parent: clf.vectorizer))
        XCTAssertEqual(withGroup.columnCount, child.vectorizer.columnCount + clf.vectorizer.columnCount)
        let both = SentimentClassifier(vectorizer: withGroup,
                                       model: SoftmaxModel(labels: clf.labels, featureCount: withGroup.columnCount,
                                                           weights: child.model.weights + clf.model.weights,
                                                           bias: child.model.bias, temperature: 1),
                                       options: child.options)
        let expected = both.model.predictProbabilities(withGroup.transform(sample))
        let got = both.probabilities(sample)
        for i in expected.indices { XCTAssertEqual(got[i], expected[i], accuracy: 1e-6) }
        let store = try SentimentStore.inMemory()
        _ = try store.saveModel(both.newModel(name: "both", report: report))
        let loaded = try SentimentClassifier(stored: store.loadModel(name: "both"))
        XCTAssertEqual(loaded.vectorizer, withGroup)
        XCTAssertEqual(loaded.probabilities(sample).map(\.bitPattern), got.map(\.bitPattern))
    }

    func testATableFileOtherThanTheShippedOneIsNotUsed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("emb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let impostor = dir.appendingPathComponent(EmbeddingTableFile.fileName).path
        try Data(EmbeddingTable.fileBytes([("good", [1])])).write(to: URL(fileURLWithPath: impostor))
        XCTAssertThrowsError(try StaticEmbeddings.load(searching: [impostor], sha256: EmbeddingTableFile.sha256)) { error in
            XCTAssertEqual((error as? EmbeddingTableUnavailable)?.mismatched, [impostor])
            XCTAssertTrue("\(error)".contains("SENTIMENT_EMBEDDINGS"), "\(error)")
        }
        // A file with the right digest but broken content is refused by the parser, not trusted.
        let bytes = Array(EmbeddingTable.fileBytes([("good", [1])]).dropLast())
        try Data(bytes).write(to: URL(fileURLWithPath: impostor))
        XCTAssertThrowsError(try StaticEmbeddings.load(searching: [impostor], sha256: SHA256.hexString(SHA256.hash(bytes)))) { error in
            XCTAssertTrue(error is EmbeddingTableError, "\(error)")
        }
    }
}
