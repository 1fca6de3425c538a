import Foundation
import Sparse

/// Supervised term weights: how unevenly each feature is spread over the classes, as the naive Bayes log-count
/// ratio of NBSVM (Wang & Manning 2012, "Baselines and Bigrams") generalized to `k` classes.
///
/// For a feature `j` and a class `c`, with `df(j, c)` the number of class-`c` rows containing `j`, `n_c` the rows of
/// class `c` and `n` all rows:
///
///     P(j | c)  = (df(j, c) + α) / (n_c + 2α)                 share of class-c rows containing j, add-α smoothed
///     P(j | ¬c) = (df(j) − df(j, c) + α) / (n − n_c + 2α)     the same over the other rows
///     r_j       = max_c |ln(P(j | c) / P(j | ¬c))|
///
/// A feature found in every class in proportion to the class sizes gets `r ≈ 0`; one concentrated in a class gets a
/// large `r`. With two classes `r_j` is NBSVM's `|r|`. Multiplying TF-IDF columns by `r` (then normalizing rows)
/// lets the regularized regression spend its weight budget on discriminative features first. A feature absent from
/// every row gets `r = 0`: in cross-validation such features are unseen by the fold model, as words outside the
/// vocabulary are at prediction time.
///
/// Pure and deterministic. Learn the weights from training rows only (in cross-validation: each fold's training
/// rows), since they depend on the labels.
public enum NaiveBayesWeights {
    /// Laplace smoothing, NBSVM's choice.
    public static let defaultAlpha = 1.0

    /// `r_j` for every column of `X` (a column counts as present in a row when it has an entry there), from rows
    /// with class ids `labels` in `0..<classCount`.
    public static func ratios(_ X: CSRMatrix, labels: [Int32], classCount k: Int, alpha: Double = defaultAlpha) -> [Float] {
        precondition(labels.count == X.rowCount, "one label per row")
        precondition(k >= 1 && labels.allSatisfy { $0 >= 0 && Int($0) < k }, "labels must be in 0..<classCount")
        precondition(alpha > 0, "alpha must be > 0")
        let d = X.columnCount, n = X.rowCount
        var df = [UInt32](repeating: 0, count: d * k)
        var rows = [Double](repeating: 0, count: k)
        X.columnIndices.withUnsafeBufferPointer { cols in
            df.withUnsafeMutableBufferPointer { df in
                for i in 0..<n {
                    let c = Int(labels[i])
                    rows[c] += 1
                    for p in X.entryRange(ofRow: i) { df[Int(cols[p]) &* k &+ c] &+= 1 }
                }
            }
        }
        let total = Double(n)
        // Denominators per class, inverted once.
        let inside = rows.map { 1 / ($0 + 2 * alpha) }, outside = rows.map { 1 / (total - $0 + 2 * alpha) }
        var r = [Float](repeating: 0, count: d)
        for j in 0..<d {
            var all = 0.0
            for c in 0..<k { all += Double(df[j * k + c]) }
            if all == 0 { continue }
            var best = 0.0
            for c in 0..<k {
                let a = Double(df[j * k + c])
                let ratio = ((a + alpha) * inside[c]) / ((all - a + alpha) * outside[c])
                best = max(best, abs(Foundation.log(ratio)))
            }
            r[j] = Float(best)
        }
        return r
    }
}
