import Sparse
import SoftmaxRegression
import TextFeatures

/// A text classifier: a fitted `Vectorizer` (text → sparse features) and a `SoftmaxModel`
/// (features → calibrated class probabilities). Pure computation: no I/O.
///
///     let (clf, report) = try SentimentClassifier.fit(texts: texts, labels: labels)
///     let p = clf.predict(["Shares soar after record profit"])[0]   // p.label, p.confidence, p.probabilities
public struct SentimentClassifier: Equatable, Sendable {
    public var vectorizer: Vectorizer { didSet { predicting = Self.predictingForm(vectorizer, model) } }
    public var model: SoftmaxModel { didSet { predicting = Self.predictingForm(vectorizer, model) } }
    /// The options it was fitted with (λ as tuned).
    public var options: ClassifierOptions
    /// What predictions run on when the embedding group is on: the group collapsed into one column per label.
    private var predicting: Predicting?

    /// Class names, in the order of every probability vector.
    public var labels: [String] { model.labels }

    public init(vectorizer: Vectorizer, model: SoftmaxModel, options: ClassifierOptions) {
        self.vectorizer = vectorizer
        self.model = model
        self.options = options
        predicting = Self.predictingForm(vectorizer, model)
    }

    /// The same scores (up to rounding) from a row with `labels.count` columns in place of the embedding group's
    /// `dimensions`: the group's weights move into the vectorizer (`Vectorizer.projectingEmbedding`) and the model
    /// carries identity weights on the new columns.
    struct Predicting: Equatable, Sendable {
        let vectorizer: Vectorizer
        let model: SoftmaxModel
    }

    /// What predictions run on: the collapsed form when there is one, else the classifier itself.
    private var scoring: (Vectorizer, SoftmaxModel) {
        predicting.map { ($0.vectorizer, $0.model) } ?? (vectorizer, model)
    }

    static func predictingForm(_ vectorizer: Vectorizer, _ model: SoftmaxModel) -> Predicting? {
        guard let table = vectorizer.embeddingTable else { return nil }
        // Columns: the sparse features, the group's, then any parent block's.
        let k = model.classCount, f = vectorizer.featureCount, d = table.dimensions
        let b = vectorizer.parentBlock?.columnCount ?? 0
        guard k > 0, model.featureCount == f + d + b,
              let projecting = vectorizer.projectingEmbedding(through: Array(model.weights[(f * k)..<((f + d) * k)]),
                                                              width: k)
        else { return nil }
        var weights = Array(model.weights[..<(f * k)])
        weights.reserveCapacity((f + k + b) * k)
        for c in 0..<k { for c2 in 0..<k { weights.append(c == c2 ? 1 : 0) } }
        weights += model.weights[((f + d) * k)...]
        return Predicting(vectorizer: projecting,
                          model: SoftmaxModel(labels: model.labels, featureCount: f + k + b, weights: weights,
                                              bias: model.bias, temperature: model.temperature))
    }

    // MARK: Fitting

    /// Fits a classifier on `texts` with their `labels` (parallel arrays; at least two distinct labels).
    ///
    /// Features: TF-IDF n-grams, by default times a supervised factor (`options.supervisedWeighting`) learned from
    /// the labels (in cross-validation from each fold's training rows only). The tokenizer turns on what the texts
    /// need (`TokenizerConfig.adapted(to:)`: Arabic spelling, emoticons), and the stored options record it.
    /// Tuning (per `options.tuning`): λ is chosen by stratified k-fold CV on macro-F1 and the temperature is fitted
    /// on the out-of-fold logits. Without tuning the model is trained once at `options.training.l2`, warm-started
    /// from `warmStart` when its labels match (its features are carried over by name; new ones start at zero), and
    /// keeps temperature 1.
    /// With `maxWeights`, a model of more than that many weights (features × labels) is refused with
    /// `ModelSizeError` before it is allocated (hashing: before anything; vocabulary: once counted, also when it
    /// has more than `ModelLimits.maxDistinctNgramsInMemory` distinct n-grams).
    /// - Throws: `ClassifierError` for bad input, `SoftmaxError` for bad training settings.
    /// With `options.charNgramTrial`, a tuned fit lets cross-validation choose character n-grams or none
    /// (`CharGroupFit.swift`).
    /// With `embeddings`, the static word-embedding group is tried at each of `options.embeddingWeights` (see
    /// `EmbeddingGroupFit.swift`), pooled by `embeddingPooling` or else as `embeddingPooling(rows:)` says for this
    /// corpus; without, it is off and `embeddingWeights` is cleared in the stored options.
    /// With `parent` (a model whose training data is not among `texts`), a tuned fit also tries the parent's
    /// knowledge: the parent's rows as a block beside the corpus's features (as the character and embedding trials
    /// chose them), with L2 toward the parent's weights on the block at the strengths of `ParentPrior.strengths`,
    /// chosen by cross-validation (0 = the corpus alone; see `ParentAdaptation.swift`).
    public static func fit(texts: [String], labels: [String], options: ClassifierOptions = .default,
                           warmStart: SentimentClassifier? = nil,
                           maxWeights: Int? = nil,
                           embeddings: EmbeddingTable? = nil,
                           parent: SentimentClassifier? = nil,
                           embeddingPooling pooling: EmbeddingPooling? = nil) throws -> (SentimentClassifier, FitReport) {
        guard texts.count == labels.count else {
            throw ClassifierError.invalidInput("\(texts.count) texts but \(labels.count) labels")
        }
        let labelNames = Array(Set(labels)).sorted()
        guard labelNames.count >= 2 else {
            throw ClassifierError.invalidInput("training needs at least 2 distinct labels, found \(labelNames.count)"
                                               + (labelNames.first.map { " (\"\($0)\")" } ?? ""))
        }
        try options.features.validate()
        let ids = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { ($0.element, Int32($0.offset)) })
        let y = labels.map { ids[$0]! }

        var limits = VocabularyLimits.none
        if let maxWeights {
            if case .hashing(let buckets) = options.features.vocabulary {
                try ModelLimits.check(features: buckets * (options.features.charNgrams == nil ? 1 : 2),
                                      labels: labelNames.count, limit: maxWeights, hashed: true)
            }
            limits = VocabularyLimits(maxDistinctKeys: ModelLimits.maxDistinctNgramsInMemory,
                                      maxFeatures: maxWeights / labelNames.count)
        }
        // A parent is adapted from in a tuned fit only; a corpus with fewer rows than folds is cross-validated with
        // one fold per row, so even a few headlines take the parent (at full strength: too few rows to judge it).
        // The stored options keep the folds asked for, so a retraining on more rows does not inherit these.
        let requestedFolds = options.folds
        var options = options
        options.features.tokenizer = options.features.tokenizer.adapted(to: texts)
        if let parent, parent.sharesEnoughLabels(with: labelNames), parent.makesParentBlock,
           options.tunes(rows: texts.count), texts.count >= 2, texts.count < options.folds {
            options.folds = texts.count
        }
        let tuned = options.tunes(rows: texts.count) && options.folds >= 2 && texts.count >= options.folds
        var (vectorizer, X, foldFeatures): (Vectorizer, CSRMatrix, FoldFeatures?)
        do {
            (vectorizer, X, foldFeatures) = try features(texts, labels: y, classCount: labelNames.count,
                                                         options: options, folds: tuned, limits: limits)
        } catch let e as VocabularyLimitError {
            throw ModelSizeError.vocabulary(e, labels: labelNames.count)
        }
        var charReport: CharGroupReport? = nil
        var charOutcome: CrossValidation.Outcome? = nil
        // With a parent, the trial decides the corpus's features; the parent's block is tried beside them.
        if tuned, let range = options.charNgramTrial {
            if let reason = charTrialSkipReason(options, rows: texts.count) {
                charReport = CharGroupReport(range: range, scoreOff: nil, scoreOn: nil, chosen: false, skipped: reason)
            } else {
                // The embedding trial on a large corpus starts its folds from these (`chooseEmbeddingWeight`).
                let warm = embeddings != nil && options.embeddingWeights.contains { $0 > 0 }
                    && texts.count > embeddingTrialRowLimit
                let choice = try chooseCharGroup(texts, labels: y, labelNames: labelNames, options: options, range: range,
                                                 limits: limits, word: (vectorizer, X, foldFeatures), keepFoldParameters: warm)
                (vectorizer, X, foldFeatures) = choice.features
                charOutcome = choice.outcome
                charReport = choice.report
            }
        }
        var opts = options
        opts.folds = requestedFolds
        if embeddings == nil { opts.embeddingWeights = [] }
        let model: SoftmaxModel
        let run: TrainingRun
        var tuning: TuningResult? = nil
        var calibration: CalibrationSummary? = nil
        var embeddingReport: EmbeddingGroupReport? = nil
        var adaptationReport: ParentAdaptationReport? = nil
        if tuned {
            let result: SoftmaxRegression.TrainingResult
            var group: EmbeddingGroupChoice? = nil
            if let embeddings, !options.embeddingWeights.isEmpty {
                // After the character trial chose its group, weight 0 is that trial's outcome (so a group that
                // stays off gives the same model as no table, without fitting it again).
                var tuning = options
                if let charOutcome { tuning.grid = charOutcome.result.grid }
                group = try chooseEmbeddingWeight(texts: texts, X: X, foldFeatures: foldFeatures, table: embeddings,
                                                  tokenizer: vectorizer.config.tokenizer, labels: y,
                                                  labelNames: labelNames, options: tuning, alone: charOutcome, pooling: pooling)
                embeddingReport = group!.report
                // Used: let the fold parameters go before the final fit.
                charOutcome?.foldParameters = []
                group!.outcome.foldParameters = []
            }
            if let parent, let prior = ParentPrior.make(parent: parent, texts: texts, labelNames: labelNames) {
                // The parent's strengths are tried beside the corpus's features as its own trials chose them.
                let choice = try tuneWithParent(prior, X: group?.X ?? X,
                                                vectorizer: group.map { vectorizer.attaching($0.table, weight: $0.weight, pooling: $0.pooling) } ?? vectorizer,
                                                foldFeatures: group?.foldFeatures ?? foldFeatures,
                                                labels: y, labelNames: labelNames, options: options,
                                                alone: group?.outcome ?? charOutcome)
                result = choice.result
                adaptationReport = choice.report
                X = choice.X
                vectorizer = choice.vectorizer
            } else if let group {
                result = try SoftmaxTrainer.fitTuned(group.X, labels: y, labelNames: labelNames, config: options.training,
                                                     outcome: group.outcome)
                X = group.X
                vectorizer = vectorizer.attaching(group.table, weight: group.weight, pooling: group.pooling)
            } else if let charOutcome {
                result = try SoftmaxTrainer.fitTuned(X, labels: y, labelNames: labelNames, config: options.training,
                                                     outcome: charOutcome)
            } else {
                result = try SoftmaxTrainer.fitTuned(X, labels: y, labelNames: labelNames, grid: options.grid,
                                                     folds: options.folds, config: options.training,
                                                     foldFeatures: foldFeatures)
            }
            model = result.model
            run = result.run
            tuning = result.tuning
            calibration = result.calibration
            opts.training.l2 = result.tuning.chosenL2
        } else {
            var start: SoftmaxModel? = nil
            if let warmStart, warmStart.labels == labelNames {
                start = warmStart.remapped(onto: vectorizer)
            }
            (model, run) = try SoftmaxTrainer.fit(X, labels: y, labelNames: labelNames, config: options.training,
                                                  warmStart: start)
        }
        var counts: [String: Int] = [:]
        for l in labels { counts[l, default: 0] += 1 }
        let report = FitReport(rows: texts.count, featureCount: vectorizer.featureCount, nonZeros: X.nonZeroCount,
                               labelCounts: counts, tuned: tuned, run: run, tuning: tuning, calibration: calibration,
                               warmStarted: !tuned && warmStart != nil && warmStart!.labels == labelNames,
                               embeddings: embeddingReport, adaptation: adaptationReport, chars: charReport)
        return (SentimentClassifier(vectorizer: vectorizer, model: model, options: opts), report)
    }

    /// This classifier's model moved onto another vectorizer's columns, matching features by name
    /// (vocabulary mode) or keeping columns (same hashing configuration). Features only the new vectorizer
    /// knows start at zero.
    func remapped(onto other: Vectorizer) -> SoftmaxModel {
        if vectorizer.featureNames.isEmpty || other.featureNames.isEmpty {
            // Hashing: columns mean the same thing only under the same feature configuration.
            guard vectorizer.config == other.config, vectorizer.featureCount == other.featureCount else {
                return SoftmaxModel(labels: model.labels, featureCount: other.featureCount, bias: model.bias)
            }
            return model
        }
        var column: [String: Int32] = [:]
        column.reserveCapacity(other.featureNames.count)
        for (i, name) in other.featureNames.enumerated() { column[name] = Int32(i) }
        let mapping = vectorizer.featureNames.map { column[$0] }
        return model.remapped(featureCount: other.featureCount, mapping: mapping)
    }

    // MARK: Predicting

    /// Calibrated probabilities of every text, `texts.count × labels.count`, row-major. Parallel (unless
    /// `parallel` is false: then on the calling thread only) and deterministic: each row is computed on its own.
    public func probabilities(_ texts: [String], parallel: Bool = true) -> [Float] {
        let (v, m) = scoring
        let k = m.classCount
        guard !texts.isEmpty, k > 0 else { return [] }
        var out = [Float](repeating: 0, count: texts.count * k)
        out.withUnsafeMutableBufferPointer { o in
            let base = DisjointPointer(o.baseAddress!)
            // Each row is scored as it is made: no matrix of all rows is built, copied or read back.
            v.forEachRow(texts, parallel: parallel) { i, cols, vals in m.writeProbabilities(indices: cols, values: vals, into: base.base + i * k) }
        }
        return out
    }

    /// Label, confidence and every label's probability for each text.
    public func predict(_ texts: [String]) -> [Prediction] {
        let k = labels.count
        let p = probabilities(texts)
        return (0..<texts.count).map { i in Prediction(labels: labels, probabilities: Array(p[i * k..<(i + 1) * k])) }
    }

    /// The prediction for one text.
    public func predict(_ text: String) -> Prediction {
        let (v, m) = scoring
        let row = v.transform(text)
        return Prediction(labels: labels, probabilities: m.probabilities(indices: row.indices, values: row.values))
    }

    // MARK: Evaluating

    /// The classification report of this classifier on labelled texts.
    /// - Throws: `ClassifierError.unknownLabel` (with the row index) when a label is not one of the model's.
    public func evaluate(texts: [String], labels truth: [String]) throws -> ClassificationReport {
        guard texts.count == truth.count else {
            throw ClassifierError.invalidInput("\(texts.count) texts but \(truth.count) labels")
        }
        let ids = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0.element, $0.offset) })
        var y: [Int] = []
        y.reserveCapacity(truth.count)
        for (i, l) in truth.enumerated() {
            guard let id = ids[l] else { throw ClassifierError.unknownLabel(l, row: i, known: labels) }
            y.append(id)
        }
        return try ClassificationReport(labels: labels, truth: y, probabilities: probabilities(texts))
    }
}

/// One prediction: the most probable label, its probability and every label's probability.
public struct Prediction: Equatable, Sendable {
    public var label: String
    public var labelIndex: Int
    /// Probability of `label`.
    public var confidence: Float
    /// Probability of every label, in the classifier's label order.
    public var probabilities: [Float]

    /// The argmax of `probabilities` (ties → the first label).
    public init(labels: [String], probabilities: [Float]) {
        let best = Metrics.argmax(probabilities, classCount: probabilities.count).first ?? 0
        self.label = labels[best]
        self.labelIndex = best
        self.confidence = probabilities[best]
        self.probabilities = probabilities
    }
}

/// What a fit did: data size, optimizer run, tuning and calibration (when tuned).
public struct FitReport: Codable, Equatable, Sendable {
    public var rows: Int
    public var featureCount: Int
    public var nonZeros: Int
    public var labelCounts: [String: Int]
    public var tuned: Bool
    public var run: TrainingRun
    public var tuning: TuningResult?
    public var calibration: CalibrationSummary?
    /// Whether the final fit started from a previous model's weights.
    public var warmStarted: Bool
    /// Out-of-core training (`StreamingFit`): the rows held out for early stopping and calibration.
    public var heldOutRows: Int? = nil
    /// What cross-validation made of the static word-embedding group (nil: no table, or not tuned).
    public var embeddings: EmbeddingGroupReport? = nil
    /// The temperature fitted on predictions for corpora held out one at a time (`--calibrate-across-corpora`),
    /// which replaced the cross-validated one.
    public var groupCalibration: GroupCalibration? = nil
    /// What cross-validation made of the parent's weights (nil: no parent to adapt from, or not tuned).
    public var adaptation: ParentAdaptationReport? = nil
    /// What cross-validation made of the character n-gram group (nil: not tuned, or no trial in the options).
    public var chars: CharGroupReport? = nil

    /// Best mean cross-validated macro-F1 (when tuned).
    public var crossValidatedMacroF1: Double? {
        guard let t = tuning, t.chosenIndex < t.meanScores.count else { return nil }
        return t.meanScores[t.chosenIndex]
    }
}

/// Input the classifier cannot use. One line a user can act on.
public enum ClassifierError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidInput(String)
    /// `row` is the 0-based index of the text in the batch.
    case unknownLabel(String, row: Int, known: [String])
    /// A stored model lacks a part or its parts disagree.
    case invalidStoredModel(String)

    public var description: String {
        switch self {
        case let .invalidInput(m): return m
        case let .unknownLabel(l, _, known):
            return "label \"\(l)\" is not one of the model's labels (\(known.joined(separator: ", ")))"
        case let .invalidStoredModel(m): return "stored model: \(m)"
        }
    }
}
