import Sparse
import SoftmaxRegression
import TextFeatures

/// What a tuned fit made of the static word-embedding group.
public struct EmbeddingGroupReport: Codable, Equatable, Sendable {
    /// The table's identity (SHA-256 of its file).
    public var table: String
    /// Fraction of the training texts' token occurrences found in the table.
    public var coverage: Double
    /// The weights tried, ascending (0 = off): the options' candidates, or only 0 when the coverage is too low.
    public var weights: [Double]
    /// Best mean cross-validated macro-F1 over λ per weight tried.
    public var meanScores: [Double?]
    /// The chosen weight (0: the model has no embedding columns).
    public var chosenWeight: Double
}

extension SentimentClassifier {
    /// Below this share of token occurrences found in the table the group is not tried (weight 0): a mean over a
    /// few stray words is noise, and trying costs a cross-validation per weight (e.g. Japanese text against an
    /// English table).
    public static let minimumEmbeddingCoverage = 0.25

    /// Up to this many rows the group is tried by default (`train` without `--embeddings`): its gain shrinks as the
    /// corpus's own vocabulary fills in, while its trial costs several fits and a model with it predicts more
    /// slowly (README, "Static word embeddings by default on small corpora").
    public static let embeddingTrialRowLimit = 2_000

    /// λ values on each side of the first weight's choice tried for the other weights.
    public static let embeddingLambdaNeighbours = 1

    /// The group at its chosen weight.
    struct EmbeddingGroupChoice {
        var weight: Double
        var table: EmbeddingTable
        /// `X` with the group appended at `weight` (`X` itself at 0).
        var X: CSRMatrix
        /// The fold features with the group appended likewise.
        var foldFeatures: FoldFeatures?
        var outcome: CrossValidation.Outcome
        var report: EmbeddingGroupReport
    }

    /// Chooses the embedding weight together with λ: one λ path per candidate weight (ascending; the default
    /// candidates include 0 = off), each on the sparse features with the group appended at that weight (in every
    /// fold too; the means are computed once). The best mean macro-F1 wins; ties keep the smaller weight, so the
    /// group stays off unless it helps. The caller fits the final model (`choice.outcome` on `choice.X`).
    static func chooseEmbeddingWeight(texts: [String], X: CSRMatrix, foldFeatures: FoldFeatures?, table: EmbeddingTable,
                                      tokenizer: TokenizerConfig, labels y: [Int32], labelNames: [String],
                                      options: ClassifierOptions) throws -> EmbeddingGroupChoice {
        let means = table.means(texts, tokenizer: tokenizer)
        let candidates = Array(Set(options.embeddingWeights.filter { $0.isFinite && $0 >= 0 && $0 <= 100 })).sorted()
        let weights = means.coverage >= minimumEmbeddingCoverage && !candidates.isEmpty ? candidates : [0]
        var scores = [Double?](repeating: nil, count: weights.count)
        var best: (score: Double, choice: EmbeddingGroupChoice)? = nil
        var grid = options.grid
        let report = EmbeddingGroupReport(table: table.identity, coverage: means.coverage, weights: weights,
                                          meanScores: [], chosenWeight: 0)
        for (i, w) in weights.enumerated() {
            let Xw = w == 0 ? X : means.appended(to: X, weight: w)
            let folds = means.folds(weight: w, over: X, foldFeatures)
            let outcome = try CrossValidation.tuneWithOutOfFoldLogits(
                Xw, labels: y, labelNames: labelNames, grid: grid, folds: options.folds,
                config: options.training, foldFeatures: folds)
            let choice = EmbeddingGroupChoice(weight: w, table: table, X: Xw, foldFeatures: folds,
                                              outcome: outcome, report: report)
            if i == 0 {
                // The dense columns make a fold fit several times dearer than the sparse one: after the first weight,
                // only λ next to its choice is tried (neighbours in the grid's strong → weak order).
                let order = grid.indices.sorted { grid[$0] != grid[$1] ? grid[$0] > grid[$1] : $0 < $1 }
                let at = order.firstIndex(of: outcome.result.chosenIndex) ?? 0
                grid = order[max(0, at - Self.embeddingLambdaNeighbours)...min(order.count - 1, at + Self.embeddingLambdaNeighbours)].map { grid[$0] }
            }
            let score = choice.outcome.result.meanScores[choice.outcome.result.chosenIndex] ?? -.infinity
            scores[i] = score
            if best == nil || score > best!.score + 1e-12 { best = (score, choice) }
        }
        var chosen = best!.choice
        chosen.report.meanScores = scores
        chosen.report.chosenWeight = chosen.weight
        return chosen
    }
}

extension EmbeddingMeans {
    /// Fold features that append these means at `weight` to what `base` gives for the rows of `X` (nil: `X`'s own
    /// rows); `base` itself at weight 0.
    func folds(weight: Double, over X: CSRMatrix, _ base: FoldFeatures?) -> FoldFeatures? {
        guard weight > 0 else { return base }
        return { train, validation in
            let (a, b) = base?(train, validation) ?? (X.rows(train), X.rows(validation))
            return (self.appended(to: a, weight: weight, rows: train), self.appended(to: b, weight: weight, rows: validation))
        }
    }
}
