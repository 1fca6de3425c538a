import Sparse
import SoftmaxRegression
import XCTest

final class OnlineTrainerTests: XCTestCase {
    /// Rows with one of 4 "cue" features (0-1 → class 0, 2-3 → class 1) plus a shared noise feature 4.
    func data(_ n: Int, seed: UInt64) -> (CSRMatrix, [Int32]) {
        var rng = Xoshiro256StarStar(seed: seed)
        var X = CSRMatrix(columnCount: 5)
        var y: [Int32] = []
        for _ in 0..<n {
            let cue = rng.nextInt(below: 4)
            X.appendRow(indices: [Int32(cue), 4], values: [0.8, 0.6])
            y.append(cue < 2 ? 0 : 1)
        }
        return (X, y)
    }

    func testLearnsDeterministically() throws {
        let (X, y) = data(400, seed: 1)
        func train() throws -> (SoftmaxModel, [Double]) {
            let t = try OnlineSoftmaxTrainer(labels: ["a", "b"], featureCount: 5, classWeights: [1, 1], l2: 1e-4,
                                             learningRate: 0.5)
            var losses: [Double] = []
            var rng = Xoshiro256StarStar(seed: 9)
            for _ in 0..<3 {
                var order = Array(0..<X.rowCount)
                rng.shuffle(&order)
                losses.append(t.train(X, labels: y, order: order) / Double(X.rowCount))
            }
            XCTAssertEqual(t.steps, 1200)
            return (t.model(), losses)
        }
        let (m, losses) = try train()
        let (m2, _) = try train()
        XCTAssertEqual(m, m2, "same data, order and settings give the same weights")
        XCTAssertLessThan(losses[2], losses[0])
        XCTAssertLessThan(losses[0], log(2.0), "better than chance already in the first pass")
        XCTAssertEqual(m.predict(X), y.map(Int.init))
        let p = m.predictProbabilities(X)
        for i in 0..<X.rowCount { XCTAssertEqual(p[2 * i] + p[2 * i + 1], 1, accuracy: 1e-5) }
        // Logits agree with the model's own (Double vs Float accumulation).
        let t = try OnlineSoftmaxTrainer(labels: ["a", "b"], featureCount: 5, classWeights: [1, 1], l2: 0,
                                         learningRate: 0.5, warmStart: m)
        for (a, b) in zip(t.logits(X), m.predictLogits(X)) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testClassWeightsShiftAmbiguousRows() throws {
        // Feature 0 alone is seen with both classes equally often: the heavier class wins it.
        var X = CSRMatrix(columnCount: 1)
        var y: [Int32] = []
        for i in 0..<200 { X.appendRow(indices: [0], values: [1]); y.append(Int32(i % 2)) }
        func share(_ w: [Double]) throws -> Float {
            let t = try OnlineSoftmaxTrainer(labels: ["a", "b"], featureCount: 1, classWeights: w, l2: 0, learningRate: 0.1)
            for _ in 0..<5 { t.train(X, labels: y, order: Array(0..<200)) }
            return t.model().predictProbabilities(X)[1]
        }
        XCTAssertGreaterThan(try share([1, 3]), 0.6)
        XCTAssertLessThan(try share([3, 1]), 0.4)
    }

    func testRejectsBadSettings() {
        XCTAssertThrowsError(try OnlineSoftmaxTrainer(labels: ["a"], featureCount: 1, classWeights: [1], l2: 0, learningRate: 0.1))
        XCTAssertThrowsError(try OnlineSoftmaxTrainer(labels: ["a", "b"], featureCount: 1, classWeights: [1], l2: 0, learningRate: 0.1))
        XCTAssertThrowsError(try OnlineSoftmaxTrainer(labels: ["a", "b"], featureCount: 1, classWeights: [1, 1], l2: -1, learningRate: 0.1))
        XCTAssertThrowsError(try OnlineSoftmaxTrainer(labels: ["a", "b"], featureCount: 1, classWeights: [1, 1], l2: 0, learningRate: 0))
    }
}
