import Foundation

/// Temperature scaling: one temperature `T > 0` so that `softmax(z / T)` minimizes the log
/// loss on held-out (or out-of-fold) logits.
public enum TemperatureScaling {
    /// How close (in log T) to an end of the search range an optimum counts as lying at it.
    static let boundMargin = 1e-3

    /// Mean negative log-likelihood of `softmax(z / T)` (row-major logits `n × k`).
    public static func negativeLogLikelihood(logits: [Float], labels: [Int32], classCount k: Int, temperature: Double) -> Double {
        let n = labels.count
        guard n > 0, k > 0, logits.count == n * k, temperature > 0 else { return .nan }
        var z = [Double](repeating: 0, count: k)
        var total = 0.0
        let inv = 1 / temperature
        for i in 0..<n {
            var m = -Double.infinity
            for c in 0..<k { z[c] = Double(logits[i * k + c]) * inv; m = max(m, z[c]) }
            var s = 0.0
            for c in 0..<k { s += Foundation.exp(z[c] - m) }
            total += m + Foundation.log(s) - z[Int(labels[i])]
        }
        return total / Double(n)
    }

    /// Fits `T` by golden-section search on `log T ∈ [log 0.01, log 100]` (the NLL is convex
    /// in `1/T`, hence unimodal in `log T`). Returns 1 when there is nothing to fit
    /// (no rows, mismatched sizes, or labels out of range). When the optimum lies at either end of the range it returns
    /// `atBound` (1 unless the caller knows a better guess): there the held-out rows carry no scale to fit (every one
    /// right, so the loss falls as T → 0; or no better than chance, so it falls as T → ∞), which a handful of
    /// out-of-fold rows of a tiny corpus show by accident and which would make every probability of the model near 0
    /// or 1, or near uniform.
    public static func fit(logits: [Float], labels: [Int32], classCount k: Int, atBound: Float = 1) -> Float {
        let n = labels.count
        guard n > 0, k > 1, logits.count == n * k, labels.allSatisfy({ $0 >= 0 && Int($0) < k }) else { return 1 }
        func nll(_ u: Double) -> Double {
            negativeLogLikelihood(logits: logits, labels: labels, classCount: k, temperature: Foundation.exp(u))
        }
        let invPhi = (5.0.squareRoot() - 1) / 2
        var a = Foundation.log(0.01), b = Foundation.log(100.0)
        var c = b - invPhi * (b - a), d = a + invPhi * (b - a)
        var fc = nll(c), fd = nll(d)
        while b - a > 1e-7 {
            if fc <= fd {
                b = d; d = c; fd = fc
                c = b - invPhi * (b - a); fc = nll(c)
            } else {
                a = c; c = d; fc = fd
                d = a + invPhi * (b - a); fd = nll(d)
            }
        }
        let u = (a + b) / 2
        if u - Foundation.log(0.01) < Self.boundMargin || Foundation.log(100.0) - u < Self.boundMargin { return atBound }
        // Keep T = 1 unless the fit actually improves the log loss.
        return nll(u) < nll(0) ? Float(Foundation.exp(u)) : 1
    }
}
