import Sparse
import SoftmaxRegression
import TextFeatures

/// What a tuned fit made of the character n-gram group (``ClassifierOptions/charNgramTrial``).
public struct CharGroupReport: Codable, Equatable, Sendable {
    /// The n-gram lengths tried.
    public var range: CharNgramRange
    /// Best mean cross-validated macro-F1 without / with the group.
    public var scoreOff: Double?
    public var scoreOn: Double?
    /// Whether the model has the group.
    public var chosen: Bool
    /// Why the group was not tried (nil: it was).
    public var skipped: String?
}

extension SentimentClassifier {
    /// Above this many rows the group is not tried: the trial costs a second cross-validation on features with
    /// ~3× the entries of the word features. As far as tuning goes by default: on a corpus it tunes, the trial
    /// costs about as much again as the tuning itself (README, Benchmarks).
    public static let charTrialRowLimit = ClassifierOptions.tuneRowLimit

    /// The trial's λ values: the word features' choice and this many stronger neighbours in the grid (weaker λ
    /// fit slowest and gained at most 0.002 CV macro-F1 in the measurements; see the commit).
    public static let charLambdaNeighbours = 1

    /// Why the character group is not tried on `rows` rows with `options` (nil: it is).
    static func charTrialSkipReason(_ options: ClassifierOptions, rows: Int) -> String? {
        if options.features.charNgrams != nil { return "always on" }
        if case .hashing = options.features.vocabulary { return "hashed features" }
        if rows > charTrialRowLimit { return "over \(charTrialRowLimit) rows" }
        return nil
    }

    /// Cross-validates the word features (λ along the whole grid, exactly as without the trial) and the same
    /// features plus character n-grams of `range` (at the word features' choice and the next stronger λ only: the
    /// wider rows make each fold fit several times dearer). The better mean macro-F1 wins; a tie keeps the group off, so a corpus
    /// where it does not help keeps today's model and prediction cost. `keepFoldParameters`: the outcome carries
    /// its folds' parameters (for the embedding trial's warm start).
    static func chooseCharGroup(_ texts: [String], labels y: [Int32], labelNames: [String], options: ClassifierOptions,
                                range: CharNgramRange, limits: VocabularyLimits,
                                word: (Vectorizer, CSRMatrix, FoldFeatures?), keepFoldParameters: Bool = false)
        throws -> (features: (Vectorizer, CSRMatrix, FoldFeatures?), outcome: CrossValidation.Outcome, report: CharGroupReport) {
        let off = try CrossValidation.tuneWithOutOfFoldLogits(
            word.1, labels: y, labelNames: labelNames, grid: options.grid, folds: options.folds,
            config: options.training, foldFeatures: word.2, keepFoldParameters: keepFoldParameters)
        let offScore = off.result.meanScores[off.result.chosenIndex]
        var report = CharGroupReport(range: range, scoreOff: offScore, scoreOn: nil, chosen: false, skipped: nil)
        var withChars = options
        withChars.features.charNgrams = range
        let chars: (Vectorizer, CSRMatrix, FoldFeatures?)
        do {
            chars = try features(texts, labels: y, classCount: labelNames.count, options: withChars, folds: true,
                                 limits: limits)
        } catch is VocabularyLimitError {
            report.skipped = "vocabulary over the model size limit"
            return (word, off, report)
        }
        let grid = options.grid
        let order = grid.indices.sorted { grid[$0] != grid[$1] ? grid[$0] > grid[$1] : $0 < $1 }
        let at = order.firstIndex(of: off.result.chosenIndex) ?? 0
        let near = order[max(0, at - charLambdaNeighbours)...at].map { grid[$0] }
        let on = try CrossValidation.tuneWithOutOfFoldLogits(
            chars.1, labels: y, labelNames: labelNames, grid: near, folds: options.folds,
            config: options.training, pathPatience: 0, foldFeatures: chars.2, keepFoldParameters: keepFoldParameters)
        let onScore = on.result.meanScores[on.result.chosenIndex]
        report.scoreOn = onScore
        guard let onScore, onScore > (offScore ?? -.infinity) + 1e-12 else { return (word, off, report) }
        report.chosen = true
        return (chars, on, report)
    }
}
