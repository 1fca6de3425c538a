import Sparse
import XCTest
@testable import SoftmaxRegression

final class TrainerTests: XCTestCase {
    func accuracy(_ model: SoftmaxModel, _ X: CSRMatrix, _ y: [Int32]) -> Double {
        let p = model.predict(X)
        return Double(zip(p, y).filter { $0 == Int($1) }.count) / Double(y.count)
    }

    func testLearnsASeparableToyProblem() throws {
        // Class c is signalled by feature c (plus a shared noise feature 3).
        var X = CSRMatrix(columnCount: 4)
        var y: [Int32] = []
        for i in 0..<60 {
            let c = Int32(i % 3)
            X.appendRow(indices: [c, 3], values: [Float(1 + Double(i % 4) * 0.1), 0.5])
            y.append(c)
        }
        var cfg = TrainingConfig.default
        cfg.l2 = 1e-3
        cfg.optimizer = .lbfgs
        let (model, run) = try SoftmaxTrainer.fit(X, labels: y, labelNames: ["a", "b", "c"], config: cfg)
        XCTAssertEqual(accuracy(model, X, y), 1.0)
        XCTAssertTrue(run.converged)
        XCTAssertEqual(run.optimizer, .lbfgs)
        XCTAssertLessThan(run.finalLoss, 0.3)
        let p = model.probabilities(indices: [Int32(1)], values: [Float(1)])
        XCTAssertGreaterThan(p[1], 0.8)
    }

    func testLearnsANoisyPlantedProblem() throws {
        let data = SyntheticData(rows: 2000, features: 300, nnzPerRow: 15, classes: 3, noise: 1, seed: 21)
        let Xtr = data.X.rows(0..<1500), ytr = Array(data.labels[0..<1500])
        let Xte = data.X.rows(1500..<2000), yte = Array(data.labels[1500..<2000])
        var cfg = TrainingConfig.default
        cfg.l2 = 1e-3
        cfg.recordLossHistory = true
        let (model, run) = try SoftmaxTrainer.fit(Xtr, labels: ytr, labelNames: data.labelNames, config: cfg)
        XCTAssertGreaterThan(accuracy(model, Xte, yte), 0.6) // chance ≈ 0.33
        let history = try XCTUnwrap(run.lossHistory)
        XCTAssertEqual(history.count, run.iterations + 1)
        for i in 1..<history.count { XCTAssertLessThanOrEqual(history[i], history[i - 1]) } // Armijo ⇒ monotone
        XCTAssertEqual(history.last!, run.finalLoss)
    }

    func testAdaGradLearnsAndIsDeterministic() throws {
        let data = SyntheticData(rows: 2000, features: 300, nnzPerRow: 15, classes: 3, noise: 1, seed: 21)
        let Xtr = data.X.rows(0..<1500), ytr = Array(data.labels[0..<1500])
        let Xte = data.X.rows(1500..<2000), yte = Array(data.labels[1500..<2000])
        var cfg = TrainingConfig.default
        cfg.l2 = 1e-4
        cfg.optimizer = .adagrad
        cfg.maxEpochs = 10
        cfg.validationFraction = 0.1
        let (m1, run) = try SoftmaxTrainer.fit(Xtr, labels: ytr, labelNames: data.labelNames, config: cfg)
        let (m2, _) = try SoftmaxTrainer.fit(Xtr, labels: ytr, labelNames: data.labelNames, config: cfg)
        XCTAssertEqual(run.optimizer, .adagrad)
        XCTAssertEqual(m1, m2)
        XCTAssertGreaterThan(accuracy(m1, Xte, yte), 0.6)
        cfg.seed = 99
        let (m3, _) = try SoftmaxTrainer.fit(Xtr, labels: ytr, labelNames: data.labelNames, config: cfg)
        XCTAssertNotEqual(m1.weights, m3.weights)
    }

    func testTwoFitsAreBitIdentical() throws {
        let data = SyntheticData(rows: 800, features: 200, nnzPerRow: 12, classes: 4, noise: 1, seed: 4)
        let cfg = TrainingConfig.default
        let (a, ra) = try SoftmaxTrainer.fit(data.X, labels: data.labels, labelNames: data.labelNames, config: cfg)
        let (b, rb) = try SoftmaxTrainer.fit(data.X, labels: data.labels, labelNames: data.labelNames, config: cfg)
        XCTAssertEqual(a, b)
        XCTAssertEqual(ra, rb)
        XCTAssertEqual(a.predictProbabilities(data.X), b.predictProbabilities(data.X))
        // Parallel prediction equals row-by-row prediction.
        let all = a.predictProbabilities(data.X)
        for i in [0, 399, 400, 799] {
            let r = data.X.row(i)
            XCTAssertEqual(Array(all[(i * 4)..<(i * 4 + 4)]), a.probabilities(indices: r.indices, values: r.values))
        }
    }

    func testWarmStartFromAConvergedModelNeedsFewIterations() throws {
        let data = SyntheticData(rows: 1000, features: 200, nnzPerRow: 12, classes: 3, noise: 1, seed: 8)
        var cfg = TrainingConfig.default
        cfg.l2 = 1e-3
        // Default tolerances: the warm fit needs far fewer iterations than the cold one.
        let (approx, approxRun) = try SoftmaxTrainer.fit(data.X, labels: data.labels, labelNames: data.labelNames, config: cfg)
        let (_, approxWarmRun) = try SoftmaxTrainer.fit(data.X, labels: data.labels, labelNames: data.labelNames, config: cfg, warmStart: approx)
        XCTAssertLessThan(approxWarmRun.iterations * 2, approxRun.iterations)
        // Tight tolerances: from a converged model a few iterations at most.
        cfg.tolerance = 1e-7
        cfg.lossTolerance = 0
        cfg.maxIterations = 1000
        let (cold, coldRun) = try SoftmaxTrainer.fit(data.X, labels: data.labels, labelNames: data.labelNames, config: cfg)
        let (warm, warmRun) = try SoftmaxTrainer.fit(data.X, labels: data.labels, labelNames: data.labelNames, config: cfg, warmStart: cold)
        XCTAssertTrue(coldRun.converged)
        XCTAssertGreaterThan(coldRun.iterations, 10)
        XCTAssertLessThanOrEqual(warmRun.iterations, 3)
        XCTAssertLessThanOrEqual(warmRun.finalLoss, coldRun.finalLoss + 1e-9)
        XCTAssertEqual(accuracy(warm, data.X, data.labels), accuracy(cold, data.X, data.labels), accuracy: 0.01)
        // Mismatched label set or feature count is rejected.
        XCTAssertThrowsError(try SoftmaxTrainer.fit(data.X, labels: data.labels, labelNames: ["x", "y", "z"], config: cfg, warmStart: cold))
        let grown = cold.remapped(featureCount: 250, mapping: (0..<200).map { Int32($0) })
        XCTAssertThrowsError(try SoftmaxTrainer.fit(data.X, labels: data.labels, labelNames: data.labelNames, config: cfg, warmStart: grown))
    }

    func testRemappingMovesWeightsAndZeroesNewFeatures() {
        let m = SoftmaxModel(labels: ["a", "b"], featureCount: 3, weights: [1, 2, 3, 4, 5, 6], bias: [0.5, -0.5], temperature: 2)
        // old 0 → new 2, old 1 dropped, old 2 → new 0; new feature 1 and 3 start at zero.
        let r = m.remapped(featureCount: 4, mapping: [2, nil, 0])
        XCTAssertEqual(r.featureCount, 4)
        XCTAssertEqual(r.weights, [5, 6, 0, 0, 1, 2, 0, 0])
        XCTAssertEqual(r.bias, m.bias)
        XCTAssertEqual(r.temperature, 2)
        let viaClosure = m.remapped(featureCount: 4) { old in old == 1 ? nil : 2 - old }
        XCTAssertEqual(viaClosure, r)
        // Same logits for a row expressed in the new indexing.
        XCTAssertEqual(m.logits(indices: [Int32(0), 2], values: [Float(1), 2]), r.logits(indices: [Int32(0), 2], values: [Float(2), 1]))
    }

    func testBadInputThrowsTypedErrors() {
        var X = CSRMatrix(columnCount: 2)
        X.appendRow(indices: [Int32(0)], values: [Float(1)])
        X.appendRow(indices: [Int32(1)], values: [Float(1)])
        XCTAssertThrowsError(try SoftmaxTrainer.fit(X, labels: [0], labelNames: ["a", "b"])) {
            XCTAssertEqual($0 as? SoftmaxError, .labelCountMismatch(rows: 2, labels: 1))
        }
        XCTAssertThrowsError(try SoftmaxTrainer.fit(X, labels: [0, 2], labelNames: ["a", "b"])) {
            XCTAssertEqual($0 as? SoftmaxError, .labelOutOfRange(row: 1, label: 2, classCount: 2))
        }
        XCTAssertThrowsError(try SoftmaxTrainer.fit(X, labels: [0, 0], labelNames: ["a"]))
        var cfg = TrainingConfig.default
        cfg.classWeighting = .explicit(["c": 2])
        XCTAssertThrowsError(try SoftmaxTrainer.fit(X, labels: [0, 1], labelNames: ["a", "b"], config: cfg)) {
            XCTAssertEqual($0 as? SoftmaxError, .unknownLabelInClassWeights("c", known: ["a", "b"]))
        }
        cfg = .default
        cfg.l2 = -1
        XCTAssertThrowsError(try SoftmaxTrainer.fit(X, labels: [0, 1], labelNames: ["a", "b"], config: cfg))
    }

    func testClassWeightsShiftPredictionsTowardsTheWeightedClass() throws {
        let data = SyntheticData(rows: 1200, features: 150, nnzPerRow: 10, classes: 3, noise: 2, seed: 12)
        var cfg = TrainingConfig.default
        cfg.l2 = 1e-3
        cfg.classWeighting = ClassWeighting.none
        let (plain, _) = try SoftmaxTrainer.fit(data.X, labels: data.labels, labelNames: data.labelNames, config: cfg)
        cfg.classWeighting = .explicit(["class0": 5])
        let (weighted, _) = try SoftmaxTrainer.fit(data.X, labels: data.labels, labelNames: data.labelNames, config: cfg)
        let n0 = plain.predict(data.X).filter { $0 == 0 }.count
        let w0 = weighted.predict(data.X).filter { $0 == 0 }.count
        XCTAssertGreaterThan(w0, n0)
    }

    func testCodableModelAndConfigRoundTrip() throws {
        let m = SoftmaxModel(labels: ["a", "b"], featureCount: 1, weights: [1, -1], bias: [0.25, 0], temperature: 1.5)
        XCTAssertEqual(try JSONDecoder().decode(SoftmaxModel.self, from: JSONEncoder().encode(m)), m)
        var cfg = TrainingConfig.default
        cfg.classWeighting = .explicit(["a": 2])
        XCTAssertEqual(try JSONDecoder().decode(TrainingConfig.self, from: JSONEncoder().encode(cfg)), cfg)
    }
}
