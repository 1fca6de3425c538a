import Foundation

/// Numerically stable softmax, log-softmax and log-sum-exp.
///
/// All functions subtract the maximum before exponentiating, so logits of any
/// finite magnitude (e.g. ±1000) give finite results that sum to 1.
public enum SoftmaxMath {
    /// `log Σ exp(x_i)`, computed as `m + log Σ exp(x_i − m)` with `m = max x`.
    /// Returns `-infinity` for an empty input.
    public static func logSumExp(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer { logSumExp($0) }
    }

    /// Float version of ``logSumExp(_:)-7x8m``; accumulates in Double.
    public static func logSumExp(_ x: [Float]) -> Float {
        Float(logSumExp(x.map(Double.init)))
    }

    @inline(__always)
    static func logSumExp(_ x: UnsafeBufferPointer<Double>) -> Double {
        guard var m = x.first else { return -.infinity }
        for v in x where v > m { m = v }
        if !m.isFinite { return m }
        var s = 0.0
        for v in x { s += Foundation.exp(v - m) }
        return m + Foundation.log(s)
    }

    /// `exp(x_i − logSumExp(x))`: probabilities that sum to 1.
    public static func softmax(_ x: [Double]) -> [Double] {
        var out = x
        out.withUnsafeMutableBufferPointer { _ = softmaxInPlace($0) }
        return out
    }

    /// Float version of ``softmax(_:)-5rj3u``; computed in Double and rounded.
    public static func softmax(_ x: [Float]) -> [Float] {
        softmax(x.map(Double.init)).map(Float.init)
    }

    /// `x_i − logSumExp(x)`.
    public static func logSoftmax(_ x: [Double]) -> [Double] {
        let l = logSumExp(x)
        return x.map { $0 - l }
    }

    /// Float version of ``logSoftmax(_:)-8a3zq``.
    public static func logSoftmax(_ x: [Float]) -> [Float] {
        logSoftmax(x.map(Double.init)).map(Float.init)
    }

    /// In-place stable softmax on a buffer; returns the log-sum-exp of the input.
    @discardableResult @inline(__always)
    static func softmaxInPlace(_ x: UnsafeMutableBufferPointer<Double>) -> Double {
        guard var m = x.first else { return -.infinity }
        for v in x where v > m { m = v }
        var s = 0.0
        for i in x.indices {
            let e = Foundation.exp(x[i] - m)
            x[i] = e
            s += e
        }
        let inv = 1 / s
        for i in x.indices { x[i] *= inv }
        return m + Foundation.log(s)
    }
}
