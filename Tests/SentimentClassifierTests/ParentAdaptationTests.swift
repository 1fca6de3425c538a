import Sparse
import SoftmaxRegression
import TextFeatures
import XCTest
@testable import SentimentClassifier

/// The parent prior is fitted on the columns some row uses; the others are set to their decoupled optimum.
final class ParentAdaptationTests: XCTestCase {
    func testFittingTheUsedColumnsAloneGivesTheFullFit() throws {
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

        var config = options.training
        config.l2 = 1e-3
        config.tolerance = 1e-7
        let beta = 0.5
        let (full, _) = try SoftmaxTrainer.fit(prior.X, labels: y, labelNames: labelNames, config: config,
                                               prior: prior.weights.map { $0 * beta })
        let (small, _) = try SoftmaxTrainer.fit(used.X, labels: y, labelNames: labelNames, config: config,
                                                prior: used.weights.map { $0 * beta })
        let expanded = used.expanding(small, prior: prior.weights, strength: beta)
        XCTAssertEqual(expanded.featureCount, full.featureCount)
        let k = labelNames.count
        let usedSet = Set(used.columns.map(Int.init))
        var largest: Float = 0
        for j in 0..<full.featureCount {
            for c in 0..<k {
                let w = expanded.weights[j * k + c]
                if !usedSet.contains(j) { XCTAssertEqual(w, Float(beta * prior.weights[j * k + c])) }
                largest = max(largest, abs(w - full.weights[j * k + c]))
            }
        }
        XCTAssertLessThan(largest, 1e-3, "the same optimum, up to the optimizer's tolerance")
        for c in 0..<k { XCTAssertEqual(expanded.bias[c], full.bias[c], accuracy: 1e-3) }
    }
}
