import Foundation
import Sparse

/// Out-of-core training of ``SoftmaxModel``: per-row AdaGrad SGD on class-weighted cross-entropy with L2 on the
/// weights (biases unregularized), fed one block of rows at a time, so the corpus never has to be in memory. Each
/// row is one step; the caller chooses the visiting order (and stops, e.g. on held-out loss).
///
/// A step updates only the features of its row: `w_j ← w_j − η/√G_j · (g·x_j + λ·w_j)`, where `G_j` accumulates
/// the squared gradients of feature j (one adaptive rate per feature, shared by its k weights). L2 is thus applied
/// when a feature is touched, as sparse SGD implementations do, rather than to every weight at every step: exact
/// lazy shrinkage needs a per-feature step counter read on every non-zero and measured 2–3× slower.
///
/// State is Float32, interleaved per feature as `[w_0 … w_{k−1}, G]`, so a non-zero touches one record; the table
/// is read at random and sits in transparent huge pages. Deterministic: single threaded, plain loops in a fixed
/// order.
public final class OnlineSoftmaxTrainer {
    public let labels: [String]
    public let featureCount: Int
    public let classWeights: [Double]
    public let l2: Double
    public let learningRate: Double
    /// Rows trained on so far (over all passes).
    public private(set) var steps: Int = 0
    let k: Int
    /// `featureCount × (k + 1)`: weights then the AdaGrad accumulator.
    let records: HugePageBuffer
    var bias: [Double]
    var biasAccumulator: [Double]
    /// Keeps `touch`'s reads from being optimized away.
    private var sink: Float = 0

    /// - Parameters:
    ///   - classWeights: per-class row weights (``ClassWeighting/resolve(labelNames:labels:)`` or `counts` form).
    ///   - warmStart: initial weights and biases (same labels and feature count), else zeros.
    public init(labels: [String], featureCount: Int, classWeights: [Double], l2: Double, learningRate: Double,
                warmStart: SoftmaxModel? = nil) throws {
        guard labels.count >= 2 else { throw SoftmaxError.invalidParameter("training needs at least 2 labels") }
        guard classWeights.count == labels.count else {
            throw SoftmaxError.invalidParameter("\(classWeights.count) class weights for \(labels.count) labels")
        }
        guard l2.isFinite, l2 >= 0 else { throw SoftmaxError.invalidParameter("l2 must be finite and ≥ 0, got \(l2)") }
        guard learningRate.isFinite, learningRate > 0 else { throw SoftmaxError.invalidParameter("learningRate must be > 0") }
        self.labels = labels
        self.featureCount = featureCount
        self.classWeights = classWeights
        self.l2 = l2
        self.learningRate = learningRate
        k = labels.count
        let stride = k + 1
        records = try HugePageBuffer(count: featureCount * stride, purpose: "the trainer's weights")
        bias = [Double](repeating: 0, count: k)
        biasAccumulator = [Double](repeating: 0, count: k)
        if let m = warmStart, m.labels == labels, m.featureCount == featureCount {
            for j in 0..<featureCount { for c in 0..<k { records.base[j * stride + c] = m.weights[j * k + c] } }
            bias = m.bias.map(Double.init)
        }
    }

    /// One SGD step per row of `X`, visiting rows in `order` (indices into `X`); `labels[i]` is row i's class.
    /// Returns the summed class-weighted cross-entropy of the visited rows, each measured before its step.
    @discardableResult
    public func train(_ X: CSRMatrix, labels: [Int32], order: [Int]) -> Double {
        precondition(X.columnCount <= featureCount && labels.count == X.rowCount)
        steps += order.count
        return X.rowOffsets.withUnsafeBufferPointer { ro in
            X.columnIndices.withUnsafeBufferPointer { ci in
                X.values.withUnsafeBufferPointer { xv in
                    labels.withUnsafeBufferPointer { ys in
                        order.withUnsafeBufferPointer { rows in
                            k == 3 ? trainThree(ro, ci, xv, ys, rows) : trainAny(ro, ci, xv, ys, rows)
                        }
                    }
                }
            }
        }
    }

    /// Reads the first weight of each feature of row `i`, so their records are in cache when the row is trained
    /// (the loop is bound by these random reads; issuing them a row ahead overlaps their latency).
    @inline(__always)
    private func touch(_ rec: UnsafeMutablePointer<Float>, _ ro: UnsafeBufferPointer<Int>, _ ci: UnsafeBufferPointer<Int32>,
                       _ i: Int, _ stride: Int) -> Float {
        var sink: Float = 0
        for p in ro[i]..<ro[i + 1] { sink += rec[Int(ci[p]) * stride] }
        return sink
    }

    /// The general loop (any number of classes).
    private func trainAny(_ ro: UnsafeBufferPointer<Int>, _ ci: UnsafeBufferPointer<Int32>, _ xv: UnsafeBufferPointer<Float>,
                          _ ys: UnsafeBufferPointer<Int32>, _ rows: UnsafeBufferPointer<Int>) -> Double {
        let k = self.k, stride = k + 1
        let eta = Float(learningRate), lambda = Float(l2)
        let rec = records.base
        var loss = 0.0
        var z = [Double](repeating: 0, count: k)
        var g = [Float](repeating: 0, count: k)
        var sink: Float = 0
        bias.withUnsafeMutableBufferPointer { b in
        biasAccumulator.withUnsafeMutableBufferPointer { bAcc in
        classWeights.withUnsafeBufferPointer { cw in
        z.withUnsafeMutableBufferPointer { zb in
        g.withUnsafeMutableBufferPointer { gb in
            for (n, i) in rows.enumerated() {
                if n + 1 < rows.count { sink += touch(rec, ro, ci, rows[n + 1], stride) }
                let y = Int(ys[i]), s = cw[y]
                let lo = ro[i], hi = ro[i + 1]
                for c in 0..<k { zb[c] = b[c] }
                for p in lo..<hi {
                    let r = rec + Int(ci[p]) * stride
                    let x = Double(xv[p])
                    for c in 0..<k { zb[c] += x * Double(r[c]) }
                }
                let zy = zb[y]
                let lse = SoftmaxMath.softmaxInPlace(zb)
                loss += s * (lse - zy)
                zb[y] -= 1
                var gg: Float = 0
                for c in 0..<k {
                    let gc = s * zb[c]
                    gb[c] = Float(gc)
                    gg += gb[c] * gb[c]
                    bAcc[c] += gc * gc
                    if bAcc[c] > 0 { b[c] -= learningRate / bAcc[c].squareRoot() * gc }
                }
                for p in lo..<hi {
                    let x = xv[p]
                    let r = rec + Int(ci[p]) * stride
                    r[k] += gg * x * x
                    guard r[k] > 0 else { continue }
                    let rate = eta / r[k].squareRoot()
                    for c in 0..<k { r[c] -= rate * (gb[c] * x + lambda * r[c]) }
                }
            }
        }}}}}
        self.sink = sink
        return loss
    }

    /// The same loop for 3 classes (negative / neutral / positive), with the scores in registers.
    private func trainThree(_ ro: UnsafeBufferPointer<Int>, _ ci: UnsafeBufferPointer<Int32>, _ xv: UnsafeBufferPointer<Float>,
                            _ ys: UnsafeBufferPointer<Int32>, _ rows: UnsafeBufferPointer<Int>) -> Double {
        let eta = Float(learningRate), lambda = Float(l2), lr = learningRate
        let rec = records.base
        var loss = 0.0
        var sink: Float = 0
        var b0 = bias[0], b1 = bias[1], b2 = bias[2]
        var a0 = biasAccumulator[0], a1 = biasAccumulator[1], a2 = biasAccumulator[2]
        let w0 = classWeights[0], w1 = classWeights[1], w2 = classWeights[2]
        for (n, i) in rows.enumerated() {
            if n + 1 < rows.count { sink += touch(rec, ro, ci, rows[n + 1], 4) }
            let y = Int(ys[i])
            let s = y == 0 ? w0 : (y == 1 ? w1 : w2)
            let lo = ro[i], hi = ro[i + 1]
            var z0: Float = 0, z1: Float = 0, z2: Float = 0
            for p in lo..<hi {
                let r = rec + Int(ci[p]) &* 4
                let x = xv[p]
                z0 += x * r[0]; z1 += x * r[1]; z2 += x * r[2]
            }
            let d0 = Double(z0) + b0, d1 = Double(z1) + b1, d2 = Double(z2) + b2
            let m = Swift.max(d0, Swift.max(d1, d2))
            let e0 = exp(d0 - m), e1 = exp(d1 - m), e2 = exp(d2 - m)
            let sum = e0 + e1 + e2
            let lse = m + log(sum)
            loss += s * (lse - (y == 0 ? d0 : (y == 1 ? d1 : d2)))
            let inv = s / sum
            let g0 = e0 * inv - (y == 0 ? s : 0), g1 = e1 * inv - (y == 1 ? s : 0), g2 = e2 * inv - (y == 2 ? s : 0)
            a0 += g0 * g0; a1 += g1 * g1; a2 += g2 * g2
            if a0 > 0 { b0 -= lr / a0.squareRoot() * g0 }
            if a1 > 0 { b1 -= lr / a1.squareRoot() * g1 }
            if a2 > 0 { b2 -= lr / a2.squareRoot() * g2 }
            let f0 = Float(g0), f1 = Float(g1), f2 = Float(g2)
            let gg = f0 * f0 + f1 * f1 + f2 * f2
            for p in lo..<hi {
                let x = xv[p]
                let r = rec + Int(ci[p]) &* 4
                let acc = r[3] + gg * x * x
                r[3] = acc
                guard acc > 0 else { continue }
                let rate = eta / acc.squareRoot()
                r[0] -= rate * (f0 * x + lambda * r[0])
                r[1] -= rate * (f1 * x + lambda * r[1])
                r[2] -= rate * (f2 * x + lambda * r[2])
            }
        }
        bias = [b0, b1, b2]
        biasAccumulator = [a0, a1, a2]
        self.sink = sink
        return loss
    }

    /// The current model, with `temperature`.
    public func model(temperature: Float = 1) -> SoftmaxModel {
        let k = self.k, stride = k + 1
        var w = [Float](repeating: 0, count: featureCount * k)
        let records = self.records.base
        for j in 0..<featureCount { for c in 0..<k { w[j * k + c] = records[j * stride + c] } }
        return SoftmaxModel(labels: labels, featureCount: featureCount, weights: w, bias: bias.map { Float($0) },
                            temperature: temperature)
    }

    /// Logits (`rows × k`, row-major) of `X` under the current weights.
    public func logits(_ X: CSRMatrix) -> [Float] {
        let k = self.k, stride = k + 1
        var out = [Float](repeating: 0, count: X.rowCount * k)
        let records = self.records.base
        var z = [Double](repeating: 0, count: k)
        for i in 0..<X.rowCount {
            for c in 0..<k { z[c] = bias[c] }
            for p in X.entryRange(ofRow: i) {
                let x = Double(X.values[p]), base = Int(X.columnIndices[p]) * stride
                for c in 0..<k { z[c] += x * Double(records[base + c]) }
            }
            for c in 0..<k { out[i * k + c] = Float(z[c]) }
        }
        return out
    }

    /// Mean class-weighted cross-entropy of `logits` (from ``logits(_:)``) against `labels`.
    public func weightedLoss(logits: [Float], labels: [Int32]) -> Double {
        var total = 0.0, weight = 0.0
        var z = [Double](repeating: 0, count: k)
        for i in labels.indices {
            for c in 0..<k { z[c] = Double(logits[i * k + c]) }
            let y = Int(labels[i])
            total += classWeights[y] * (SoftmaxMath.logSumExp(z) - z[y])
            weight += classWeights[y]
        }
        return weight > 0 ? total / weight : 0
    }
}

/// Zeroed Float storage from an anonymous mapping advised to use transparent huge pages: the trainer's records
/// are read at random, and with 4 KiB pages nearly every access to a large table also misses the TLB. When memory
/// cannot be had, an `AllocationError`.
final class HugePageBuffer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
    private let bytes: Int
    private let mapped: Bool

    init(count: Int, purpose: String) throws {
        let huge = 2 << 20
        bytes = max(huge, (count * MemoryLayout<Float>.stride + huge - 1) / huge * huge)
        #if os(Linux)
        let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        if let p, p != MAP_FAILED {
            _ = madvise(p, bytes, 14)  // MADV_HUGEPAGE
            base = p.bindMemory(to: Float.self, capacity: bytes / 4)
            mapped = true
            return
        }
        #endif
        guard let p = calloc(bytes / 4, 4) else { throw AllocationError(purpose: purpose, bytes: bytes) }
        base = p.bindMemory(to: Float.self, capacity: bytes / 4)
        mapped = false
    }

    deinit {
        if mapped { munmap(base, bytes) } else { free(base) }
    }
}
