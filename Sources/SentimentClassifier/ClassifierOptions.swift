import SoftmaxRegression
import TextFeatures

/// Everything that decides how a classifier is fitted: the feature pipeline, the optimizer and
/// whether λ is tuned by cross-validation. Stored with every model (as its hyper-parameters).
public struct ClassifierOptions: Codable, Equatable, Sendable {
    /// Tokenizer, n-grams, vocabulary and weighting.
    public var features: FeatureConfig
    /// λ, class weighting, optimizer, seed.
    public var training: TrainingConfig
    /// `.automatic` tunes λ when the corpus has at most ``tuneRowLimit`` rows.
    public var tuning: TuningMode
    /// λ candidates for tuning.
    public var grid: [Double]
    /// Cross-validation folds (tuning and temperature fitting).
    public var folds: Int
    /// Factor on the TF-IDF column weights learned from the labels. Options stored without it (models trained
    /// before it existed) decode as `.none`, which is how they were trained.
    public var supervisedWeighting: SupervisedWeighting
    /// Candidate weights of the static word-embedding group (0 = off), chosen with λ by cross-validation when a
    /// table is given to the fit (`EmbeddingGroupFit.swift`); empty: the group is never used. Left out of the JSON
    /// when empty, so options of models trained without a table (and before the group existed) keep their bytes.
    public var embeddingWeights: [Double]
    /// Character n-grams inside words that cross-validation tries against none when tuning (`CharGroupFit.swift`;
    /// `features.charNgrams` set means always on); nil: not tried. Options stored without it (models trained
    /// before it existed) decode as nil, and it is left out of the JSON when nil, so their bytes do not change.
    public var charNgramTrial: CharNgramRange?

    public enum TuningMode: String, Codable, Equatable, Sendable {
        case automatic, on, off
    }

    /// Above this many rows `.automatic` trains once at `training.l2` instead of tuning
    /// (issue 3: tuning is on by default for corpora up to ~50k rows).
    public static let tuneRowLimit = 50_000

    public init(features: FeatureConfig = ClassifierOptions.defaultFeatures, training: TrainingConfig = .default,
                tuning: TuningMode = .automatic, grid: [Double] = CrossValidation.defaultGrid, folds: Int = 5,
                supervisedWeighting: SupervisedWeighting = .naiveBayes,
                embeddingWeights: [Double] = ClassifierOptions.defaultEmbeddingWeights,
                charNgramTrial: CharNgramRange? = ClassifierOptions.defaultCharNgramTrial) {
        self.features = features
        self.training = training
        self.tuning = tuning
        self.grid = grid
        self.folds = folds
        self.supervisedWeighting = supervisedWeighting
        self.embeddingWeights = embeddingWeights
        self.charNgramTrial = charNgramTrial
    }

    private enum CodingKeys: String, CodingKey { case features, training, tuning, grid, folds, supervisedWeighting, embeddingWeights, charNgramTrial }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(features, forKey: .features)
        try c.encode(training, forKey: .training)
        try c.encode(tuning, forKey: .tuning)
        try c.encode(grid, forKey: .grid)
        try c.encode(folds, forKey: .folds)
        try c.encode(supervisedWeighting, forKey: .supervisedWeighting)
        if !embeddingWeights.isEmpty { try c.encode(embeddingWeights, forKey: .embeddingWeights) }
        try c.encodeIfPresent(charNgramTrial, forKey: .charNgramTrial)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(features: try c.decode(FeatureConfig.self, forKey: .features),
                  training: try c.decode(TrainingConfig.self, forKey: .training),
                  tuning: try c.decode(TuningMode.self, forKey: .tuning),
                  grid: try c.decode([Double].self, forKey: .grid),
                  folds: try c.decode(Int.self, forKey: .folds),
                  supervisedWeighting: try c.decodeIfPresent(SupervisedWeighting.self, forKey: .supervisedWeighting) ?? .none,
                  embeddingWeights: try c.decodeIfPresent([Double].self, forKey: .embeddingWeights) ?? [],
                  charNgramTrial: try c.decodeIfPresent(CharNgramRange.self, forKey: .charNgramTrial))
    }

    /// Word 1–2-grams over a learned vocabulary (features seen in at least 2 texts), sublinear TF-IDF,
    /// L2-normalized, negation marking on (and, by the `supervisedWeighting` default, TF-IDF × naive Bayes ratios),
    /// with the English polarity lexicon's class tokens. A vocabulary (rather than hashing) keeps models small and
    /// explanations readable; see the README for the measurements behind it.
    public static let defaultFeatures = FeatureConfig(
        tokenizer: TokenizerConfig(polarityLexicon: PolarityLexicon.english.identity,
                                   changeLexicon: ChangeLexicon.english.identity),
        wordNgrams: 2, vocabulary: .vocabulary(minDocumentFrequency: 2, maxFeatures: nil),
        weighting: .tfidf, sublinearTF: true, l2Normalize: true)

    /// Embedding group weights tried by default: off, and the group scaled by half and by 1 beside the
    /// (unit-length) sparse part of a row.
    public static let defaultEmbeddingWeights: [Double] = [0, 0.5, 1]

    /// The default candidates above `SentimentClassifier.embeddingTrialRowLimit` rows: off, or the group at half
    /// the length of the sparse part, each fold fit with dense columns being dear on a large corpus.
    public static let largeCorpusEmbeddingWeights: [Double] = [0, 0.5]

    /// Character n-grams tried by default: 4-grams of `<word>` only. On finance tweets and PhraseBank they gain as
    /// much held-out macro-F1 as scikit-learn's 2–5 range at about a third of its training cost (see README).
    public static let defaultCharNgramTrial: CharNgramRange? = CharNgramRange(min: 4, max: 4)

    public static let `default` = ClassifierOptions()

    /// Whether a corpus of `rows` rows is tuned.
    public func tunes(rows: Int) -> Bool {
        switch tuning {
        case .on: return true
        case .off: return false
        case .automatic: return rows <= Self.tuneRowLimit
        }
    }
}
