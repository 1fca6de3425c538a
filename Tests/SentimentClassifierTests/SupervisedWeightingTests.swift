import Sparse
import SoftmaxRegression
import TextFeatures
import XCTest
@testable import SentimentClassifier

final class SupervisedWeightingTests: XCTestCase {
    /// Cross-validation folds learn the naive Bayes ratios from their training rows only: a fold's matrices are
    /// what a classifier fitted on the training rows alone would give, whatever the validation rows' labels are.
    func testFoldFeaturesLearnFromTheTrainingRowsOnly() throws {
        let idx = Array(stride(from: 0, to: englishCorpus.count, by: 4))
        let texts = idx.map { englishCorpus.texts[$0] }
        let names = ["negative", "neutral", "positive"]
        let y = idx.map { Int32(names.firstIndex(of: englishCorpus.labels[$0])!) }
        let options = ClassifierOptions.default
        let (_, _, folds) = try SentimentClassifier.features(texts, labels: y, classCount: 3, options: options, folds: true)
        let foldFeatures = try XCTUnwrap(folds)
        let train = Array(0..<(texts.count / 2)), validation = Array((texts.count / 2)..<texts.count)
        let (Xtr, Xva) = foldFeatures(train, validation)
        // Expected: the vocabulary and idf of all texts (unsupervised), ratios from the training half.
        let base = Vectorizer.fit(texts, config: options.features)
        let r = NaiveBayesWeights.ratios(base.counts(train.map { texts[$0] }), labels: train.map { y[$0] }, classCount: 3)
        let v = base.scalingColumns(by: r)
        XCTAssertEqual(Xtr, v.transform(train.map { texts[$0] }))
        XCTAssertEqual(Xva, v.transform(validation.map { texts[$0] }))
        // Relabelling the validation rows changes nothing in the fold's matrices.
        var shuffled = y
        for i in validation { shuffled[i] = (shuffled[i] + 1) % 3 }
        let (_, _, again) = try SentimentClassifier.features(texts, labels: shuffled, classCount: 3, options: options, folds: true)
        let (Xtr2, Xva2) = try XCTUnwrap(again)(train, validation)
        XCTAssertEqual(Xtr2, Xtr)
        XCTAssertEqual(Xva2, Xva)
    }
}
