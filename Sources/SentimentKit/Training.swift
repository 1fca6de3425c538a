import ClassifierStore
import CorpusIO
import DefaultModel
import Foundation
import SentimentClassifier
import SoftmaxRegression
import TextFeatures

/// Settings a training request may change; nil keeps the parent's (with `--from`) or the default.
public struct TrainingSettings: Sendable, Equatable {
    /// Tune λ by cross-validation; nil: automatic (by corpus size), off when `l2` is given.
    public var tune: Bool?
    public var classWeighting: ClassWeighting?
    public var l2: Double?
    public var ngrams: Int?
    public var minDocumentFrequency: Int?
    public var supervisedWeighting: SupervisedWeighting?
    public var seed: UInt64?
    /// Hash features into this many buckets instead of learning a vocabulary.
    public var buckets: Int?
    /// The static word-embedding group: true = cross-validation tries the default candidate weights (or the
    /// parent's) at any corpus size, and a missing table is an error; false = off; nil = the parent's candidate
    /// weights, else the defaults, which give way to `ClassifierOptions.largeCorpusEmbeddingWeights` above
    /// `SentimentClassifier.embeddingTrialRowLimit` rows (`StaticEmbeddings.sized`).
    public var embeddings: Bool?
    /// Candidate weights of the embedding group for cross-validation (0 = off), instead of the default ones.
    public var embeddingWeights: [Double]?
    /// Character n-grams inside words; nil: the parent's, else `.auto`.
    public var charNgrams: CharNgramSetting?
    /// The store's shipped model (`default`) as a parent block beside the corpus's features, its strength chosen
    /// by cross-validation (0 = the corpus alone), when no other parent brings weights: true = at any size; false =
    /// never; nil = on data of up to `SentimentClassifier.defaultParentRowLimit` rows. Not passed on to retraining.
    public var defaultParent: Bool?
    /// The project's English word lists: the polarity lexicon's class tokens and the change list's subject-and-change
    /// pairs (`TokenizerConfig.polarityLexicon`, `changeLexicon`); nil: the parent's, else on.
    public var lexicon: Bool?

    public init() {}

    /// The parent's options (or the defaults) with these settings applied.
    public func options(parent: ClassifierOptions?) -> ClassifierOptions {
        var options = parent ?? ClassifierOptions.default
        if parent != nil { options.tuning = .automatic }
        if let tune { options.tuning = tune ? .on : .off } else if l2 != nil { options.tuning = .off }
        if let classWeighting { options.training.classWeighting = classWeighting }
        if let l2 { options.training.l2 = l2 }
        if let ngrams { options.features.wordNgrams = ngrams }
        if let minDocumentFrequency {
            if case .vocabulary(_, let maxFeatures) = options.features.vocabulary {
                options.features.vocabulary = .vocabulary(minDocumentFrequency: minDocumentFrequency, maxFeatures: maxFeatures)
            } else {
                options.features.vocabulary = .vocabulary(minDocumentFrequency: minDocumentFrequency, maxFeatures: nil)
            }
        }
        if let buckets { options.features.vocabulary = .hashing(buckets: buckets) }
        if let seed { options.training.seed = seed }
        if let lexicon {
            options.features.tokenizer.polarityLexicon = lexicon ? PolarityLexicon.english.identity : nil
            options.features.tokenizer.changeLexicon = lexicon ? ChangeLexicon.english.identity : nil
        }
        if let supervisedWeighting { options.supervisedWeighting = supervisedWeighting }
        charNgrams?.apply(to: &options)
        // Without a word from the request the candidates are the defaults' (or the parent's); whether the group is
        // tried at all, and how widely, is decided by the corpus's size (`StaticEmbeddings.sized`, `forTraining`).
        if embeddings == false {
            options.embeddingWeights = []
        } else if let embeddingWeights {
            options.embeddingWeights = embeddingWeights
        } else if embeddings == true {
            if options.embeddingWeights.isEmpty { options.embeddingWeights = ClassifierOptions.defaultEmbeddingWeights }
        }
        return options
    }

    /// Whether the request itself asks for the embedding group (`--embeddings`, `--embedding-weights`): then it is
    /// tried whatever the corpus's size, and a missing table is an error.
    var asksForEmbeddings: Bool { embeddings == true || embeddingWeights.map { $0.contains { $0 > 0 } } == true }
}

/// What to train: corpora, lineage and settings.
public struct TrainingRequest: Sendable {
    /// Labelled corpus files (`-`: standard input, in memory only).
    public var corpora: [String]
    public var reading: CorpusOptions
    /// The model's name; default: the parent's name, else the first corpus file's name.
    public var name: String?
    /// Continue this stored model: its settings, its corpora (plus the new ones) and, when not tuning, its weights.
    public var parent: ModelReference?
    /// Add the store's corrected predictions to the training data.
    public var includeCorrections: Bool
    public var settings: TrainingSettings
    /// Train out of core; nil: when the corpus files together exceed `streamingThreshold` bytes.
    public var streaming: Bool?
    /// Make the new model the active one (without it, it becomes active only when no model is).
    public var activate: Bool
    /// Fit the temperature on predictions for each corpus by a model trained on the others (in memory, with two
    /// or more corpora): honest confidence on kinds of text the model never saw, as a shipped model needs.
    public var calibrateAcrossCorpora = false
    /// Asked between phases (after reading, after fitting, before storing): true stops the training with
    /// `CancellationError`, leaving the store as it was. A fit in progress is not interrupted.
    public var isCancelled: (@Sendable () -> Bool)? = nil

    /// - Throws: `CancellationError` once `isCancelled` says so.
    func checkCancelled() throws {
        if isCancelled?() == true { throw CancellationError() }
    }

    public init(corpora: [String], reading: CorpusOptions = CorpusOptions(), name: String? = nil,
                parent: ModelReference? = nil, includeCorrections: Bool = false,
                settings: TrainingSettings = TrainingSettings(), streaming: Bool? = nil, activate: Bool = true) {
        self.corpora = corpora
        self.reading = reading
        self.name = name
        self.parent = parent
        self.includeCorrections = includeCorrections
        self.settings = settings
        self.streaming = streaming
        self.activate = activate
    }

    /// Most distinct labels a model may have: the weights grow with features × labels, and a corpus with more is
    /// far more likely a wrong label column than a classification task.
    public static let maxLabels = 1_000

    /// Corpus files larger than this together are trained out of core unless `streaming` says otherwise.
    public static let streamingThreshold = 32 << 20

    /// Whether to train out of core: as asked, else by the corpus files' total size (standard input: never).
    public var streams: Bool {
        if let streaming { return streaming }
        if corpora.contains("-") { return false }
        let bytes = corpora.reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0)
        }
        return bytes > Self.streamingThreshold
    }
}

/// Milestones of a training, for progress and timings.
public enum TrainingEvent: Sendable {
    /// A phase ended: `read`, `hash`, `fit`, `corpora`, `model`.
    case phaseEnded(String)
    /// The fit starts on this many rows.
    case fitStarted(rows: Int, outOfCore: Bool)
    case fitEnded
    /// Reading a corpus file: rows read so far and, when known, the share of the file read (0…1). Sent when a
    /// file starts (0 rows) and, out of core, after each chunk.
    case reading(file: String, rows: Int, fraction: Double?)
    /// Something the user should know that does not stop the training (labels that differ only in case).
    case warning(String)
}

/// Labels that differ only in case or surrounding spaces (`Positive`, `positive`) become separate classes, which is
/// rarely meant: one line per group naming each spelling and its count (empty when there is none).
public func labelSpellingWarnings(_ counts: [String: Int]) -> [String] {
    var groups: [String: [String]] = [:]
    for label in counts.keys { groups[label.trimmingCharacters(in: .whitespaces).lowercased(), default: []].append(label) }
    return groups.values.filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] }.map { spellings in
        "labels " + spellings.map { "\"\($0)\" (\(counts[$0] ?? 0) rows)" }.joined(separator: ", ")
            + " differ only in case or spaces: they are trained as \(spellings.count) different classes"
    }
}

/// A trained and stored model with what went into it.
public struct TrainingResult: Sendable {
    public var model: ModelInfo
    public var classifier: SentimentClassifier
    public var report: FitReport
    /// The corpora this training imported or found in the store (not the parent's).
    public var corpora: [CorpusInfo]
    public var corrections: Int
    public var parent: ModelInfo?
    /// Wall time from the start of the request to the stored model.
    public var seconds: Double
}

/// A stored model loaded to continue from.
struct Parent {
    var classifier: SentimentClassifier
    var stored: StoredModel
}

extension SentimentService {
    /// Trains and stores a model; it becomes the active one unless `request.activate` is false (then only when no
    /// model is active).
    ///
    /// In memory, every corpus is read and checked before the store is touched. Out of core, one pass reads each
    /// file while a second thread imports its documents in one transaction, committed once all are read and good.
    public func train(_ request: TrainingRequest, events: (TrainingEvent) -> Void = { _ in }) throws -> TrainingResult {
        // Checked before anything is read or imported: a bad name must not leave corpora behind.
        if let name = request.name, let problem = ModelName.problem(name) {
            throw SentimentKitError.invalidInput("model name \"\(name)\" \(problem)")
        }
        if request.name == nil, request.parent == nil, let first = request.corpora.first {
            let stem = corpusNameAndPath(first).name
            if let problem = ModelName.problem(stem) {
                throw SentimentKitError.invalidInput("\(first): the model would be named \"\(stem)\", which \(problem); give --name")
            }
        }
        let streams = request.streams
        // In memory the corpus is held as texts and a weighted matrix: about 16 times its size in files.
        let corpusBytes = streams ? 0 : request.corpora.reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0)
        }
        try AddressSpace.reserve(AddressSpace.baseNeed + 16 * corpusBytes, for: "training")
        return streams ? try trainStreaming(request, events: events) : try trainInMemory(request, events: events)
    }

    private func trainInMemory(_ request: TrainingRequest, events: (TrainingEvent) -> Void) throws -> TrainingResult {
        let started = Date()
        let corpora = try request.corpora.map { path in
            events(.reading(file: path, rows: 0, fraction: nil))
            try request.checkCancelled()
            return try readLabelledCorpus(path, request.reading)
        }
        events(.phaseEnded("read"))
        try request.checkCancelled()
        var texts: [String] = [], labels: [String] = [], groups: [Int] = []
        let parent = try request.parent.map(loadParent)
        var known = Set<String>()  // SHA-256 of the corpora already in the training data
        if let parent {
            for id in parent.stored.corpusIds {
                known.insert(try store.corpus(id: id).sha256)
                for d in try store.documents(corpusId: id) { texts.append(d.text); labels.append(d.label); groups.append(Int(id)) }
            }
        }
        let stored = corpora.map(newCorpus)
        events(.phaseEnded("hash"))
        for (i, (c, s)) in zip(corpora, stored).enumerated() where known.insert(s.sha256).inserted {
            texts += c.texts
            labels += c.labels
            groups += Array(repeating: -1 - i, count: c.texts.count)
        }
        var corrections = 0
        if request.includeCorrections {
            for c in try store.corrections() { texts.append(c.text); labels.append(c.label); groups.append(Int.min); corrections += 1 }
        }
        var options = request.settings.options(parent: parent?.classifier.options)
        if let parent, parent.stored.corpusIds.isEmpty {
            // A parent that brings only its weights (the shipped model, an imported one) has no say in the character
            // group: the corpus gets the trial it would get alone, and the parent's block is tried beside the
            // features it chose (the block makes the parent's own rows, character n-grams or not).
            if request.settings.charNgrams == nil { CharNgramSetting.auto.apply(to: &options) }
            // Nor in the tokenizer options the corpus's texts turn on (Arabic spelling, emoticons, Japanese …): the
            // corpus gets those it needs, as alone (the parent's block reads texts with the parent's own tokenizer).
            options.features.tokenizer = options.features.tokenizer.withoutAdaptedOptions
            // Nor in the embedding group, which the parent's weights do not cover: the corpus's own trial, as alone.
            if request.settings.embeddings == nil, request.settings.embeddingWeights == nil,
               parent.classifier.vectorizer.config.embeddings == nil {
                options.embeddingWeights = ClassifierOptions.defaultEmbeddingWeights
            }
        }
        try checkLabels(Set(labels).sorted(), options, request)
        var counts: [String: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        for warning in labelSpellingWarnings(counts) { events(.warning(warning)) }
        if let bad = options.embeddingWeights.first(where: { !($0.isFinite && $0 >= 0 && $0 <= 100) }) {
            throw SentimentKitError.invalidInput("embedding weight \(bad) is outside 0...100")
        }

        events(.fitStarted(rows: texts.count, outOfCore: false))
        // A parent that brings no corpora (the shipped model, an imported one) can pass on only its weights: the fit
        // adapts from them. One whose corpora are in the data is not also a prior: its weights already saw those
        // rows, so cross-validation would overrate it; but if it was itself adapted from a model without corpora
        // (it has a parent block), the fit adapts from that model again rather than drop what it brought.
        var adaptFrom = parent.flatMap { $0.stored.corpusIds.isEmpty ? $0.classifier : nil }
        if let parent, adaptFrom == nil, let block = parent.classifier.vectorizer.parentBlock {
            if let source = weightsOnlyAncestor(of: parent) ?? shippedModel(making: block, events) {
                adaptFrom = source
            } else {
                events(.warning("\(parent.stored.info.reference) was adapted from a model that is no longer in the store "
                                + "or now has corpora: the new model is trained without that model's weights"))
            }
        }
        // Without a parent that brings weights, small data tries the shipped model's (`train --from default`, but
        // the corpus keeps its own name and settings); lineage records it only if the fit took it. (A weights-only
        // parent has set `adaptFrom`; a parent with a block whose source is gone was warned about above.)
        var shipped: Parent? = nil
        let asked = request.settings.defaultParent == true
        if adaptFrom == nil, parent?.classifier.vectorizer.parentBlock == nil,
           !request.calibrateAcrossCorpora, options.tunes(rows: texts.count),
           request.settings.defaultParent ?? (texts.count <= SentimentClassifier.defaultParentRowLimit) {
            if let found = defaultParent(events) {
                if found.classifier.sharesEnoughLabels(with: Set(labels)) {
                    shipped = found
                    adaptFrom = found.classifier
                } else if asked {
                    events(.warning("the shipped model shares fewer than two labels with the corpus (its labels: "
                                    + found.classifier.labels.joined(separator: ", ") + "): the model is trained on the corpus alone"))
                }
            } else if asked {
                events(.warning("the store has no shipped model (\(DefaultModel.modelName) without corpora) to try: "
                                + "the model is trained on the corpus alone"))
            }
        } else if asked, adaptFrom == nil {
            events(.warning("the shipped model is tried only when tuning in memory, without --calibrate-across-corpora, "
                            + "and not beside a --from model adapted from a parent: the model is trained without it"))
        }
        if let adaptFrom, let parent, !adaptFrom.sharesEnoughLabels(with: labels) {
            events(.warning("\(parent.stored.info.reference) shares fewer than two labels with the corpus (its labels: "
                            + adaptFrom.labels.joined(separator: ", ") + "): the model is trained on the corpus alone"))
        } else if let adaptFrom, let parent, !adaptFrom.makesParentBlock {
            events(.warning("\(parent.stored.info.reference) has \(ParentBlockConfig.maxDepth) generations of parents of its own "
                            + "and brings no corpora: its weights cannot be carried over, so the model is trained on the corpus alone"))
        }
        options = StaticEmbeddings.sized(options, rows: texts.count, asked: request.settings.asksForEmbeddings)
        let table = try embeddingTable(for: options, rows: texts.count, required: request.settings.asksForEmbeddings)
        let fitted = Result { try SentimentClassifier.fit(texts: texts, labels: labels, options: options,
                                                         warmStart: parent?.classifier,
                                                         maxWeights: ModelLimits.maxWeightsInMemory, embeddings: table,
                                                         parent: adaptFrom) }
        events(.fitEnded)
        var classifier: SentimentClassifier, report: FitReport
        do { (classifier, report) = try fitted.get() } catch let e as ModelSizeError {
            throw tooLarge(e, request, streaming: false)
        }
        if request.calibrateAcrossCorpora {
            try calibrateAcrossCorpora(&classifier, &report, texts: texts, labels: labels, groups: groups, table: table)
        }
        events(.phaseEnded("fit"))
        try request.checkCancelled()
        if report.featureCount == 0 && classifier.vectorizer.parentBlock == nil {
            var why = "no feature was kept"
            if case .vocabulary(let minDF, _) = options.features.vocabulary, minDF > 1 {
                why += ": none occurs in at least \(minDF) of the \(texts.count) texts (lower --min-df)"
            }
            throw SentimentKitError.invalidInput("\(request.corpora.joined(separator: ", ")): \(why); nothing was stored")
        }

        // Store the corpora (deduplicated by content) and the model with its run in one transaction.
        let lineage = shipped.flatMap { classifier.vectorizer.parentBlock == nil ? nil : $0.stored.info }
        return try save(classifier, report, request: request, parent: parent, adaptedFrom: lineage, importing: stored,
                        imported: [], corrections: corrections, started: started, events: events)
    }

    /// The shipped model as the store holds it: the newest version of `default` that brings no corpora (a
    /// `train --from default` without `--name` adds versions of `default` that do). Nil when there is none, or
    /// (said in a warning) when it cannot be read: nobody asked for it, so it does not stop the training.
    func defaultParent(_ events: (TrainingEvent) -> Void) -> Parent? {
        do {
            let versions = try store.models().filter { $0.name == DefaultModel.modelName }.sorted { $0.version > $1.version }
            for info in versions {
                let stored = try store.loadModel(name: info.name, version: info.version)
                if stored.corpusIds.isEmpty { return Parent(classifier: try SentimentClassifier(stored: stored), stored: stored) }
            }
        } catch {
            events(.warning("the shipped model (\(DefaultModel.modelName)) could not be read, so it is not tried beside the corpus: \(error)"))
        }
        return nil
    }

    /// The store's shipped model when it is the one that made `block` (the same vectorizer: configuration,
    /// vocabulary and column weights): the source of a block the shipped model's default trial added beside a
    /// `--from` model with corpora, which the line of parents records as that model, not the shipped one.
    func shippedModel(making block: Vectorizer, _ events: (TrainingEvent) -> Void) -> SentimentClassifier? {
        guard let shipped = defaultParent(events)?.classifier, shipped.vectorizer == block else { return nil }
        return shipped
    }

    /// The shipped embedding table when the fit will try the group (`StaticEmbeddings.forTraining`).
    func embeddingTable(for options: ClassifierOptions, rows: Int, required: Bool) throws -> EmbeddingTable? {
        do {
            return try StaticEmbeddings.forTraining(options, rows: rows, required: required)
        } catch {
            throw SentimentKitError.invalidInput("\(error)")
        }
    }

    /// The nearest model up `model`'s line of parents (each training records the model it continued) that brings
    /// no corpora: where a parent block came from. Nil when the line ends first or a model in it is gone. Only that
    /// model is decoded into a classifier; the ones passed on the way are read for their parent and corpora.
    func weightsOnlyAncestor(of model: Parent) -> SentimentClassifier? {
        var current = model.stored
        var seen: Set<Int64> = [current.info.id]
        while let id = current.info.parentId, seen.insert(id).inserted,
              let info = try? store.modelInfo(id: id),
              let next = try? store.loadModel(name: info.name, version: info.version) {
            if next.corpusIds.isEmpty { return try? SentimentClassifier(stored: next) }
            current = next
        }
        return nil
    }

    func loadParent(_ reference: ModelReference) throws -> Parent {
        let stored = try withModelContext { try store.loadModel(name: reference.name, version: reference.version) }
        return Parent(classifier: try SentimentClassifier(stored: stored), stored: stored)
    }

    /// Training needs two distinct labels and at most `TrainingRequest.maxLabels`, and explicit class weights
    /// must name known labels.
    func checkLabels(_ distinct: [String], _ options: ClassifierOptions, _ request: TrainingRequest) throws {
        if distinct.count > TrainingRequest.maxLabels {
            let what = request.corpora.isEmpty ? "the training data" : request.corpora.joined(separator: ", ")
            throw SentimentKitError.invalidInput("\(what): \(distinct.count) distinct labels; a model has at most \(TrainingRequest.maxLabels) (is the label column right?)")
        }
        if distinct.count < 2 {
            let what = request.corpora.isEmpty ? "the training data" : request.corpora.joined(separator: ", ")
            throw SentimentKitError.invalidInput("\(what): \(distinct.isEmpty ? "no labels" : "only one distinct label (\"\(distinct[0])\")") found; training needs at least 2 distinct labels")
        }
        _ = try options.training.classWeighting.resolve(labelNames: distinct, labels: [])
    }

    /// A model over `ModelLimits`, said with what to change.
    func tooLarge(_ e: ModelSizeError, _ request: TrainingRequest, streaming: Bool) -> SentimentKitError {
        let what = request.corpora.isEmpty ? "the training data" : request.corpora.joined(separator: ", ")
        let advice: String
        switch e {
        case .weights: advice = streaming ? "lower --buckets" : "lower --buckets, or train with --streaming"
        case .vocabulary(.tooManyDistinctKeys, _): advice = "train with --streaming (hashed features) or fewer --ngrams"
        case .vocabulary(.tooManyFeatures, _): advice = "raise --min-df, or train with --streaming (hashed features)"
        }
        return .invalidInput("\(what): \(e); \(advice)")
    }

    /// Saves the model with its run, and imports the corpora not yet imported, in one transaction.
    /// `adaptedFrom`: the model recorded as parent when no `parent` was asked for (the shipped model the fit took).
    func save(_ classifier: SentimentClassifier, _ report: FitReport, request: TrainingRequest, parent: Parent?,
              adaptedFrom: ModelInfo? = nil, importing newCorpora: [NewCorpus], imported: [CorpusInfo],
              corrections: Int, started: Date, events: (TrainingEvent) -> Void) throws -> TrainingResult {
        let corpusIds = (parent?.stored.corpusIds ?? []) + imported.map(\.id)
        // The default name is the first corpus file's stem, in both modes (not the stored corpus's name, which may
        // be `NAME-2` when other content took `NAME`).
        let modelName = request.name ?? parent?.stored.info.name
            ?? request.corpora.first.map { corpusNameAndPath($0).name } ?? "model"
        let cv = try report.tuning.map { try canonicalJSON($0) }
        let run = NewTrainingRun(startedAt: started, finishedAt: Date(), iterations: report.run.iterations,
                                 finalLoss: report.run.finalLoss, crossValidation: cv)
        let (info, stored) = try store.saveModel(classifier.newModel(name: modelName, report: report,
                                                                     parentId: (parent?.stored.info ?? adaptedFrom)?.id,
                                                                     corpusIds: corpusIds, run: run,
                                                                     activate: request.activate),
                                                 importing: newCorpora)
        let seconds = Date().timeIntervalSince(started)
        events(.phaseEnded("model"))
        return TrainingResult(model: info, classifier: classifier, report: report, corpora: imported + stored,
                              corrections: corrections, parent: parent?.stored.info ?? adaptedFrom, seconds: seconds)
    }
}
