import Foundation
import Sparse
import XCTest
@testable import TextFeatures

final class NaiveBayesWeightsTests: XCTestCase {
    /// Rows × columns presence matrix (every listed column gets the value 1).
    func matrix(_ rows: [[Int32]], columns: Int) -> CSRMatrix {
        var m = CSRMatrix(columnCount: columns)
        for r in rows { m.appendRow(indices: r, values: [Float](repeating: 1, count: r.count)) }
        return m
    }

    func testRatiosFollowTheDefinition() {
        // 3 classes of 4, 2 and 2 rows. Column 0 is in every row; column 1 only in class 0 (3 of 4 rows);
        // column 2 in one row of each class; column 3 nowhere; column 4 in class 2 only (both rows).
        let X = matrix([[0, 1, 2], [0, 1], [0, 1], [0], [0, 2], [0], [0, 2, 4], [0, 4]], columns: 5)
        let y: [Int32] = [0, 0, 0, 0, 1, 1, 2, 2]
        let r = NaiveBayesWeights.ratios(X, labels: y, classCount: 3)
        func expected(_ df: [Double]) -> Double {
            let n = [4.0, 2, 2], all = df.reduce(0, +)
            return (0..<3).map { c in abs(log(((df[c] + 1) / (n[c] + 2)) / ((all - df[c] + 1) / (8 - n[c] + 2)))) }.max()!
        }
        XCTAssertEqual(Double(r[0]), expected([4, 2, 2]), accuracy: 1e-6)
        XCTAssertEqual(Double(r[1]), expected([3, 0, 0]), accuracy: 1e-6)
        XCTAssertEqual(Double(r[2]), expected([1, 1, 1]), accuracy: 1e-6)
        XCTAssertEqual(r[3], 0, "a feature absent from every row gets no weight")
        XCTAssertEqual(Double(r[4]), expected([0, 0, 2]), accuracy: 1e-6)
        // Concentrated features outweigh evenly spread ones.
        XCTAssertGreaterThan(r[1], r[0])
        XCTAssertGreaterThan(r[4], r[2])
    }

    func testTwoClassesGiveTheNBSVMRatioForBothClasses() {
        // NBSVM's |r| is symmetric: the class-0 and class-1 ratios are each other's negatives.
        let X = matrix([[0], [0], [0, 1], [1], [], [0]], columns: 2)
        let y: [Int32] = [1, 1, 1, 0, 0, 0]
        let r = NaiveBayesWeights.ratios(X, labels: y, classCount: 2, alpha: 0.5)
        let p = (3 + 0.5) / (3 + 1.0), q = (1 + 0.5) / (3 + 1.0)
        XCTAssertEqual(Double(r[0]), abs(log(p / q)), accuracy: 1e-6)
        XCTAssertEqual(Double(r[1]), 0, accuracy: 1e-6, "one row of each class: no evidence either way")
    }

    func testScalingColumnsMultipliesTheIDFAndWeighingCountsEqualsTransform() {
        let texts = ["Profit rose 5% in the quarter.", "Sales fell sharply; profit did not rise.",
                     "The outlook is good!", "Net sales were flat.", "Operating loss widened to EUR 2.1 mn ."] + SampleTexts.all
        var configs: [FeatureConfig] = []
        for vocabulary in [VocabularyMode.vocabulary(minDocumentFrequency: 1, maxFeatures: nil), .hashing(buckets: 1 << 12)] {
            var c = FeatureConfig.default
            c.vocabulary = vocabulary
            configs.append(c)
            c.charNgrams = CharNgramRange(min: 2, max: 3)
            configs.append(c)
        }
        for config in configs {
            let v = Vectorizer.fit(texts, config: config)
            let counts = v.counts(texts)
            XCTAssertEqual(v.weigh(counts: counts), v.transform(texts), "counting then weighing is transform")
            let factors = (0..<v.featureCount).map { Float($0 % 7) / 3 }
            let scaled = v.scalingColumns(by: factors)
            XCTAssertEqual(scaled.idf, zip(v.idf, factors).map { $0 * $1 })
            XCTAssertEqual(v.weigh(counts: counts, columnWeights: scaled.idf), scaled.transform(texts))
            // The scaled vectorizer survives a store round trip (its idf is all it needs).
            let rebuilt = Vectorizer(config: scaled.config, featureNames: scaled.featureNames, idf: scaled.idf)
            XCTAssertEqual(rebuilt.transform(texts), scaled.transform(texts))
        }
    }
}
