import Foundation
import XCTest
@testable import SoftmaxRegression

final class MetricsTests: XCTestCase {
    func testECEOnAHandComputedExample() {
        // 4 rows, 2 classes. Confidences 0.9, 0.9, 0.6, 0.55 → bins (0.8667,0.9333] and (0.5333,0.6].
        // Bin A: rows 0,1 conf 0.9, correct 1 of 2 → |0.5 − 0.9| = 0.4, weight 2/4.
        // Bin B: rows 2,3 conf 0.575, correct 2 of 2 → |1 − 0.575| = 0.425, weight 2/4.
        let probs: [Float] = [0.9, 0.1, 0.1, 0.9, 0.6, 0.4, 0.45, 0.55]
        let labels = [0, 0, 0, 1]
        let ece = Metrics.expectedCalibrationError(probabilities: probs, labels: labels, bins: 15)
        XCTAssertEqual(ece, 0.5 * 0.4 + 0.5 * 0.425, accuracy: 1e-6)
        // Perfectly confident and right → 0.
        XCTAssertEqual(Metrics.expectedCalibrationError(probabilities: [1, 0, 0, 1], labels: [0, 1]), 0)
        // One bin → |accuracy − mean confidence|.
        let meanConfidence: Double = (0.9 + 0.9 + 0.6 + 0.55) / 4
        XCTAssertEqual(Metrics.expectedCalibrationError(probabilities: probs, labels: labels, bins: 1),
                       abs(0.75 - meanConfidence), accuracy: 1e-6)
    }

    func testClassificationReportAgainstHandComputedConfusion() throws {
        // truth:     a a a b b c
        // predicted: a a b b c c   (via one-hot-ish probabilities)
        let labels = ["a", "b", "c"]
        let truth = [0, 0, 0, 1, 1, 2]
        let predicted = [0, 0, 1, 1, 2, 2]
        var probs = [Float]()
        for p in predicted {
            for c in 0..<3 { probs.append(c == p ? Float(0.8) : Float(0.1)) }
        }
        let r = try ClassificationReport(labels: labels, truth: truth, probabilities: probs)
        XCTAssertEqual(r.confusion, [[2, 1, 0], [0, 1, 1], [0, 0, 1]])
        XCTAssertEqual(r.accuracy, 4.0 / 6, accuracy: 1e-12)
        // a: P = 2/2, R = 2/3; b: P = 1/2, R = 1/2; c: P = 1/2, R = 1.
        let f1a: Double = (4.0 / 3) / (5.0 / 3), f1b: Double = 0.5, f1c: Double = 1 / 1.5
        XCTAssertEqual(r.perClass.map(\.precision), [1, 0.5, 0.5])
        XCTAssertEqual(r.perClass[0].recall, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(r.perClass.map(\.support), [3, 2, 1])
        XCTAssertEqual(r.perClass[0].f1, f1a, accuracy: 1e-12)
        XCTAssertEqual(r.perClass[1].f1, f1b, accuracy: 1e-12)
        XCTAssertEqual(r.perClass[2].f1, f1c, accuracy: 1e-12)
        XCTAssertEqual(r.macroF1, (f1a + f1b + f1c) / 3, accuracy: 1e-12)
        let weighted: Double = (3 * f1a + 2 * f1b + f1c) / 6
        XCTAssertEqual(r.weightedF1, weighted, accuracy: 1e-12)
        let right: Double = -log(Double(Float(0.8))), wrong: Double = -log(Double(Float(0.1)))
        XCTAssertEqual(r.logLoss, (4 * right + 2 * wrong) / 6, accuracy: 1e-6)
        let text = r.rendered()
        XCTAssertTrue(text.contains("precision") && text.contains("macro avg") && text.contains("weighted avg"))
        XCTAssertTrue(text.contains("confusion matrix"))
        XCTAssertTrue(text.contains("0.6667"), text)
    }

    func testZeroDivisionGivesZeroLikeScikitLearn() throws {
        // Class c is never predicted and never true; class b never predicted.
        let r = try ClassificationReport(labels: ["a", "b", "c"], truth: [0, 1], probabilities: [0.9, 0.05, 0.05, 0.9, 0.05, 0.05])
        XCTAssertEqual(r.perClass[1].precision, 0)
        XCTAssertEqual(r.perClass[1].f1, 0)
        XCTAssertEqual(r.perClass[2].recall, 0)
        XCTAssertEqual(r.perClass[2].support, 0)
        XCTAssertEqual(r.perClass[0].precision, 0.5)
        XCTAssertThrowsError(try ClassificationReport(labels: ["a"], truth: [3], probabilities: [1]))
        XCTAssertThrowsError(try ClassificationReport(labels: ["a", "b"], truth: [0], probabilities: [1]))
    }

    func testReportJSONKeys() throws {
        let r = try ClassificationReport(labels: ["a", "b"], truth: [0, 1], probabilities: [0.7, 0.3, 0.2, 0.8])
        let data = try JSONEncoder().encode(r)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(Set(obj.keys), ["accuracy", "macro_f1", "weighted_f1", "log_loss", "ece", "per_class", "confusion", "labels"])
        let first = try XCTUnwrap((obj["per_class"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(first.keys), ["label", "precision", "recall", "f1", "support"])
        XCTAssertEqual(try JSONDecoder().decode(ClassificationReport.self, from: data), r)
    }

    func testExplanationsSumToTheLogit() {
        let m = SoftmaxModel(labels: ["a", "b"], featureCount: 4,
                             weights: [0.5, -0.5, 2, 1, -3, 0, 0.25, 0.75], bias: [0.1, -0.2])
        let idx: [Int32] = [0, 1, 2, 3], val: [Float] = [1, 0.5, 2, 4]
        let z = m.logits(indices: idx, values: val)
        for c in 0..<2 {
            let contrib = m.contributions(indices: idx, values: val, class: c)
            let total = m.bias[c] + contrib.map(\.contribution).reduce(0, +)
            XCTAssertEqual(total, z[c], accuracy: 1e-5)
            let mags = contrib.map { abs($0.contribution) }
            XCTAssertEqual(mags, mags.sorted(by: >))
        }
        // Class a: contributions 0.5, 1, −6, 1 → the largest magnitude is feature 2.
        XCTAssertEqual(m.contributions(indices: idx, values: val, class: 0).first?.feature, 2)
        XCTAssertEqual(m.contributions(indices: idx, values: val, class: 1).count, 3) // w_{2,b} = 0 left out
        let top = m.topFeatures(perClass: 2)
        XCTAssertEqual(top[0].map(\.feature), [1, 0])   // weights a: 0.5, 2, −3, 0.25
        XCTAssertEqual(top[1].map(\.feature), [1, 3])   // weights b: −0.5, 1, 0, 0.75
        XCTAssertEqual(top[1].map(\.weight), [1, 0.75])
    }
}
