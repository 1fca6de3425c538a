import Sparse
import XCTest
@testable import SoftmaxRegression

final class ObjectiveTests: XCTestCase {
    /// Small random problem: 30 rows, 8 features, 3 classes.
    func smallProblem(seed: UInt64 = 5) -> (CSRMatrix, [Int32]) {
        var rng = Xoshiro256StarStar(seed: seed)
        var X = CSRMatrix(columnCount: 8)
        var y: [Int32] = []
        for _ in 0..<30 {
            let idx = (0..<8).filter { _ in rng.nextUnit() < 0.5 }.map { Int32($0) }
            X.appendRow(indices: idx, values: idx.map { _ in Float(rng.nextUnit() * 2 - 0.5) })
            y.append(Int32(rng.nextInt(below: 3)))
        }
        return (X, y)
    }

    func testGradientMatchesFiniteDifferences() {
        let (X, y) = smallProblem()
        let weights = try! ClassWeighting.explicit(["a": 3, "c": 0.5]).resolve(labelNames: ["a", "b", "c"], labels: y)
        XCTAssertEqual(weights, [3, 1, 0.5])
        let obj = SoftmaxObjective(X: X, labels: y, classWeights: weights, l2: 0.3, blocks: 2)
        var rng = Xoshiro256StarStar(seed: 9)
        let theta = (0..<obj.parameterCount).map { _ in rng.nextUnit() * 2 - 1 }
        var g = [Double]()
        _ = obj.evaluate(theta, gradient: &g)
        var numeric = [Double](repeating: 0, count: theta.count)
        let h = 1e-6
        for p in theta.indices {
            var tp = theta, tm = theta
            tp[p] += h; tm[p] -= h
            numeric[p] = (obj.loss(tp) - obj.loss(tm)) / (2 * h)
        }
        var diff = 0.0, norm = 0.0
        for p in theta.indices { diff += (g[p] - numeric[p]) * (g[p] - numeric[p]); norm += numeric[p] * numeric[p] }
        XCTAssertLessThan(diff.squareRoot() / norm.squareRoot(), 1e-4)
        for p in theta.indices { XCTAssertEqual(g[p], numeric[p], accuracy: 1e-5 * max(1, abs(numeric[p]))) }
    }

    func testL2TowardAPriorPullsToItAndHasTheRightGradient() throws {
        let (X, y) = smallProblem()
        var rng = Xoshiro256StarStar(seed: 11)
        let prior = (0..<(8 * 3)).map { _ in rng.nextUnit() * 4 - 2 }
        let obj = SoftmaxObjective(X: X, labels: y, classWeights: [1, 1, 1], l2: 0.3, blocks: 2, prior: prior)
        let zero = SoftmaxObjective(X: X, labels: y, classWeights: [1, 1, 1], l2: 0.3, blocks: 2)
        let theta = (0..<obj.parameterCount).map { _ in rng.nextUnit() * 2 - 1 }
        // The penalty is (λ/2)‖W − W₀‖² instead of (λ/2)‖W‖²; the data term is the same.
        let shift = zip(theta, prior).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) - theta.prefix(24).map { $0 * $0 }.reduce(0, +)
        XCTAssertEqual(obj.loss(theta) - zero.loss(theta), 0.15 * shift, accuracy: 1e-9)
        var g = [Double]()
        _ = obj.evaluate(theta, gradient: &g)
        let h = 1e-6
        for p in theta.indices {
            var tp = theta, tm = theta
            tp[p] += h; tm[p] -= h
            XCTAssertEqual(g[p], (obj.loss(tp) - obj.loss(tm)) / (2 * h), accuracy: 1e-5)
        }
        // Strong L2 toward the prior: the fit lands on it; toward zero it would land near zero.
        var cfg = TrainingConfig.default
        cfg.l2 = 1e3
        cfg.classWeighting = .none
        let (m, _) = try SoftmaxTrainer.fit(X, labels: y, labelNames: ["a", "b", "c"], config: cfg, prior: prior)
        for (w, w0) in zip(m.weights, prior) { XCTAssertEqual(Double(w), w0, accuracy: 0.01) }
        XCTAssertThrowsError(try SoftmaxTrainer.fit(X, labels: y, labelNames: ["a", "b", "c"], config: cfg, prior: [1]))
    }

    func testLossDefinitionByHand() {
        // One feature, two rows, two classes; theta chosen so the loss is easy to write down.
        var X = CSRMatrix(columnCount: 1)
        X.appendRow(indices: [Int32(0)], values: [Float(1)])
        X.appendRow(indices: [Int32](), values: [Float]())
        let y: [Int32] = [0, 1]
        let obj = SoftmaxObjective(X: X, labels: y, classWeights: [2, 1], l2: 0.5, blocks: 1)
        let theta = [1.0, -1.0, 0.25, 0.0]   // w_{0,0}, w_{0,1}, b_0, b_1
        let z0 = [1.0 + 0.25, -1.0], z1 = [0.25, 0.0]
        let l0 = -SoftmaxMath.logSoftmax(z0)[0], l1 = -SoftmaxMath.logSoftmax(z1)[1]
        let dataTerm: Double = (2 * l0 + l1) / 2
        let penalty: Double = 0.25 * 2
        let expected = dataTerm + penalty
        XCTAssertEqual(obj.loss(theta), expected, accuracy: 1e-12)
    }

    func testClassWeightsChangeTheLoss() {
        let (X, y) = smallProblem()
        let theta: [Double] = (0..<27).map { (i: Int) -> Double in Double(i % 5) * 0.1 - 0.2 }
        let plain = SoftmaxObjective(X: X, labels: y, classWeights: [1, 1, 1], l2: 0).loss(theta)
        let weighted = SoftmaxObjective(X: X, labels: y, classWeights: [3, 1, 1], l2: 0).loss(theta)
        XCTAssertNotEqual(plain, weighted)
        XCTAssertGreaterThan(weighted, plain) // class 0 rows count three times, losses are positive
    }

    func testBalancedWeightsFormula() throws {
        // n = 6, k = 3, counts 3, 2, 1 → 6/(3·3), 6/(3·2), 6/(3·1).
        let w = try ClassWeighting.balanced.resolve(labelNames: ["x", "y", "z"], labels: [0, 0, 0, 1, 1, 2])
        XCTAssertEqual(w[0], 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(w[1], 1, accuracy: 1e-12)
        XCTAssertEqual(w[2], 2, accuracy: 1e-12)
        XCTAssertEqual(try ClassWeighting.none.resolve(labelNames: ["x", "y"], labels: [0, 0, 1]), [1, 1])
    }

    func testL2ExcludesBias() {
        let (X, y) = smallProblem()
        let P = 8 * 3 + 3
        var theta = [Double](repeating: 0, count: P)
        theta[P - 3] = 2; theta[P - 2] = -1; theta[P - 1] = 0.5 // biases only
        let reg = SoftmaxObjective(X: X, labels: y, classWeights: [1, 1, 1], l2: 10)
        let free = SoftmaxObjective(X: X, labels: y, classWeights: [1, 1, 1], l2: 0)
        var g1 = [Double](), g2 = [Double]()
        XCTAssertEqual(reg.evaluate(theta, gradient: &g1), free.evaluate(theta, gradient: &g2))
        XCTAssertEqual(g1, g2)
        // With a non-zero weight the penalty appears: (λ/2)·w² and λ·w in the gradient.
        theta[0] = 0.5
        let d = reg.evaluate(theta, gradient: &g1) - free.evaluate(theta, gradient: &g2)
        XCTAssertEqual(d, 10 / 2 * 0.25, accuracy: 1e-12)
        XCTAssertEqual(g1[0] - g2[0], 10 * 0.5, accuracy: 1e-12)
        XCTAssertEqual(Array(g1[(P - 3)...]), Array(g2[(P - 3)...]))
    }

    func testParallelBlocksAgreeWithSingleBlockAndAreRepeatable() {
        let data = SyntheticData(rows: 500, features: 200, nnzPerRow: 10, classes: 3, noise: 1, seed: 3)
        let one = SoftmaxObjective(X: data.X, labels: data.labels, classWeights: [1, 2, 1], l2: 1e-3, blocks: 1)
        let two = SoftmaxObjective(X: data.X, labels: data.labels, classWeights: [1, 2, 1], l2: 1e-3, blocks: 2)
        let theta: [Double] = (0..<one.parameterCount).map { (i: Int) -> Double in Double((i * 7919) % 13) * 0.01 - 0.06 }
        var g1 = [Double](), g2 = [Double](), g3 = [Double]()
        let l1 = one.evaluate(theta, gradient: &g1), l2 = two.evaluate(theta, gradient: &g2)
        XCTAssertEqual(l1, l2, accuracy: 1e-12)
        for p in g1.indices { XCTAssertEqual(g1[p], g2[p], accuracy: 1e-12) }
        XCTAssertEqual(two.evaluate(theta, gradient: &g3), l2)
        XCTAssertEqual(g3, g2)
    }

    func testPreconditionedLBFGSReachesTheSameOptimum() {
        let data = SyntheticData(rows: 400, features: 100, nnzPerRow: 8, classes: 3, noise: 1, seed: 13)
        let weights: [Double] = [1, 1.5, 0.7]
        let obj = SoftmaxObjective(X: data.X, labels: data.labels, classWeights: weights, l2: 1e-2, blocks: 1)
        var plain = LBFGS()
        plain.gradientTolerance = 1e-9
        plain.relativeLossTolerance = 0
        plain.maxIterations = 2000
        var pre = plain
        pre.diagonal = SoftmaxTrainer.diagonalPreconditioner(data.X, labels: data.labels, classWeights: weights, l2: 1e-2)
        let x0 = [Double](repeating: 0, count: obj.parameterCount)
        let a = plain.minimize(x0) { x, g in obj.evaluateRaw(x, gradient: g) }
        let b = pre.minimize(x0) { x, g in obj.evaluateRaw(x, gradient: g) }
        XCTAssertTrue(a.converged && b.converged)
        XCTAssertEqual(a.loss, b.loss, accuracy: 1e-10)
        for p in a.x.indices { XCTAssertEqual(a.x[p], b.x[p], accuracy: 1e-5) }
    }
}
