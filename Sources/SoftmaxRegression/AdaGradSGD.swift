import Foundation
import Sparse

/// Mini-batch AdaGrad on ``SoftmaxObjective`` for very large corpora. The adaptive rate is
/// per feature (its k class weights share one accumulator) and per bias.
///
/// Each mini-batch updates only the features its rows touch. The L2 term is applied lazily:
/// a weight untouched for `t` steps is shrunk by `max(0, 1 − t·η λ)` when next touched (and at
/// the end of each epoch), `η` being its current AdaGrad rate (first-order form of
/// `(1 − η λ)^t`, exact to O((tηλ)²), which is tiny for the λ used on large corpora). Rows are visited in a
/// seeded shuffled order; single-threaded, so deterministic for a seed. With
/// `validationFraction > 0` a stratified split is held out and the best epoch (by
/// validation loss) is kept, stopping after `patience` epochs without improvement.
struct AdaGradSGD {
    var config: TrainingConfig

    func minimize(_ objective: SoftmaxObjective, initial: [Double]) -> ([Double], TrainingRun) {
        let X = objective.X
        let k = objective.classCount
        let d = X.columnCount
        let wCount = d * k
        let lambda = objective.l2
        let eta = config.learningRate
        var theta = initial
        // Interleaved per-feature record of R = 2k + 2 Doubles, 64-byte aligned:
        // [w_0..w_{k-1}, g_0..g_{k-1}, accumulator, lastStep]. A sparse entry then touches one
        // record (one cache line for k = 3) instead of four separate arrays. `lastStep` < 0
        // marks a feature already queued in the current mini-batch (value −(step + 1)).
        let R = 2 * k + 2
        let rec = UnsafeMutableRawPointer.allocate(byteCount: max(d, 1) * R * 8, alignment: 64)
            .bindMemory(to: Double.self, capacity: max(d, 1) * R)
        for j in 0..<d {
            let r = rec + j * R
            for c in 0..<k { r[c] = theta[j * k + c]; r[k + c] = 0 }
            r[2 * k] = 1e-8
            r[2 * k + 1] = 0
        }
        let biasAccum = UnsafeMutablePointer<Double>.allocate(capacity: k)
        biasAccum.initialize(repeating: 1e-8, count: k)
        let biasGrad = UnsafeMutablePointer<Double>.allocate(capacity: k)
        biasGrad.initialize(repeating: 0, count: k)
        let touched = UnsafeMutablePointer<Int>.allocate(capacity: max(d, 1))
        let z = UnsafeMutablePointer<Double>.allocate(capacity: k)
        defer {
            rec.deallocate(); biasAccum.deallocate(); biasGrad.deallocate()
            touched.deallocate(); z.deallocate()
        }
        var rng = Xoshiro256StarStar(seed: config.seed)

        // Training / validation split (stratified).
        var trainRows = Array(0..<X.rowCount)
        var validRows: [Int] = []
        if config.validationFraction > 0 {
            let folds = max(2, Int((1 / config.validationFraction).rounded()))
            let f = CrossValidation.stratifiedFolds(labels: objective.labels, k: folds, seed: config.seed ^ 0x5EED)
            validRows = f[0]
            var isValid = [Bool](repeating: false, count: X.rowCount)
            for i in validRows { isValid[i] = true }
            trainRows = (0..<X.rowCount).filter { !isValid[$0] }
        }
        let nTrain = Double(trainRows.count)
        var bestTheta = theta
        var bestValid = Double.infinity
        var badEpochs = 0
        var epochs = 0
        var history: [Double] = []
        var previousEpochLoss = Double.infinity
        var converged = false

        /// Applies the lazy L2 shrinkage owed since the record's last update.
        @inline(__always)
        func catchUp(_ r: UnsafeMutablePointer<Double>, _ step: Int) {
            let skipped = step - Int(r[2 * k + 1])
            if skipped > 0 && lambda > 0 {
                let factor = max(0, 1 - eta / r[2 * k].squareRoot() * lambda * Double(skipped))
                for c in 0..<k { r[c] *= factor }
            }
            r[2 * k + 1] = Double(step)
        }

        var step = 0
        while epochs < config.maxEpochs {
            rng.shuffle(&trainRows)
            var epochLoss = 0.0
            X.rowOffsets.withUnsafeBufferPointer { ro in
            X.columnIndices.withUnsafeBufferPointer { ci in
            X.values.withUnsafeBufferPointer { xv in
            objective.labels.withUnsafeBufferPointer { ys in
            objective.classWeights.withUnsafeBufferPointer { cw in
            trainRows.withUnsafeBufferPointer { rows in
            theta.withUnsafeMutableBufferPointer { thb in
                let th = thb.baseAddress!
                var currentStep = step
                var start = 0
                let total = rows.count
                while start < total {
                    let end = min(start + config.batchSize, total)
                    let scale = 1 / Double(end - start)
                    var touchedCount = 0
                    for r in start..<end {
                        let i = rows[r]
                        let y = Int(ys[i]); let s = cw[y]
                        for c in 0..<k { z[c] = th[wCount + c] }
                        for p in ro[i]..<ro[i + 1] {
                            let j = Int(ci[p])
                            let rj = rec + j * R
                            if rj[2 * k + 1] >= 0 {
                                catchUp(rj, currentStep)
                                rj[2 * k + 1] = -Double(currentStep + 1)
                                touched[touchedCount] = j; touchedCount += 1
                            }
                            let x = Double(xv[p])
                            for c in 0..<k { z[c] += x * rj[c] }
                        }
                        let zy = z[y]
                        let lse = SoftmaxMath.softmaxInPlace(UnsafeMutableBufferPointer(start: z, count: k))
                        epochLoss += s * (lse - zy)
                        z[y] -= 1
                        for c in 0..<k { z[c] *= s * scale }
                        for p in ro[i]..<ro[i + 1] {
                            let x = Double(xv[p])
                            let gj = rec + Int(ci[p]) * R + k
                            for c in 0..<k { gj[c] += z[c] * x }
                        }
                        for c in 0..<k { biasGrad[c] += z[c] }
                    }
                    currentStep += 1
                    // Update touched weights (gradient + L2 for this step) and the biases.
                    for t in 0..<touchedCount {
                        let rj = rec + touched[t] * R
                        var sq = 0.0
                        for c in 0..<k { sq += rj[k + c] * rj[k + c] }
                        rj[2 * k] += sq
                        let rate = eta / rj[2 * k].squareRoot()
                        for c in 0..<k {
                            rj[c] -= rate * (rj[k + c] + lambda * rj[c])
                            rj[k + c] = 0
                        }
                        rj[2 * k + 1] = Double(currentStep)
                    }
                    for c in 0..<k {
                        biasAccum[c] += biasGrad[c] * biasGrad[c]
                        th[wCount + c] -= eta / biasAccum[c].squareRoot() * biasGrad[c]
                        biasGrad[c] = 0
                    }
                    start = end
                }
                // Bring every weight up to date with the lazy L2 shrinkage; copy out.
                for j in 0..<d {
                    let rj = rec + j * R
                    catchUp(rj, currentStep)
                    for c in 0..<k { th[j * k + c] = rj[c] }
                }
                step = currentStep
            }}}}}}}
            epochs += 1
            epochLoss /= max(nTrain, 1)
            if config.recordLossHistory { history.append(epochLoss) }
            if !validRows.isEmpty {
                let vLoss = Self.weightedLoss(objective, theta: theta, rows: validRows)
                if vLoss < bestValid * (1 - config.tolerance) {
                    bestValid = vLoss; bestTheta = theta; badEpochs = 0
                } else {
                    badEpochs += 1
                    if badEpochs >= config.patience { converged = true; break }
                }
            } else {
                if previousEpochLoss - epochLoss <= config.tolerance * max(previousEpochLoss, 1e-12) {
                    badEpochs += 1
                    if badEpochs >= config.patience { converged = true; break }
                } else { badEpochs = 0 }
                previousEpochLoss = epochLoss
            }
        }
        if !validRows.isEmpty && bestValid.isFinite { theta = bestTheta }
        var gFinal = [Double]()
        let finalLoss = objective.evaluate(theta, gradient: &gFinal)
        let run = TrainingRun(optimizer: .adagrad, iterations: epochs, functionEvaluations: epochs,
                              finalLoss: finalLoss, gradientNorm: LBFGS.maxAbs(gFinal), converged: converged,
                              lossHistory: config.recordLossHistory ? history : nil)
        return (theta, run)
    }

    /// Mean class-weighted cross-entropy over `rows` (no L2).
    static func weightedLoss(_ o: SoftmaxObjective, theta: [Double], rows: [Int]) -> Double {
        let k = o.classCount, wCount = o.X.columnCount * k
        var z = [Double](repeating: 0, count: k)
        var total = 0.0
        for i in rows {
            let y = Int(o.labels[i])
            for c in 0..<k { z[c] = theta[wCount + c] }
            let r = o.X.entryRange(ofRow: i)
            for p in r {
                let x = Double(o.X.values[p]); let base = Int(o.X.columnIndices[p]) * k
                for c in 0..<k { z[c] += x * theta[base + c] }
            }
            let lse = SoftmaxMath.logSumExp(z)
            total += o.classWeights[y] * (lse - z[y])
        }
        return total / Double(max(rows.count, 1))
    }
}
