import Sparse
import SoftmaxRegression
import TextFeatures

/// What cross-validation made of a parent model's weights (`train --from` a model whose corpora are not in the data).
public struct ParentAdaptationReport: Codable, Equatable, Sendable {
    /// The new model's columns that carry a parent feature (its vocabulary joined to the new corpus's).
    public var parentFeatures: Int
    /// Of those, the ones the new corpus alone would not have had.
    public var addedFeatures: Int
    /// Labels shared with the parent (the ones whose weights are carried).
    public var sharedLabels: [String]
    /// The strengths tried, ascending: 0 = no parent (the corpus's own features), else the factor on the parent's
    /// weights that the L2 penalty pulls toward.
    public var weights: [Double]
    /// Best mean cross-validated macro-F1 over λ per strength tried.
    public var meanScores: [Double?]
    /// The chosen strength (0: the parent contributes nothing).
    public var chosenWeight: Double
}

/// A parent's knowledge in a new fit: its vocabulary joined to the corpus's, its column weights on its own features
/// (so its weights mean on the new columns what they meant on its own), and its weights as the prior of the L2
/// penalty (`SoftmaxObjective`: `(λ/2)‖W − β·W_parent‖²`).
struct ParentPrior {
    var vectorizer: Vectorizer
    var X: CSRMatrix
    var foldFeatures: FoldFeatures?
    /// The parent's weights on the new columns and labels (β = 1), feature-major.
    var weights: [Double]
    var report: ParentAdaptationReport

    /// The parent's strengths cross-validation chooses among (0 = no parent).
    static let strengths: [Double] = [0, 0.5, 1]

    /// nil when the parent cannot be carried over: it counts features differently, or shares fewer than two labels.
    static func make(parent: SentimentClassifier, texts: [String], labels y: [Int32], labelNames: [String],
                     options: ClassifierOptions, folds: Bool, limits: VocabularyLimits) throws -> ParentPrior? {
        let k = labelNames.count, kp = parent.labels.count
        let parentClass = labelNames.map { parent.labels.firstIndex(of: $0) }
        guard parentClass.compactMap({ $0 }).count >= 2, options.features.weighting == .tfidf,
              parent.vectorizer.config.weighting == .tfidf else { return nil }
        let base = try Vectorizer.fit(texts, config: options.features, limits: limits)
        guard let (joined, parentColumn) = base.joiningVocabulary(of: parent.vectorizer),
              joined.featureCount <= limits.maxFeatures else { return nil }
        let d = joined.featureCount
        let counts = joined.counts(texts)
        let idf = joined.idf
        // Columns the parent has keep its weight; the others get the corpus's (times the supervised factor learned
        // from the rows at hand, per fold in cross-validation).
        let fixed = parentColumn.map { $0 >= 0 }
        let supervised = options.supervisedWeighting == .naiveBayes
        let columnWeights: @Sendable (CSRMatrix, [Int32]) -> [Float] = { rows, labels in
            guard supervised else { return idf }
            let r = NaiveBayesWeights.ratios(rows, labels: labels, classCount: k)
            return (0..<d).map { fixed[$0] ? idf[$0] : idf[$0] * r[$0] }
        }
        let all = columnWeights(counts, y)
        let vectorizer = Vectorizer(config: joined.config, featureNames: joined.featureNames, idf: all)
        let X = vectorizer.weigh(counts: counts)
        var foldFeatures: FoldFeatures? = nil
        if folds && supervised {
            foldFeatures = { trainRows, validationRows in
                let train = counts.rows(trainRows), validation = counts.rows(validationRows)
                let w = columnWeights(train, trainRows.map { y[$0] })
                return (joined.weigh(counts: train, columnWeights: w), joined.weigh(counts: validation, columnWeights: w))
            }
        }
        var weights = [Double](repeating: 0, count: d * k)
        let pw = parent.model.weights
        for j in 0..<d where parentColumn[j] >= 0 {
            let pj = Int(parentColumn[j])
            for c in 0..<k { if let pc = parentClass[c] { weights[j * k + c] = Double(pw[pj * kp + pc]) } }
        }
        let parentFeatures = fixed.filter { $0 }.count
        let report = ParentAdaptationReport(
            parentFeatures: parentFeatures, addedFeatures: d - base.featureCount,
            sharedLabels: zip(labelNames, parentClass).compactMap { $1 == nil ? nil : $0 },
            weights: strengths, meanScores: [], chosenWeight: 0)
        return ParentPrior(vectorizer: vectorizer, X: X, foldFeatures: foldFeatures, weights: weights, report: report)
    }
}

extension SentimentClassifier {
    /// Tunes the parent's strength with λ: strength 0 is the corpus alone (`X`, `foldFeatures`, today's features;
    /// `alone`: their cross-validation already done, e.g. by the character trial); each other strength fits the
    /// joined features with L2 toward that multiple of the parent's weights. The best mean macro-F1 wins; ties keep
    /// the weaker strength. With `embedding` (the group the corpus alone chose; `X`, `vectorizer` and `foldFeatures`
    /// then have it), the parent's strengths are tried on the joined features with the same group appended, its
    /// columns pulled toward zero: the parent's words and the group together.
    static func tuneWithParent(_ prior: ParentPrior, X: CSRMatrix, vectorizer: Vectorizer, foldFeatures: FoldFeatures?,
                               labels y: [Int32], labelNames: [String], options: ClassifierOptions,
                               alone: CrossValidation.Outcome? = nil, embedding: EmbeddingGroupChoice? = nil) throws
        -> (result: SoftmaxRegression.TrainingResult, vectorizer: Vectorizer, X: CSRMatrix, report: ParentAdaptationReport) {
        var report = prior.report
        let used = prior.usedColumns()
        let group = embedding.flatMap { $0.weight > 0 ? $0 : nil }
        let usedX = group?.appended(to: used.X) ?? used.X
        let usedFolds = group.map { $0.folds(over: used.X, used.foldFeatures) } ?? used.foldFeatures
        let usedPrior = used.weights + [Double](repeating: 0, count: (group?.means.dimensions ?? 0) * labelNames.count)
        var best: (score: Double, weight: Double, outcome: CrossValidation.Outcome)? = nil
        for w in report.weights {
            let outcome: CrossValidation.Outcome
            if w == 0, let alone {
                outcome = alone
            } else if w > 0 {
                outcome = try CrossValidation.tuneWithOutOfFoldLogits(
                    usedX, labels: y, labelNames: labelNames, grid: options.grid, folds: options.folds,
                    config: options.training, foldFeatures: usedFolds, prior: usedPrior.map { $0 * w })
            } else {
                outcome = try CrossValidation.tuneWithOutOfFoldLogits(
                    X, labels: y, labelNames: labelNames, grid: options.grid, folds: options.folds,
                    config: options.training, foldFeatures: foldFeatures, prior: nil)
            }
            let score = outcome.result.meanScores[outcome.result.chosenIndex] ?? -.infinity
            report.meanScores.append(score)
            if best == nil || score > best!.score + 1e-12 { best = (score, w, outcome) }
        }
        let chosen = best!
        report.chosenWeight = chosen.weight
        guard chosen.weight > 0 else {
            let result = try SoftmaxTrainer.fitTuned(X, labels: y, labelNames: labelNames, config: options.training,
                                                     outcome: chosen.outcome)
            return (result, vectorizer, X, report)
        }
        var result = try SoftmaxTrainer.fitTuned(usedX, labels: y, labelNames: labelNames, config: options.training,
                                                 outcome: chosen.outcome,
                                                 prior: usedPrior.map { $0 * chosen.weight })
        result.model = used.expanding(result.model, prior: prior.weights, strength: chosen.weight)
        guard let group else { return (result, prior.vectorizer, prior.X, report) }
        return (result, prior.vectorizer.attaching(group.table, weight: group.weight), group.appended(to: prior.X), report)
    }
}

/// The joined columns that some row has an entry in. A column no row touches enters the objective only through its
/// prior term `(λ/2)‖w − β·w_parent‖²`, so its optimum is `β·w_parent` whatever the rest: the fits run on the used
/// columns alone (with a parent of 60,000 features and a corpus of 500 rows, about a tenth of them) and the others
/// are set to that optimum afterwards.
struct UsedColumns {
    /// The prior's rows over the used columns, and its fold features likewise.
    var X: CSRMatrix
    var foldFeatures: FoldFeatures?
    /// The parent's weights (β = 1) on the used columns, feature-major.
    var weights: [Double]
    /// For each used column, its column among the joined ones.
    var columns: [Int32]
    var joinedCount: Int

    /// `model` (over the used columns, then any appended after them) over all joined columns, then the appended
    /// ones: the unused joined columns at `strength` × the parent's weights.
    func expanding(_ model: SoftmaxModel, prior: [Double], strength: Double) -> SoftmaxModel {
        let k = model.classCount
        let appended = model.featureCount - columns.count
        var weights = prior.map { Float($0 * strength) }
        for (u, j) in columns.enumerated() {
            for c in 0..<k { weights[Int(j) * k + c] = model.weights[u * k + c] }
        }
        weights += model.weights[(columns.count * k)..<(model.featureCount * k)]
        return SoftmaxModel(labels: model.labels, featureCount: joinedCount + appended, weights: weights,
                            bias: model.bias, temperature: model.temperature)
    }
}

extension ParentPrior {
    func usedColumns() -> UsedColumns {
        let d = X.columnCount, k = weights.count / max(d, 1)
        var newColumn = [Int32](repeating: -1, count: d)
        for j in X.columnIndices { newColumn[Int(j)] = 0 }
        var columns: [Int32] = []
        for j in 0..<d where newColumn[j] == 0 {
            newColumn[j] = Int32(columns.count)
            columns.append(Int32(j))
        }
        // Fold matrices hold subsets of the same rows, so their entries lie in the used columns too.
        let compress: @Sendable (CSRMatrix) -> CSRMatrix = { [newColumn, n = columns.count] m in
            CSRMatrix(columnCount: n, rowOffsets: m.rowOffsets, columnIndices: m.columnIndices.map { newColumn[Int($0)] },
                      values: m.values)
        }
        var used: [Double] = []
        used.reserveCapacity(columns.count * k)
        for j in columns { used.append(contentsOf: weights[Int(j) * k ..< Int(j) * k + k]) }
        let folds = foldFeatures.map { f -> FoldFeatures in
            { train, validation in
                let (a, b) = f(train, validation)
                return (compress(a), compress(b))
            }
        }
        return UsedColumns(X: compress(X), foldFeatures: folds, weights: used, columns: columns, joinedCount: d)
    }
}
