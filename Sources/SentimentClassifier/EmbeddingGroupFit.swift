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

    /// Up to this many rows the group is a unit-length mean, and every candidate weight is tried with the λ values
    /// next to the first weight's choice. Above, it is pooled by root count (`EmbeddingPooling.rootCount`), and
    /// each later weight is tried at the first weight's λ alone, starting from its fold models; by default
    /// (`ClassifierOptions.largeCorpusEmbeddingWeights`) there is one such weight. The dense columns make each fold
    /// fit several times dearer, and a wider search gains less as the corpus's own vocabulary fills in (README,
    /// "Static word embeddings on corpora of every size").
    public static let embeddingTrialRowLimit = 2_000

    /// λ values on each side of the first weight's choice tried for the other weights, up to
    /// `embeddingTrialRowLimit` rows.
    public static let embeddingLambdaNeighbours = 1

    /// How the group pools a text's vectors in a fit on `rows` rows. Root count keeps how much the words agree (the
    /// length of their sum), which larger corpora learned to use, and folds into a few values per word at
    /// prediction; on smaller ones the unit-length mean scored higher (README).
    public static func embeddingPooling(rows: Int) -> EmbeddingPooling {
        rows > embeddingTrialRowLimit ? .rootCount : .unitLength
    }

    /// The group at its chosen weight.
    struct EmbeddingGroupChoice {
        var weight: Double
        var table: EmbeddingTable
        var pooling: EmbeddingPooling
        /// `X` with the group appended at `weight` (`X` itself at 0).
        var X: CSRMatrix
        /// The fold features with the group appended likewise.
        var foldFeatures: FoldFeatures?
        var outcome: CrossValidation.Outcome
        var report: EmbeddingGroupReport
    }

    /// Chooses the embedding weight together with λ: one λ path per candidate weight (ascending; the default
    /// candidates include 0 = off), each on the sparse features with the group appended at that weight (in every
    /// fold too; the pooled vectors are computed once). The best mean macro-F1 wins; ties keep the smaller weight,
    /// so the group stays off unless it helps. `alone`, when given, is the outcome of cross-validating `X` itself
    /// on `options.grid` (the character trial's): it stands for the first weight when that is 0, instead of
    /// repeating those fits (on a large corpus it carries its fold parameters for the warm start). Pooling (unless
    /// given), λ values and starting points depend on the size (`embeddingTrialRowLimit`). The caller fits the
    /// final model (`choice.outcome` on `choice.X`).
    static func chooseEmbeddingWeight(texts: [String], X: CSRMatrix, foldFeatures: FoldFeatures?, table: EmbeddingTable,
                                      tokenizer: TokenizerConfig, labels y: [Int32], labelNames: [String],
                                      options: ClassifierOptions, alone: CrossValidation.Outcome? = nil,
                                      pooling: EmbeddingPooling? = nil) throws -> EmbeddingGroupChoice {
        let large = X.rowCount > embeddingTrialRowLimit
        let pooling = pooling ?? embeddingPooling(rows: X.rowCount)
        let means = table.means(texts, tokenizer: tokenizer, pooling: pooling)
        let candidates = Array(Set(options.embeddingWeights.filter { $0.isFinite && $0 >= 0 && $0 <= 100 })).sorted()
        let weights = means.coverage >= minimumEmbeddingCoverage && !candidates.isEmpty ? candidates : [0]
        let neighbours = large ? 0 : embeddingLambdaNeighbours
        var scores = [Double?](repeating: nil, count: weights.count)
        var best: (score: Double, choice: EmbeddingGroupChoice)? = nil
        var grid = options.grid
        var first: (weight: Double, parameters: [[Double]])? = nil
        let report = EmbeddingGroupReport(table: table.identity, coverage: means.coverage, weights: weights,
                                          meanScores: [], chosenWeight: 0)
        let k = labelNames.count, d = X.columnCount
        for (i, w) in weights.enumerated() {
            let Xw = w == 0 ? X : means.appended(to: X, weight: w)
            let folds = means.folds(weight: w, over: X, foldFeatures)
            // On a large corpus the folds start from the first weight's models (when `alone` carries them),
            // widened by the group's columns (zero) before the biases: fewer iterations at the same optimum.
            var start: [[Double]]? = nil
            if large, let f = first, !f.parameters.isEmpty {
                let widen = f.weight == 0 && w > 0
                start = f.parameters.map { t in
                    widen ? Array(t[..<(d * k)]) + [Double](repeating: 0, count: means.dimensions * k) + t[(d * k)...] : t
                }
            }
            let outcome: CrossValidation.Outcome
            if i == 0, w == 0, let alone, alone.result.grid == grid {
                outcome = alone
            } else {
                outcome = try CrossValidation.tuneWithOutOfFoldLogits(
                    Xw, labels: y, labelNames: labelNames, grid: grid, folds: options.folds,
                    config: options.training, foldFeatures: folds, initial: start,
                    keepFoldParameters: large && i == 0)
            }
            let choice = EmbeddingGroupChoice(weight: w, table: table, pooling: pooling, X: Xw, foldFeatures: folds,
                                              outcome: outcome, report: report)
            if i == 0 {
                // The dense columns make a fold fit several times dearer than the sparse one: after the first weight,
                // only λ next to its choice is tried (neighbours in the grid's strong → weak order).
                let order = grid.indices.sorted { grid[$0] != grid[$1] ? grid[$0] > grid[$1] : $0 < $1 }
                let at = order.firstIndex(of: outcome.result.chosenIndex) ?? 0
                grid = order[max(0, at - neighbours)...min(order.count - 1, at + neighbours)].map { grid[$0] }
                first = (w, outcome.foldParameters)
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
