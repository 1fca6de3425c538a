/// Explanations of a linear model: class score = bias + Σ_j w_{j,c} · x_j.
extension SoftmaxModel {
    /// For every class, the `k` features with the largest weights (descending; ties → lower
    /// feature id). Feature names are resolved by the caller.
    public func topFeatures(perClass k: Int) -> [[(feature: Int32, weight: Float)]] {
        let kc = labels.count
        return (0..<kc).map { c in
            var items: [(feature: Int32, weight: Float)] = (0..<featureCount).map { (Int32($0), weights[$0 * kc + c]) }
            items.sort { $0.weight != $1.weight ? $0.weight > $1.weight : $0.feature < $1.feature }
            return Array(items.prefix(max(0, k)))
        }
    }

    /// Per-feature contributions `w_{j,c} · x_j` of one row to the raw logit of class
    /// `classIndex`, sorted by |contribution| descending (ties → lower feature id).
    /// `bias[classIndex] + Σ contributions` equals `logits(...)[classIndex]` (up to Float
    /// rounding). Features outside the model and zero contributions are left out.
    public func contributions<I: Collection, V: Collection>(indices: I, values: V, class classIndex: Int) -> [(feature: Int32, contribution: Float)]
    where I.Element == Int32, V.Element == Float {
        guard classIndex >= 0 && classIndex < labels.count else { return [] }
        let kc = labels.count
        var out: [(feature: Int32, contribution: Float)] = []
        for (j, x) in zip(indices, values) where j >= 0 && Int(j) < featureCount {
            let v = x * weights[Int(j) * kc + classIndex]
            if v != 0 { out.append((j, v)) }
        }
        out.sort { abs($0.contribution) != abs($1.contribution) ? abs($0.contribution) > abs($1.contribution) : $0.feature < $1.feature }
        return out
    }
}
