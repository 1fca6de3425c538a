import Foundation
import Sparse
import SoftmaxRegression

/// Synthetic sparse classification data with a planted linear signal (test helper).
/// Rows have `nnzPerRow` distinct features (Zipf-like popularity), values are positive and
/// L2-normalized like TF-IDF; labels are argmax of planted scores plus Gumbel noise of
/// scale `noise` (Gumbel-max ⇒ labels ~ softmax(score / noise)).
struct SyntheticData {
    var X: CSRMatrix
    var labels: [Int32]
    var labelNames: [String]

    init(rows n: Int, features d: Int, nnzPerRow: Int, classes k: Int, noise: Double, signal: Double = 6, seed: UInt64) {
        var rng = Xoshiro256StarStar(seed: seed)
        func normal() -> Double {
            let u1 = max(rng.nextUnit(), 1e-300), u2 = rng.nextUnit()
            return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
        }
        var wStar = [Double](repeating: 0, count: d * k)
        for i in 0..<(d * k) { wStar[i] = normal() }
        var X = CSRMatrix(columnCount: d)
        X.reserveCapacity(rows: n, nonZeros: n * nnzPerRow)
        var labels: [Int32] = []
        labels.reserveCapacity(n)
        var seen = Set<Int32>()
        var idx: [Int32] = []
        for _ in 0..<n {
            seen.removeAll(keepingCapacity: true)
            idx.removeAll(keepingCapacity: true)
            let m = min(nnzPerRow, d)
            while idx.count < m {
                // Zipf-like: square of a uniform favours low ids.
                let u = rng.nextUnit()
                let j = Int32(min(d - 1, Int(u * u * Double(d))))
                if seen.insert(j).inserted { idx.append(j) }
            }
            idx.sort()
            var vals = idx.map { _ in Float(0.5 + rng.nextUnit()) }
            let norm = vals.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            vals = vals.map { $0 / norm }
            var best = 0
            var bestScore = -Double.infinity
            for c in 0..<k {
                var s = 0.0
                for (j, v) in zip(idx, vals) { s += Double(v) * wStar[Int(j) * k + c] }
                s *= signal
                let g = -Foundation.log(-Foundation.log(max(rng.nextUnit(), 1e-300)))
                s += noise * g
                if s > bestScore { bestScore = s; best = c }
            }
            X.appendRow(indices: idx, values: vals)
            labels.append(Int32(best))
        }
        self.X = X
        self.labels = labels
        self.labelNames = (0..<k).map { "class\($0)" }
    }
}
