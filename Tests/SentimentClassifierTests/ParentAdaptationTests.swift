import Sparse
import SoftmaxRegression
import TextFeatures
import XCTest
@testable import SentimentClassifier

/// The parent prior is fitted on the columns some row uses; the others are set to their decoupled optimum.
final class ParentAdaptationTests: XCTestCase {
    func testFittingTheUsedColumnsAloneGivesTheFullFit() throws {
        try checkUsedColumnsFit(table: nil)
    }

    /// With the embedding group appended after the joined columns (pulled toward zero): the same.
    func testFittingTheUsedColumnsWithTheEmbeddingGroupGivesTheFullFit() throws {
        let words = ["profit", "loss", "shares", "sales", "rise", "fall", "cut", "record", "jobs", "the"]
        let table = try EmbeddingTable(bytes: EmbeddingTable.fileBytes(words.sorted().enumerated().map { i, w in
            (w, (0..<4).map { Float(($0 * 7 + i * 3) % 5) - 2 })
        }), identity: "test")
        try checkUsedColumnsFit(table: table)
    }

    func checkUsedColumnsFit(table: EmbeddingTable?) throws {
        var options = ClassifierOptions.default
        options.charNgramTrial = nil
        let parentRows = stride(from: 0, to: englishCorpus.count, by: 3)
        let (parent, _) = try SentimentClassifier.fit(texts: parentRows.map { englishCorpus.texts[$0] },
                                                      labels: parentRows.map { englishCorpus.labels[$0] }, options: options)
        let childRows = Array(stride(from: 1, to: englishCorpus.count, by: 3).prefix(150))
        let texts = childRows.map { englishCorpus.texts[$0] }
        let labelNames = parent.labels
        let y = childRows.map { Int32(labelNames.firstIndex(of: englishCorpus.labels[$0])!) }
        let prior = try XCTUnwrap(ParentPrior.make(parent: parent, texts: texts, labels: y, labelNames: labelNames,
                                                   options: options, folds: true, limits: .none))
        let used = prior.usedColumns()
        XCTAssertLessThan(used.columns.count, prior.X.columnCount / 2, "150 rows touch few of the parent's columns")
        XCTAssertEqual(used.X.nonZeroCount, prior.X.nonZeroCount)
        var (fullX, usedX, fullPrior, usedPrior) = (prior.X, used.X, prior.weights, used.weights)
        let appended = table?.dimensions ?? 0
        if let table {
            let means = table.means(texts, tokenizer: prior.vectorizer.config.tokenizer)
            XCTAssertGreaterThan(means.present.filter { $0 }.count, 50, "most rows have a known word")
            fullX = means.appended(to: fullX, weight: 1)
            usedX = means.appended(to: usedX, weight: 1)
            fullPrior += [Double](repeating: 0, count: appended * labelNames.count)
            usedPrior += [Double](repeating: 0, count: appended * labelNames.count)
        }

        var config = options.training
        config.l2 = 1e-3
        config.tolerance = 1e-7
        let beta = 0.5
        let (full, _) = try SoftmaxTrainer.fit(fullX, labels: y, labelNames: labelNames, config: config,
                                               prior: fullPrior.map { $0 * beta })
        let (small, _) = try SoftmaxTrainer.fit(usedX, labels: y, labelNames: labelNames, config: config,
                                                prior: usedPrior.map { $0 * beta })
        let expanded = used.expanding(small, prior: prior.weights, strength: beta)
        XCTAssertEqual(expanded.featureCount, full.featureCount)
        XCTAssertEqual(expanded.featureCount, prior.X.columnCount + appended)
        let k = labelNames.count
        let usedSet = Set(used.columns.map(Int.init))
        var largest: Float = 0
        for j in 0..<full.featureCount {
            for c in 0..<k {
                let w = expanded.weights[j * k + c]
                if j < prior.X.columnCount, !usedSet.contains(j) { XCTAssertEqual(w, Float(beta * prior.weights[j * k + c])) }
                largest = max(largest, abs(w - full.weights[j * k + c]))
            }
        }
        XCTAssertLessThan(largest, 1e-3, "the same optimum, up to the optimizer's tolerance")
        for c in 0..<k { XCTAssertEqual(expanded.bias[c], full.bias[c], accuracy: 1e-3) }
    }
}
