import Foundation
import Sparse
import XCTest
@testable import SoftmaxRegression

final class TuningTests: XCTestCase {
    func testStratifiedFoldsPartitionRowsAndKeepProportions() {
        var labels: [Int32] = []
        for i in 0..<103 { labels.append(i % 10 < 6 ? 0 : (i % 10 < 9 ? 1 : 2)) }
        let folds = CrossValidation.stratifiedFolds(labels: labels, k: 5, seed: 1)
        XCTAssertEqual(folds.count, 5)
        XCTAssertEqual(folds.flatMap { $0 }.sorted(), Array(0..<103))
        for c in Int32(0)...2 {
            let total = labels.filter { $0 == c }.count
            for f in folds {
                let inFold = f.filter { labels[$0] == c }.count
                XCTAssertTrue(inFold == total / 5 || inFold == (total + 4) / 5, "class \(c): \(inFold) of \(total)")
            }
        }
        let sizes = folds.map(\.count)
        XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1)
        XCTAssertEqual(CrossValidation.stratifiedFolds(labels: labels, k: 5, seed: 1), folds)
        XCTAssertNotEqual(CrossValidation.stratifiedFolds(labels: labels, k: 5, seed: 2), folds)
    }

    /// Each fold's parameters at the chosen λ come back when asked for, and a tuning started from them (`initial`)
    /// reaches the same choice in fewer iterations; starting points of the wrong shape are refused.
    func testFoldsStartFromGivenParameters() throws {
        let data = SyntheticData(rows: 600, features: 150, nnzPerRow: 10, classes: 3, noise: 1, seed: 7)
        let grid = [1e-3]
        let cold = try CrossValidation.tuneWithOutOfFoldLogits(data.X, labels: data.labels, labelNames: data.labelNames,
                                                               grid: grid, folds: 3, keepFoldParameters: true)
        let plain = try CrossValidation.tuneWithOutOfFoldLogits(data.X, labels: data.labels, labelNames: data.labelNames,
                                                                grid: grid, folds: 3)
        XCTAssertEqual(plain.foldParameters, [], "kept only when asked for")
        XCTAssertEqual(plain.result, cold.result)
        let P = data.X.columnCount * 3 + 3
        XCTAssertEqual(cold.foldParameters.count, 3)
        XCTAssertTrue(cold.foldParameters.allSatisfy { $0.count == P })
        XCTAssertNotEqual(cold.foldParameters[0], cold.foldParameters[1], "each fold's own model")
        let warm = try CrossValidation.tuneWithOutOfFoldLogits(data.X, labels: data.labels, labelNames: data.labelNames,
                                                               grid: grid, folds: 3, initial: cold.foldParameters)
        XCTAssertLessThan(warm.result.iterations[0], cold.result.iterations[0] / 2, "already at the optimum")
        XCTAssertEqual(warm.result.meanScores[0]!, cold.result.meanScores[0]!, accuracy: 0.01)
        // A grid of one λ makes each fold's matrices only while it is fitted: the same fits as the first step of a
        // longer path.
        let path = try CrossValidation.tuneWithOutOfFoldLogits(data.X, labels: data.labels, labelNames: data.labelNames,
                                                               grid: grid + [1e-4], folds: 3, pathPatience: 0,
                                                               keepFoldParameters: true)
        XCTAssertEqual(path.result.meanScores[0], cold.result.meanScores[0])
        XCTAssertEqual(path.result.iterations[0], cold.result.iterations[0])
        for bad in [Array(cold.foldParameters.prefix(2)), cold.foldParameters.map { Array($0.dropLast()) }] {
            XCTAssertThrowsError(try CrossValidation.tuneWithOutOfFoldLogits(
                data.X, labels: data.labels, labelNames: data.labelNames, grid: grid, folds: 3, initial: bad))
        }
    }

    func testTuningIsDeterministicAndPicksABestMeanScore() throws {
        let data = SyntheticData(rows: 900, features: 200, nnzPerRow: 12, classes: 3, noise: 1, seed: 31)
        let grid = [1e-1, 1e-2, 1e-3, 1e-4]
        let a = try CrossValidation.tuneWithOutOfFoldLogits(data.X, labels: data.labels, labelNames: data.labelNames,
                                                            grid: grid, folds: 3, pathPatience: 0)
        let b = try CrossValidation.tuneWithOutOfFoldLogits(data.X, labels: data.labels, labelNames: data.labelNames,
                                                            grid: grid, folds: 3, pathPatience: 0)
        XCTAssertEqual(a.result, b.result)
        XCTAssertEqual(a.outOfFoldLogits, b.outOfFoldLogits)
        let r = a.result
        XCTAssertEqual(r.grid, grid)
        XCTAssertEqual(r.meanScores.count, 4)
        XCTAssertEqual(r.stdScores.count, 4)
        XCTAssertEqual(r.chosenL2, grid[r.chosenIndex])
        let means = r.meanScores.compactMap { $0 }
        XCTAssertEqual(means.count, 4) // pathPatience 0: the whole grid
        XCTAssertEqual(r.meanScores[r.chosenIndex], means.max()!)
        XCTAssertTrue(r.stdScores.allSatisfy { ($0 ?? -1) >= 0 })
        XCTAssertGreaterThan(r.meanScores[r.chosenIndex]!, means[0]) // λ = 0.1 underfits
        XCTAssertTrue(r.iterations.allSatisfy { $0 > 0 })
        XCTAssertEqual(a.outOfFoldLogits.count, 900 * 3)
        // Out-of-fold logits predict better than chance.
        let pred = Metrics.argmax(a.outOfFoldLogits, classCount: 3)
        let acc = Double(zip(pred, data.labels).filter { $0 == Int($1) }.count) / 900
        XCTAssertGreaterThan(acc, 0.55)
        XCTAssertEqual(try JSONDecoder().decode(TuningResult.self, from: JSONEncoder().encode(r)), r)
    }

    func testRegularizationPathStopsAfterTwoWorseValues() throws {
        let data = SyntheticData(rows: 600, features: 150, nnzPerRow: 10, classes: 3, noise: 1, seed: 33)
        // Repeated λ = 1e-3 refits (warm-started at the optimum) cannot beat the first one, so
        // the walk (strong → weak, ties in index order) stops before λ = 1e-4.
        let grid = [1e-4, 1e-1, 1e-2, 1e-3, 1e-3, 1e-3]
        var cfg = TrainingConfig.default
        cfg.tolerance = 1e-7     // solve each fit tightly so a repeated fit changes nothing
        cfg.lossTolerance = 0
        cfg.maxIterations = 1000
        let full = try CrossValidation.tune(data.X, labels: data.labels, labelNames: data.labelNames, grid: grid, folds: 3,
                                            config: cfg, pathPatience: 0)
        let early = try CrossValidation.tune(data.X, labels: data.labels, labelNames: data.labelNames, grid: grid, folds: 3,
                                             config: cfg, pathPatience: 2)
        XCTAssertTrue(full.meanScores.allSatisfy { $0 != nil })
        let walk = [1, 2, 3, 4, 5, 0]
        var best = -Double.infinity, worse = 0, evaluated = Set<Int>()
        for g in walk {
            evaluated.insert(g)
            let m = full.meanScores[g]!
            if m > best + 1e-12 { best = m; worse = 0 } else { worse += 1; if worse >= 2 { break } }
        }
        XCTAssertFalse(evaluated.contains(0), "\(full.meanScores)")
        for g in 0..<grid.count {
            if evaluated.contains(g) {
                XCTAssertEqual(early.meanScores[g], full.meanScores[g])
            } else {
                XCTAssertNil(early.meanScores[g]); XCTAssertNil(early.stdScores[g]); XCTAssertEqual(early.iterations[g], 0)
            }
        }
        XCTAssertEqual(try JSONDecoder().decode(TuningResult.self, from: JSONEncoder().encode(early)), early)
    }

    func testFitTunedCalibratesAndReportsECE() throws {
        let data = SyntheticData(rows: 900, features: 200, nnzPerRow: 12, classes: 3, noise: 1, seed: 32)
        let res = try SoftmaxTrainer.fitTuned(data.X, labels: data.labels, labelNames: data.labelNames,
                                              grid: [1e-2, 1e-3, 1e-4], folds: 3)
        XCTAssertEqual(res.model.temperature, res.calibration.temperature)
        XCTAssertGreaterThan(res.calibration.temperature, 0)
        XCTAssertLessThanOrEqual(res.calibration.logLossAfter, res.calibration.logLossBefore + 1e-12)
        XCTAssertTrue(res.calibration.eceBefore.isFinite && res.calibration.eceAfter.isFinite)
        XCTAssertEqual(res.tuning.chosenL2, res.tuning.grid[res.tuning.chosenIndex])
        let again = try SoftmaxTrainer.fitTuned(data.X, labels: data.labels, labelNames: data.labelNames,
                                                grid: [1e-2, 1e-3, 1e-4], folds: 3)
        XCTAssertEqual(res, again)
        XCTAssertThrowsError(try CrossValidation.tune(data.X, labels: data.labels, labelNames: data.labelNames, grid: [], folds: 3))
        XCTAssertThrowsError(try CrossValidation.tune(data.X, labels: data.labels, labelNames: data.labelNames, grid: [1e-3], folds: 1))
    }

    func testFoldFeaturesMakeEveryFoldsMatrices() throws {
        let data = SyntheticData(rows: 600, features: 150, nnzPerRow: 10, classes: 3, noise: 1, seed: 34)
        let grid = [1e-2, 1e-3]
        // Rows of X: the same result as without the hook.
        final class Calls: @unchecked Sendable {
            let lock = NSLock()
            var seen: [(train: [Int], validation: [Int])] = []
        }
        let calls = Calls()
        let X = data.X
        let rowsOfX: FoldFeatures = { train, validation in
            calls.lock.lock(); calls.seen.append((train, validation)); calls.lock.unlock()
            return (X.rows(train), X.rows(validation))
        }
        let plain = try CrossValidation.tuneWithOutOfFoldLogits(X, labels: data.labels, labelNames: data.labelNames,
                                                                grid: grid, folds: 4)
        let hooked = try CrossValidation.tuneWithOutOfFoldLogits(X, labels: data.labels, labelNames: data.labelNames,
                                                                 grid: grid, folds: 4, foldFeatures: rowsOfX)
        XCTAssertEqual(plain.result, hooked.result)
        XCTAssertEqual(plain.outOfFoldLogits, hooked.outOfFoldLogits)
        // Called once per fold with disjoint training and validation rows; the validation rows partition the data.
        XCTAssertEqual(calls.seen.count, 4)
        let folds = CrossValidation.stratifiedFolds(labels: data.labels, k: 4, seed: TrainingConfig.default.seed)
        XCTAssertEqual(Set(calls.seen.map(\.validation)), Set(folds))
        for call in calls.seen {
            XCTAssertTrue(Set(call.train).isDisjoint(with: call.validation))
            XCTAssertEqual((call.train + call.validation).sorted(), Array(0..<600))
        }
        // The fold matrices are what is trained and scored: all-zero features leave only the class priors.
        let blank: FoldFeatures = { train, validation in
            (CSRMatrix(columnCount: X.columnCount, rowOffsets: [Int](repeating: 0, count: train.count + 1), columnIndices: [], values: []),
             CSRMatrix(columnCount: X.columnCount, rowOffsets: [Int](repeating: 0, count: validation.count + 1), columnIndices: [], values: []))
        }
        let prior = try CrossValidation.tuneWithOutOfFoldLogits(X, labels: data.labels, labelNames: data.labelNames,
                                                                grid: grid, folds: 4, foldFeatures: blank)
        XCTAssertLessThan(prior.result.meanScores[prior.result.chosenIndex]!, plain.result.meanScores[plain.result.chosenIndex]! - 0.1)
    }

    func testTemperatureRecoversAKnownTemperature() {
        var rng = Xoshiro256StarStar(seed: 77)
        let n = 20000, k = 3, t0 = 2.0
        var logits = [Float](), labels = [Int32]()
        for _ in 0..<n {
            let z = (0..<k).map { _ in (rng.nextUnit() * 2 - 1) * 6 }
            let p = SoftmaxMath.softmax(z.map { $0 / t0 })
            var u = rng.nextUnit(), c = 0
            while c < k - 1 && u >= p[c] { u -= p[c]; c += 1 }
            logits += z.map { Float($0) }
            labels.append(Int32(c))
        }
        let t = TemperatureScaling.fit(logits: logits, labels: labels, classCount: k)
        XCTAssertEqual(Double(t), t0, accuracy: 0.1)
        let nllFit = TemperatureScaling.negativeLogLikelihood(logits: logits, labels: labels, classCount: k, temperature: Double(t))
        let nllOne = TemperatureScaling.negativeLogLikelihood(logits: logits, labels: labels, classCount: k, temperature: 1)
        XCTAssertLessThan(nllFit, nllOne)
        XCTAssertEqual(TemperatureScaling.fit(logits: [], labels: [], classCount: 3), 1)
    }

    /// An optimum at an end of the search range is no temperature: held-out rows all right (the loss falls as T → 0)
    /// or all wrong (it falls as T → ∞) leave T at 1, while a mix of both is fitted.
    func testATemperatureAtTheEndOfItsRangeIsNotKept() {
        let k = 3
        let right: [Float] = [2, 0, 0, 0, 2, 0, 0, 0, 2, 1.5, 0, 0.5]
        let labels: [Int32] = [0, 1, 2, 0]
        XCTAssertLessThan(TemperatureScaling.negativeLogLikelihood(logits: right, labels: labels, classCount: k, temperature: 0.02),
                          TemperatureScaling.negativeLogLikelihood(logits: right, labels: labels, classCount: k, temperature: 0.05),
                          "every row right: the loss keeps falling toward T = 0")
        XCTAssertEqual(TemperatureScaling.fit(logits: right, labels: labels, classCount: k), 1)
        let wrong: [Int32] = [1, 2, 0, 2]
        XCTAssertLessThan(TemperatureScaling.negativeLogLikelihood(logits: right, labels: wrong, classCount: k, temperature: 90),
                          TemperatureScaling.negativeLogLikelihood(logits: right, labels: wrong, classCount: k, temperature: 50),
                          "every row wrong: the loss keeps falling toward T = ∞")
        XCTAssertEqual(TemperatureScaling.fit(logits: right, labels: wrong, classCount: k), 1)
        // A caller with a better guess than 1 (a parent's temperature) gets it back at either end.
        XCTAssertEqual(TemperatureScaling.fit(logits: right, labels: labels, classCount: k, atBound: 1.3), 1.3)
        XCTAssertEqual(TemperatureScaling.fit(logits: right, labels: wrong, classCount: k, atBound: 1.3), 1.3)
        let mixed = TemperatureScaling.fit(logits: right + right, labels: labels + wrong, classCount: k)
        XCTAssertEqual(TemperatureScaling.fit(logits: right + right, labels: labels + wrong, classCount: k, atBound: 1.3), mixed)
        XCTAssertNotEqual(mixed, 1)
        XCTAssertGreaterThan(mixed, 0.02)
        XCTAssertLessThan(mixed, 50)
    }
}
