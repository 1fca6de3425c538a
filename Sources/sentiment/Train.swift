import ArgumentParser
import CorpusIO
import Foundation
import SentimentKit
import SentimentClassifier
import SoftmaxRegression
import TextFeatures

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a new model version on one or more labelled corpora.",
        discussion: """
            Imports the corpora into the store, fits a class-weighted softmax regression on word n-gram TF-IDF \
            features scaled by naive Bayes log-count ratios (λ tuned by 5-fold cross-validation for corpora up to 50,000 rows, probabilities calibrated by \
            temperature scaling) and saves it as the next version of NAME, which becomes the active model.

            On a terminal, reading a large corpus shows rows, rate and time left. Ctrl-C stops at the next step and \
            stores nothing (exit 130). Labels that differ only in case (Positive, positive) are warned about.

            With --from, the new model continues a stored one: it inherits its settings and its training corpora \
            (the new corpora are added), records it as parent, and starts from its weights when not tuning. A parent \
            without stored corpora (--from default, the shipped model; an imported model) passes on its weights: \
            each text's row as the parent makes it is set beside the corpus's features, and cross-validation \
            chooses how strongly the fit is pulled toward the parent's weights on them (0, 0.25, 0.5 or 1; 0 = the \
            corpus alone). Without --from, training data of up to 2,000 rows tries the shipped model this way \
            (--default-parent); the model records it as parent only when it is taken.

            Character n-grams inside words (4-grams of <word>) are tried against none by the same cross-validation \
            for corpora up to 50,000 rows and kept only when they score higher (--char-ngrams). Static word \
            embeddings (the words' vectors pooled into one per text) are tried the same way: at weights 0, 0.5 \
            and 1 on corpora up to 2,000 rows, and at 0 and 0.5 on larger ones up to 50,000 (--embeddings).

            Examples:
              sentiment train --corpus news.csv --name news
              sentiment train --from news --corpus more-news.jsonl --include-corrections
              sentiment train --from default --corpus my-500-headlines.csv --name mine
              sentiment train --corpus reviews.tsv --class-weight negative=3,positive=1.5 --no-tune --l2 1e-4
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var reading: CorpusReadingOptions

    @Option(name: .long, help: ArgumentHelp("A labelled corpus file (repeatable; - reads CSV from standard input).", valueName: "file"))
    var corpus: [String] = []

    @Option(help: ArgumentHelp("Model name (default: the --from model's name, else the first corpus file's name).", valueName: "name"))
    var name: String?

    @Option(help: ArgumentHelp("Continue from this stored model.", valueName: "name[@version]"))
    var from: ModelReference?

    @Flag(inversion: .prefixedNo, help: "Tune λ by cross-validation (default: when the corpus has at most 50,000 rows).")
    var tune: Bool?

    @Option(help: ArgumentHelp("Class weights: balanced, none, or LABEL=W,... (default: balanced).", valueName: "spec"))
    var classWeight: String?

    @Option(help: ArgumentHelp("L2 strength λ (default: 1e-4 when not tuning); giving it turns tuning off unless --tune.", valueName: "x"))
    var l2: Double?

    @Option(help: ArgumentHelp("Largest word n-gram length (default: 2).", valueName: "n"))
    var ngrams: Int?

    @Option(help: ArgumentHelp("Keep features seen in at least this many texts (default: 2).", valueName: "n"))
    var minDf: Int?

    @Option(help: ArgumentHelp("Factor on the TF-IDF weights learned from the labels: naive-bayes or none (default: naive-bayes).",
                               valueName: "kind"))
    var supervisedWeighting: String?

    @Flag(inversion: .prefixedNo, help: "Let cross-validation try the static word-embedding feature group (weights 0, 0.5, 1) when tuning, at any corpus size (default: tried whenever the shipped table is found, also when adapting from a parent without corpora such as --from default, with weights 0 and 0.5 only above 2,000 rows; --embeddings fails without the table).")
    var embeddings: Bool?

    @Flag(inversion: .prefixedNo, help: "Use the project's English word lists (Lexicons/en): each polarity word adds a class token, <lex+> or <lex->, and each change word (rose, fell, narrowed …) a token pairing it with the words before it, <costs→up>; the corpus decides their weights (default: on, or the parent's choice with --from).")
    var lexicon: Bool?

    @Flag(inversion: .prefixedNo, help: "Let cross-validation try the shipped model (the store's default) as a parent when no --from model brings weights, at any size (default: tried on training data of up to 2,000 rows; not with --calibrate-across-corpora).")
    var defaultParent: Bool?

    @Option(help: ArgumentHelp("Embedding group weights for cross-validation to choose from, comma-separated (default: 0,0.5,1; 0 = off).", valueName: "list"))
    var embeddingWeights: String?

    @Option(help: ArgumentHelp("Character n-grams inside words: auto (cross-validation chooses 4-grams or none when tuning, up to 50,000 rows), off, or lengths N or MIN-MAX, always on (default: auto, or the parent's choice with --from).",
                               valueName: "spec"))
    var charNgrams: String?

    @Option(help: ArgumentHelp("Seed for folds and shuffling (default: 42).", valueName: "n"))
    var seed: UInt64?

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Train out of core: stream the corpus, hash features, fit by SGD with early stopping on 2% held out (default: when the corpus files together exceed 32 MB).",
        valueName: "streaming"))
    var streaming: Bool?

    @Option(help: ArgumentHelp("Hash features into this many buckets instead of learning a vocabulary (streaming default: 524288; at most 16777216, and buckets × labels at most 2^26 out of core, 2^22 in memory).", valueName: "n"))
    var buckets: Int?

    @Flag(help: "Add the store's corrected predictions (sentiment correct) to the training data.")
    var includeCorrections = false

    @Flag(help: "Keep the active model active (the new one becomes active only when none is).")
    var noActivate = false

    @Flag(help: "Fit the confidence temperature on each corpus as predicted by a model trained on the others (needs two or more corpora; in memory): honest confidence on kinds of text the model never saw.")
    var calibrateAcrossCorpora = false

    @Option(help: "Output format.")
    var format: ReportFormat = .table

    @Flag(help: "Print how long each phase took (read, fit, store) on standard error.")
    var timings = false

    func validate() throws {
        if corpus.isEmpty && from == nil { throw ValidationError("give at least one --corpus FILE (or --from MODEL)") }
        if let l2, !(l2.isFinite && l2 >= 0) { throw ValidationError("--l2 must be a finite number ≥ 0, got \(l2)") }
        if let ngrams, !(1...5).contains(ngrams) { throw ValidationError("--ngrams must be in 1...5, got \(ngrams)") }
        if let minDf, minDf < 1 { throw ValidationError("--min-df must be ≥ 1, got \(minDf)") }
        if let supervisedWeighting, SupervisedWeighting(rawValue: supervisedWeighting) == nil {
            throw ValidationError("--supervised-weighting must be naive-bayes or none, got \(supervisedWeighting)")
        }
        if let charNgrams, CharNgramSetting(parsing: charNgrams) == nil {
            throw ValidationError("--char-ngrams must be auto, off, N or MIN-MAX with 1 ≤ MIN ≤ MAX ≤ 32, got \(charNgrams)")
        }
        if let buckets, !(1...FeatureConfig.maxBuckets).contains(buckets) {
            throw ValidationError("--buckets must be in 1...\(FeatureConfig.maxBuckets) (2^24), got \(buckets)")
        }
        if calibrateAcrossCorpora {
            if streaming == true { throw ValidationError("--calibrate-across-corpora trains in memory; drop --streaming") }
            if corpus.count + (from == nil ? 0 : 1) < 2 { throw ValidationError("--calibrate-across-corpora needs two or more corpora") }
        }
        if defaultParent == true {
            if streaming == true { throw ValidationError("--default-parent needs in-memory training; drop --streaming") }
            if tune == false || (l2 != nil && tune == nil) {
                throw ValidationError("--default-parent needs tuning (cross-validation chooses the parent's strength); drop --no-tune and --l2")
            }
            if calibrateAcrossCorpora { throw ValidationError("--default-parent and --calibrate-across-corpora exclude each other") }
        }
        if streaming == true {
            if tune == true { throw ValidationError("--tune needs in-memory training; drop --streaming") }
            if minDf != nil { throw ValidationError("--min-df applies to a learned vocabulary; --streaming hashes features (see --buckets)") }
            if corpus.contains("-") { throw ValidationError("--streaming reads corpus files twice (training, then the store); standard input cannot be") }
        }
        if let name, let problem = ModelName.problem(name) {
            throw ValidationError("--name \(problem)")
        }
    }

    /// The request this command's flags describe.
    func request() throws -> TrainingRequest {
        var settings = TrainingSettings()
        settings.tune = tune
        settings.classWeighting = try classWeight.map { try ClassWeighting(parsing: $0) }
        settings.l2 = l2
        settings.ngrams = ngrams
        settings.minDocumentFrequency = minDf
        settings.supervisedWeighting = supervisedWeighting.flatMap(SupervisedWeighting.init(rawValue:))
        settings.seed = seed
        settings.buckets = buckets
        settings.embeddings = embeddings
        settings.defaultParent = defaultParent
        settings.lexicon = lexicon
        settings.charNgrams = charNgrams.flatMap(CharNgramSetting.init(parsing:))
        settings.embeddingWeights = try embeddingWeights.map { list in
            try list.split(separator: ",").map { item in
                guard let w = Double(item.trimmingCharacters(in: .whitespaces)), w.isFinite, w >= 0, w <= 100 else {
                    throw ValidationError("--embedding-weights: \"\(item)\" is not a weight in 0...100")
                }
                return w
            }
        }
        var request = TrainingRequest(corpora: corpus, reading: reading.corpusOptions(), name: name, parent: from,
                                      includeCorrections: includeCorrections, settings: settings, streaming: streaming,
                                      activate: !noActivate)
        request.isCancelled = { Interruption.isRequested }
        request.calibrateAcrossCorpora = calibrateAcrossCorpora
        return request
    }

    func run() throws {
        try reporting {
            let request = try request()
            let location = store.location
            let existed = FileManager.default.fileExists(atPath: location.path)
            var clock = PhaseClock(enabled: timings)
            var phase: Phase? = nil
            var reading: (file: String, line: ProgressLine)? = nil
            Interruption.install(notice: "stopping after the current step; nothing is stored")
            do {
                let result = try store.service().train(request) { event in
                    switch event {
                    case .phaseEnded(let name):
                        reading?.line.clear()
                        clock.mark(name)
                    case .fitStarted(let rows, let outOfCore):
                        reading?.line.clear()
                        phase = Phase("training on \(counted(rows, "text"))" + (outOfCore ? ", out of core" : ""))
                    case .fitEnded: phase?.finish()
                    case .reading(let file, let rows, let fraction):
                        if reading?.file != file {
                            reading?.line.clear()
                            reading = (file, ProgressLine("reading \(file)"))
                        }
                        reading?.line.update(rows: rows, fraction: fraction)
                    case .warning(let text):
                        reading?.line.clear()
                        printError("sentiment: warning: \(text)")
                    }
                }
                if Interruption.isRequested {
                    printError("sentiment: Ctrl-C came after the model was stored: \(result.model.reference) is in \(location.displayName)")
                }
                try output(info: result.model, classifier: result.classifier, report: result.report,
                           corpora: result.corpora, corrections: result.corrections, seconds: result.seconds,
                           parent: result.parent)
            } catch {
                reading?.line.clear()
                phase?.finish()
                // A store this command created for nothing is removed: bad input leaves things as they were.
                if !existed {
                    for file in location.files { try? FileManager.default.removeItem(atPath: file) }
                }
                if Interruption.isRequested, error is CancellationError {
                    printError("sentiment: interrupted: nothing stored (a model and its corpora are stored together or not at all); \(location.displayName) is as it was")
                    throw ExitCode(Exit.interrupted)
                }
                throw error
            }
        }
    }

    /// The model's character n-gram lengths, `MIN-MAX`; nil when it has none.
    func charNgramText(_ classifier: SentimentClassifier) -> String? {
        classifier.vectorizer.config.charNgrams.map { "\($0.min)-\($0.max)" }
    }

    func output(info: ModelInfo, classifier: SentimentClassifier, report: FitReport, corpora: [CorpusInfo],
                corrections: Int, seconds: Double, parent: ModelInfo?) throws {
        let labels = classifier.labels
        switch format {
        case .json:
            struct Out: Encodable {
                var model: String, status: String, parent: String?
                var rows: Int, labels: [String], label_counts: [String: Int], corpora: [String], corrections: Int
                var features: Int, tuned: Bool, l2: Double, cv_macro_f1: Double?, temperature: Float
                var iterations: Int, final_loss: Double, converged: Bool, streaming: Bool, duration_seconds: Double
                var embedding_weight: Double?, embedding_coverage: Double?, embedding_pooling: String?, parent_weight: Double?
                var parent_weight_fixed_because: String?
                var calibrated_across_corpora: Int?, out_of_corpus_ece_before: Double?, out_of_corpus_ece_after: Double?
                var char_ngrams: String?
                var tokenizer_options: [String]
                var polarity_lexicon: String?
                var change_lexicon: String?
            }
            emit(try jsonText(Out(
                model: info.reference, status: info.status.rawValue, parent: parent?.reference, rows: report.rows,
                labels: labels, label_counts: report.labelCounts, corpora: corpora.map(\.sourcePath),
                corrections: corrections, features: report.featureCount, tuned: report.tuned,
                l2: classifier.options.training.l2, cv_macro_f1: report.crossValidatedMacroF1,
                temperature: classifier.model.temperature, iterations: report.run.iterations,
                final_loss: report.run.finalLoss, converged: report.run.converged,
                streaming: report.heldOutRows != nil, duration_seconds: seconds,
                embedding_weight: report.embeddings?.chosenWeight, embedding_coverage: report.embeddings?.coverage,
                embedding_pooling: classifier.vectorizer.config.embeddings?.pooling.rawValue,
                parent_weight: report.adaptation?.chosenWeight,
                parent_weight_fixed_because: report.adaptation?.fixedBecause,
                calibrated_across_corpora: report.groupCalibration?.groups,
                out_of_corpus_ece_before: report.groupCalibration?.eceBefore,
                out_of_corpus_ece_after: report.groupCalibration?.eceAfter,
                char_ngrams: charNgramText(classifier),
                tokenizer_options: classifier.vectorizer.config.tokenizer.adaptedOptionNames,
                polarity_lexicon: classifier.vectorizer.config.tokenizer.polarityLexicon,
                change_lexicon: classifier.vectorizer.config.tokenizer.changeLexicon)))
        case .table:
            var rows: [[String]] = []
            rows.append(["model", "\(info.reference) (\(info.status.rawValue))" + (parent.map { ", from \($0.reference)" } ?? "")])
            for c in corpora { rows.append(["corpus", "\(c.name) (\(c.rowCount) rows, \(c.sourcePath))"]) }
            if corrections > 0 { rows.append(["corrections", "\(corrections)"]) }
            rows.append(["rows", "\(report.rows)"])
            rows.append(["labels", labels.map { "\($0) \(report.labelCounts[$0] ?? 0)" }.joined(separator: ", ")])
            rows.append(["features", "\(report.featureCount)"])
            if let text = tokenizerText(classifier.vectorizer.config.tokenizer) {
                rows.append(["tokenizer", text + " (the corpus has them)"])
            }
            if let text = lexiconText(classifier.vectorizer.config.tokenizer) { rows.append(["lexicon", text]) }
            if let text = changesText(classifier.vectorizer.config.tokenizer) { rows.append(["changes", text]) }
            if let t = report.tuning, let score = report.crossValidatedMacroF1 {
                rows.append(["tuning", "\(t.folds)-fold CV over \(t.grid.count) λ value\(t.grid.count == 1 ? "" : "s"): λ = \(String(format: "%.3g", t.chosenL2)), CV macro-F1 \(fixed(score))"])
            } else {
                rows.append(["tuning", "off: λ = \(String(format: "%.3g", classifier.options.training.l2))" + (report.warmStarted ? ", warm start" : "")])
            }
            if let e = report.embeddings {
                let scores = zip(e.weights, e.meanScores).map { "\($0.0): \($0.1.map { fixed($0) } ?? "-")" }.joined(separator: ", ")
                let pooling = classifier.vectorizer.config.embeddings.map { ", \($0.pooling.rawValue) pooling" } ?? ""
                rows.append(["embeddings", "weight \(e.chosenWeight)\(pooling) (coverage \(fixed(e.coverage * 100, 1))%; CV macro-F1 by weight \(scores))"])
            }
            if let a = report.adaptation {
                let scores = zip(a.weights, a.meanScores).map { "\($0.0): \($0.1.map { fixed($0) } ?? "-")" }.joined(separator: ", ")
                let taken = parent == nil ? "not taken: " : ""
                let why = a.fixedBecause.map { "full weight, not chosen by CV: \($0)" } ?? "CV macro-F1 by weight \(scores)"
                rows.append(["parent", "\(taken)weight \(a.chosenWeight) (\(a.parentFeatures) of its features, \(a.addedFeatures) new to the corpus; \(why))"])
            }
            if let c = report.chars {
                var text = c.chosen ? "\(charNgramText(classifier) ?? "")" : "off"
                if let reason = c.skipped {
                    text += " (not tried: \(reason))"
                } else if let off = c.scoreOff, let on = c.scoreOn {
                    text += " (CV macro-F1 without \(fixed(off)), with \(c.range.min)-\(c.range.max)-grams \(fixed(on)))"
                }
                rows.append(["char n-grams", text])
            } else if let r = classifier.vectorizer.config.charNgrams {
                rows.append(["char n-grams", "\(r.min)-\(r.max)"])
            }
            if let c = report.calibration {
                let on = report.heldOutRows.map { "\($0) held-out rows" } ?? "out-of-fold"
                rows.append(["calibration", "temperature \(fixed(Double(c.temperature))) (\(on): ECE \(fixed(c.eceBefore)) → \(fixed(c.eceAfter)))"])
            }
            if let g = report.groupCalibration {
                rows.append(["calibration", "temperature \(fixed(Double(g.temperature))) across \(g.groups) corpora (each predicted by a model of the others, \(g.rows) rows: ECE \(fixed(g.eceBefore)) → \(fixed(g.eceAfter)))"])
            }
            if report.heldOutRows != nil {
                rows.append(["optimizer", "out of core: adagrad sgd, \(report.run.iterations) epochs, loss \(fixed(report.run.finalLoss, 4))"])
            } else {
                rows.append(["optimizer", "\(report.run.optimizer.rawValue), \(report.run.iterations) iterations, loss \(fixed(report.run.finalLoss, 4))"])
            }
            rows.append(["duration", String(format: "%.2f s", seconds)])
            rows.append(["store", store.location.displayName])
            emit(renderTable(header: ["", ""], rows: rows).split(separator: "\n", omittingEmptySubsequences: false)
                    .dropFirst(2).joined(separator: "\n"))
        }
    }
}
