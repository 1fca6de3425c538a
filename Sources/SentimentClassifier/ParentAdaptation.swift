import Sparse
import SoftmaxRegression
import TextFeatures

/// What cross-validation made of a parent model's weights (`train --from` a model whose corpora are not in the data).
public struct ParentAdaptationReport: Codable, Equatable, Sendable {
    /// The parent's features: the columns of the parent block (`Vectorizer.besides(parent:)`), its own parents'
    /// included.
    public var parentFeatures: Int
    /// Of those, the ones the corpus's own vocabulary lacks (0 in hashing mode, where columns are shared).
    public var addedFeatures: Int
    /// Labels shared with the parent (the ones whose weights are carried).
    public var sharedLabels: [String]
    /// The strengths tried, ascending: 0 = no parent (the corpus's own features), else the factor on the parent's
    /// weights that the L2 penalty pulls the block's weights toward. The stronger ones are left out once a strength
    /// scores lower than the one before it.
    public var weights: [Double]
    /// Best mean cross-validated macro-F1 over λ per strength tried.
    public var meanScores: [Double?]
    /// The chosen strength (0: the parent contributes nothing).
    public var chosenWeight: Double
    /// Why the strength was not chosen by cross-validation (nil: it was). On a corpus whose rarest label has too
    /// few rows for every validation fold to judge it (``SentimentClassifier/parentJudgedRowsPerFold``), the parent
    /// is taken at full strength.
    public var fixedBecause: String? = nil
}

/// A parent's knowledge in a new fit, as a block of columns beside the corpus's own features: each text's row as
/// the parent makes it (its vocabulary, weighting and normalization), with the parent's weights as the prior of the
/// L2 penalty on that block (`SoftmaxObjective`: `(λ/2)‖W − β·W_parent‖²`). At β the prior scores a text as β times
/// the parent's logits; the fit adds what the corpus says, on the corpus's features exactly as alone.
struct ParentPrior {
    /// The parent's vectorizer, whose rows make the block.
    var parent: Vectorizer
    /// The parent's rows of the texts.
    var rows: CSRMatrix
    /// The parent's weights (β = 1) on its columns and the new model's labels, feature-major (0 for a label the
    /// parent lacks).
    var weights: [Double]
    var sharedLabels: [String]
    /// The parent's temperature: a model that takes the parent at full strength without a judgement of the folds
    /// keeps it when its own out-of-fold rows carry no scale (its block then scores a text as the parent did).
    var temperature: Float

    /// The parent's strengths cross-validation chooses among (0 = no parent).
    static let strengths: [Double] = [0, 0.25, 0.5, 1]

    /// nil when the parent cannot make a block (`makesParentBlock`) or shares fewer than two labels.
    static func make(parent: SentimentClassifier, texts: [String], labelNames: [String]) -> ParentPrior? {
        let k = labelNames.count, kp = parent.labels.count
        let parentClass = labelNames.map { parent.labelIndex(matching: $0) }
        guard parent.sharesEnoughLabels(with: labelNames), parent.makesParentBlock,
              parent.model.featureCount == parent.vectorizer.columnCount
        else { return nil }
        let d = parent.model.featureCount
        var weights = [Double](repeating: 0, count: d * k)
        let pw = parent.model.weights
        for j in 0..<d {
            for c in 0..<k { if let pc = parentClass[c] { weights[j * k + c] = Double(pw[j * kp + pc]) } }
        }
        return ParentPrior(parent: parent.vectorizer, rows: parent.vectorizer.transform(texts), weights: weights,
                           sharedLabels: zip(labelNames, parentClass).compactMap { $1 == nil ? nil : $0 },
                           temperature: parent.model.temperature)
    }
}

extension SentimentClassifier {
    /// Training data of up to this many rows tries the shipped model as a parent by default (`sentiment train`):
    /// where a corpus's own vocabulary is thin the parent gains most, and its trial (three more cross-validations
    /// over the block) costs a few seconds at most.
    public static let defaultParentRowLimit = 2_000

    /// Rows of the rarest label each validation fold needs before cross-validation chooses the parent's strength.
    /// With fewer, a fold's macro-F1 turns on one or two texts and the one-standard-error rule, which takes the parent
    /// only when the folds agree it helps, keeps the corpus's few rows alone: a model far below the parent itself
    /// (README, Benchmarks). The parent, fitted on far more text, is the safer guess there: it is taken at full
    /// strength, and the corpus's features and λ are fitted beside it as usual.
    public static let parentJudgedRowsPerFold = 5

    /// Whether this model can be adapted from as a parent block: it carries fewer than `ParentBlockConfig.maxDepth`
    /// generations of parents of its own.
    public var makesParentBlock: Bool { (vectorizer.config.parentBlock?.depth ?? 0) < ParentBlockConfig.maxDepth }

    /// Whether a fit on `labels` can carry this model's weights over: they share at least two labels (so a
    /// `positive`/`negative` corpus can adapt from a three-label model), matched as ``labelIndex(matching:)`` does.
    public func sharesEnoughLabels<S: Sequence>(with labels: S) -> Bool where S.Element == String {
        Set(labels.compactMap { labelIndex(matching: $0) }).count >= 2
    }

    /// The label of this model whose weights a corpus label takes: the same name, or else the only one equal to it
    /// up to case (`Positive` takes `positive`'s), since a user's labels are spelled as the user likes.
    public func labelIndex(matching label: String) -> Int? {
        if let i = labels.firstIndex(of: label) { return i }
        let folded = labels.indices.filter { labels[$0].lowercased() == label.lowercased() }
        return folded.count == 1 ? folded[0] : nil
    }

    /// Tunes the parent's strength with λ: strength 0 is the corpus alone (`X`, `foldFeatures`: the corpus's
    /// features as its own trials chose them, embedding group included; `alone`: their cross-validation already
    /// done, e.g. by the character trial); each other strength fits them with the parent block beside them, its
    /// weights pulled toward that multiple of the parent's. The choice follows the one-standard-error rule: the
    /// weakest strength whose mean macro-F1 is within one standard error (over the folds) of the best, so a parent
    /// is taken only when the folds agree it helps.
    static func tuneWithParent(_ prior: ParentPrior, X: CSRMatrix, vectorizer: Vectorizer, foldFeatures: FoldFeatures?,
                               labels y: [Int32], labelNames: [String], options: ClassifierOptions,
                               alone: CrossValidation.Outcome? = nil) throws
        -> (result: SoftmaxRegression.TrainingResult, vectorizer: Vectorizer, X: CSRMatrix, report: ParentAdaptationReport) {
        let k = labelNames.count
        let block = prior.usedBlock(besides: X, foldFeatures: foldFeatures, classCount: k)
        let own = Set(vectorizer.featureNames)
        var report = ParentAdaptationReport(
            parentFeatures: prior.rows.columnCount,
            addedFeatures: prior.parent.featureNames.filter { !own.contains($0) }.count,
            sharedLabels: prior.sharedLabels, weights: ParentPrior.strengths, meanScores: [], chosenWeight: 0)
        var strengths = ParentPrior.strengths
        var counts = [Int](repeating: 0, count: k)
        for label in y { counts[Int(label)] += 1 }
        if let rarest = counts.min(), rarest < parentJudgedRowsPerFold * options.folds {
            strengths = [1]
            report.weights = strengths
            report.fixedBecause = "\(rarest) rows of the rarest label: too few for \(options.folds)-fold CV to judge it"
        }
        var outcomes: [CrossValidation.Outcome] = []
        for w in strengths {
            // Along the strengths as along the λ path: once a stronger pull scores lower than the one before, the
            // stronger ones are not tried (they cost a cross-validation each and have never won from there).
            if outcomes.count >= 2, let last = report.meanScores[outcomes.count - 1],
               let before = report.meanScores[outcomes.count - 2], last < before - 1e-12 { break }
            let outcome: CrossValidation.Outcome
            if w == 0, let alone {
                outcome = alone
            } else if w > 0 {
                outcome = try CrossValidation.tuneWithOutOfFoldLogits(
                    block.X, labels: y, labelNames: labelNames, grid: options.grid, folds: options.folds,
                    config: options.training, foldFeatures: block.folds, prior: block.prior.map { $0 * w })
            } else {
                outcome = try CrossValidation.tuneWithOutOfFoldLogits(
                    X, labels: y, labelNames: labelNames, grid: options.grid, folds: options.folds,
                    config: options.training, foldFeatures: foldFeatures, prior: nil)
            }
            outcomes.append(outcome)
            report.meanScores.append(outcome.result.meanScores[outcome.result.chosenIndex])
        }
        report.weights = Array(report.weights.prefix(outcomes.count))
        let chosen = oneStandardErrorChoice(outcomes.map(\.result))
        report.chosenWeight = report.weights[chosen]
        let outcome = outcomes[chosen]
        guard report.chosenWeight > 0 else {
            let result = try SoftmaxTrainer.fitTuned(X, labels: y, labelNames: labelNames, config: options.training,
                                                     outcome: outcome)
            return (result, vectorizer, X, report)
        }
        let w = report.chosenWeight
        var result = try SoftmaxTrainer.fitTuned(block.X, labels: y, labelNames: labelNames, config: options.training,
                                                 outcome: outcome, prior: block.prior.map { $0 * w },
                                                 temperatureAtBound: report.fixedBecause == nil ? 1 : prior.temperature)
        result.model = block.expanding(result.model, prior: prior.weights, strength: w)
        guard let joined = vectorizer.besides(parent: prior.parent) else {
            preconditionFailure("ParentPrior.make admits only parents that can make a block")
        }
        return (result, joined, X.besides(prior.rows), report)
    }

    /// The index of the first (weakest) candidate whose best mean score is within one standard error of the best
    /// candidate's (the standard error of a mean over its folds: their population standard deviation over
    /// √(folds − 1)). Candidates without a score are skipped.
    static func oneStandardErrorChoice(_ results: [TuningResult]) -> Int {
        let scored = results.enumerated().compactMap { i, r -> (i: Int, mean: Double, se: Double)? in
            guard let m = r.meanScores[r.chosenIndex] else { return nil }
            let sd = r.stdScores.indices.contains(r.chosenIndex) ? (r.stdScores[r.chosenIndex] ?? 0) : 0
            return (i, m, sd / Double(max(r.folds - 1, 1)).squareRoot())
        }
        guard let best = scored.max(by: { $0.mean < $1.mean || ($0.mean == $1.mean && $0.i > $1.i) }) else { return 0 }
        return scored.first { $0.mean >= best.mean - best.se - 1e-12 }?.i ?? best.i
    }
}

/// The corpus's features with the parent block beside them, the block reduced to the columns some row uses. A
/// column no row touches enters the objective only through its prior term `(λ/2)‖w − β·w_parent‖²`, so its optimum
/// is `β·w_parent` whatever the rest: the fits run on the used columns alone (with a parent of 60,000 features and a
/// corpus of 500 rows, about a tenth of them) and the others are set to that optimum afterwards.
struct UsedBlock {
    /// The corpus's columns, then the used block columns; and the same per fold.
    var X: CSRMatrix
    var folds: FoldFeatures
    /// Zero on the corpus's columns, the parent's weights (β = 1) on the used block columns, feature-major.
    var prior: [Double]
    var ownColumns: Int
    /// For each used block column, its column in the parent.
    var columns: [Int32]
    var parentColumns: Int

    /// `model` (over the corpus's columns and the used block columns) over the corpus's columns and every block
    /// column: the unused ones at `strength` × the parent's weights.
    func expanding(_ model: SoftmaxModel, prior block: [Double], strength: Double) -> SoftmaxModel {
        let k = model.classCount
        var weights = Array(model.weights[..<(ownColumns * k)])
        var parent = block.map { Float($0 * strength) }
        for (u, j) in columns.enumerated() {
            for c in 0..<k { parent[Int(j) * k + c] = model.weights[(ownColumns + u) * k + c] }
        }
        weights += parent
        return SoftmaxModel(labels: model.labels, featureCount: ownColumns + parentColumns, weights: weights,
                            bias: model.bias, temperature: model.temperature)
    }
}

extension ParentPrior {
    func usedBlock(besides X: CSRMatrix, foldFeatures: FoldFeatures?, classCount k: Int) -> UsedBlock {
        let d = rows.columnCount
        var newColumn = [Int32](repeating: -1, count: d)
        for j in rows.columnIndices { newColumn[Int(j)] = 0 }
        var columns: [Int32] = []
        for j in 0..<d where newColumn[j] == 0 {
            newColumn[j] = Int32(columns.count)
            columns.append(Int32(j))
        }
        let P = CSRMatrix(columnCount: columns.count, rowOffsets: rows.rowOffsets,
                          columnIndices: rows.columnIndices.map { newColumn[Int($0)] }, values: rows.values)
        // Fold matrices hold subsets of the same rows, so their block entries lie in the used columns too.
        let folds: FoldFeatures = { train, validation in
            let (a, b) = foldFeatures?(train, validation) ?? (X.rows(train), X.rows(validation))
            return (a.besides(P.rows(train)), b.besides(P.rows(validation)))
        }
        var prior = [Double](repeating: 0, count: X.columnCount * k)
        prior.reserveCapacity((X.columnCount + columns.count) * k)
        for j in columns { prior.append(contentsOf: weights[Int(j) * k ..< Int(j) * k + k]) }
        return UsedBlock(X: X.besides(P), folds: folds, prior: prior, ownColumns: X.columnCount, columns: columns,
                         parentColumns: d)
    }
}
