import Dispatch
import Foundation
import Sparse

/// A trained multinomial logistic regression over sparse features.
///
/// Class score (logit) of class `c` for a row `x`: `z_c = bias[c] + Σ_j weights[j*k + c] · x_j`
/// with `k = labels.count`. Weights are feature-major (`k` classes contiguous per feature) so a
/// sparse row touches contiguous memory. Probabilities are `softmax(z / temperature)`.
public struct SoftmaxModel: Codable, Equatable, Sendable {
    /// Class names; class id `c` is `labels[c]`.
    public var labels: [String]
    /// Number of input features (columns).
    public var featureCount: Int
    /// `featureCount * classCount` weights, `weights[j*k + c]`.
    public var weights: [Float]
    /// One bias per class.
    public var bias: [Float]
    /// Calibration temperature (> 0); 1 means uncalibrated.
    public var temperature: Float = 1

    public init(labels: [String], featureCount: Int, weights: [Float]? = nil, bias: [Float]? = nil, temperature: Float = 1) {
        self.labels = labels
        self.featureCount = featureCount
        self.weights = weights ?? [Float](repeating: 0, count: featureCount * labels.count)
        self.bias = bias ?? [Float](repeating: 0, count: labels.count)
        self.temperature = temperature
        precondition(self.weights.count == featureCount * labels.count && self.bias.count == labels.count,
                     "weights/bias sizes do not match featureCount × classCount")
    }

    public var classCount: Int { labels.count }

    /// Weight of feature `feature` for class `classIndex`.
    @inline(__always)
    public func weight(feature: Int, class classIndex: Int) -> Float { weights[feature * labels.count + classIndex] }

    /// Raw class scores (no temperature). Indices outside `0..<featureCount` are ignored.
    public func logits<I: Collection, V: Collection>(indices: I, values: V) -> [Float]
    where I.Element == Int32, V.Element == Float {
        let k = labels.count
        var z = bias
        weights.withUnsafeBufferPointer { w in
            for (j, x) in zip(indices, values) where j >= 0 && Int(j) < featureCount {
                let base = Int(j) * k
                for c in 0..<k { z[c] += x * w[base + c] }
            }
        }
        return z
    }

    /// Calibrated probabilities `softmax(logits / temperature)`, computed stably.
    public func probabilities<I: Collection, V: Collection>(indices: I, values: V) -> [Float]
    where I.Element == Int32, V.Element == Float {
        let z = logits(indices: indices, values: values)
        let t = Double(temperature > 0 ? temperature : 1)
        return SoftmaxMath.softmax(z.map { Double($0) / t }).map(Float.init)
    }

    /// Raw logits for every row, `rowCount * k` values (row-major). Computed on two fixed
    /// row blocks in parallel; each row is independent, so the result is deterministic.
    public func predictLogits(_ X: CSRMatrix) -> [Float] {
        let n = X.rowCount, k = labels.count
        var out = [Float](repeating: 0, count: n * k)
        out.withUnsafeMutableBufferPointer { o in
            let outBase = DisjointPointer(o.baseAddress!)
            let blocks = n >= 256 ? 2 : 1
            DispatchQueue.concurrentPerform(iterations: blocks) { b in
                let lo = n * b / blocks, hi = n * (b + 1) / blocks
                let dst = UnsafeMutableBufferPointer(start: outBase.base, count: n * k)
                self.writeLogits(X, rows: lo..<hi, into: dst)
            }
        }
        return out
    }

    func writeLogits(_ X: CSRMatrix, rows: Range<Int>, into o: UnsafeMutableBufferPointer<Float>) {
        let k = labels.count
        X.rowOffsets.withUnsafeBufferPointer { ro in
        X.columnIndices.withUnsafeBufferPointer { ci in
        X.values.withUnsafeBufferPointer { xv in
            for i in rows {
                let e = ro[i]..<ro[i + 1]
                writeLogits(indices: UnsafeBufferPointer(rebasing: ci[e]), values: UnsafeBufferPointer(rebasing: xv[e]),
                            into: o.baseAddress! + i * k)
            }
        }}}
    }

    /// The logits of one sparse row into `z` (`classCount` values); columns past the model are ignored. Every
    /// scoring path (matrix or row by row) runs through here, so they agree to the bit.
    @inline(__always)
    func writeLogits(indices: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
                     into z: UnsafeMutablePointer<Float>) {
        let k = labels.count, d = featureCount
        weights.withUnsafeBufferPointer { w in
            if k == 3 && d > 0 {
                // Three labels (the usual case): one 16-byte load per feature, lanes 0–2 summed in the scalar order.
                let raw = UnsafeRawPointer(w.baseAddress!)  // d > 0: 3·d weights
                var acc = SIMD4<Float>(bias[0], bias[1], bias[2], 0)
                for p in 0..<indices.count {
                    let j = Int(indices[p])
                    if j >= d { continue }
                    // The last feature's fourth lane would lie past the array.
                    let row = j == d - 1 ? SIMD4<Float>(w[3 * j], w[3 * j + 1], w[3 * j + 2], 0)
                        : raw.loadUnaligned(fromByteOffset: 12 * j, as: SIMD4<Float>.self)
                    acc += SIMD4(repeating: values[p]) * row
                }
                z[0] = acc[0]; z[1] = acc[1]; z[2] = acc[2]
                return
            }
            for c in 0..<k { z[c] = bias[c] }
            for p in 0..<indices.count {
                let j = Int(indices[p])
                if j >= d { continue }
                let x = values[p]
                let base = j * k
                for c in 0..<k { z[c] += x * w[base + c] }
            }
        }
    }

    /// Calibrated probabilities for every row, `rowCount * k` values (row-major), parallel
    /// and deterministic.
    public func predictProbabilities(_ X: CSRMatrix) -> [Float] {
        var z = predictLogits(X)
        let k = labels.count
        var buf = [Double](repeating: 0, count: k)
        z.withUnsafeMutableBufferPointer { zp in
            buf.withUnsafeMutableBufferPointer { bp in
                for i in 0..<X.rowCount { calibrate(zp.baseAddress! + i * k, scratch: bp) }
            }
        }
        return z
    }

    /// The calibrated probabilities of one sparse row (strictly increasing `indices`) into `out` (`classCount`
    /// values): the same numbers, bit for bit, as that row of `predictProbabilities`. For scoring rows as they are
    /// made, without a matrix.
    public func writeProbabilities(indices: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
                                   into out: UnsafeMutablePointer<Float>) {
        writeLogits(indices: indices, values: values, into: out)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: labels.count) { calibrate(out, scratch: $0) }
    }

    /// Logits → `softmax(z / temperature)` in place, through `scratch` (`classCount` doubles).
    @inline(__always)
    func calibrate(_ z: UnsafeMutablePointer<Float>, scratch bp: UnsafeMutableBufferPointer<Double>) {
        let k = labels.count
        let t = Double(temperature > 0 ? temperature : 1)
        for c in 0..<k { bp[c] = Double(z[c]) / t }
        SoftmaxMath.softmaxInPlace(bp)
        for c in 0..<k { z[c] = Float(bp[c]) }
    }

    /// Predicted class id (argmax of the logits; ties → lowest id) for every row.
    public func predict(_ X: CSRMatrix) -> [Int] {
        let z = predictLogits(X)
        return SoftmaxModel.argmaxRows(z, classCount: labels.count)
    }

    /// The one argmax of the product (ties → lowest id), row by row over `n × k` scores.
    static func argmaxRows(_ z: [Float], classCount k: Int) -> [Int] {
        guard k > 0 else { return [] }
        let n = z.count / k
        var out = [Int](repeating: 0, count: n)
        z.withUnsafeBufferPointer { z in
            out.withUnsafeMutableBufferPointer { out in
                for i in 0..<n {
                    let row = i &* k
                    var best = 0
                    var bv = z[row]
                    var c = 1
                    while c < k {
                        if z[row &+ c] > bv { bv = z[row &+ c]; best = c }
                        c &+= 1
                    }
                    out[i] = best
                }
            }
        }
        return out
    }

    /// The model re-indexed onto a new feature space (e.g. after the vocabulary changed).
    /// `mapping[old]` is the new index of old feature `old`, or `nil` to drop it; features
    /// that nothing maps to start at zero. Mappings outside `0..<featureCount` are ignored.
    public func remapped(featureCount newCount: Int, mapping: [Int32?]) -> SoftmaxModel {
        let k = labels.count
        var w = [Float](repeating: 0, count: newCount * k)
        for (old, target) in mapping.enumerated() where old < featureCount {
            guard let t = target, t >= 0, Int(t) < newCount else { continue }
            for c in 0..<k { w[Int(t) * k + c] = weights[old * k + c] }
        }
        return SoftmaxModel(labels: labels, featureCount: newCount, weights: w, bias: bias, temperature: temperature)
    }

    /// Convenience: remap with a function `old → new?`.
    public func remapped(featureCount newCount: Int, mapping: (Int) -> Int?) -> SoftmaxModel {
        remapped(featureCount: newCount, mapping: (0..<featureCount).map { mapping($0).map { Int32($0) } })
    }
}
