import ArgumentParser
import CorpusIO
import Foundation
import SentimentClassifier
import SentimentKit
import SoftmaxRegression
import TextFeatures

struct QualityBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "Fit with the library defaults (or a variant) on TRAIN and report on TEST.",
        discussion: """
            Prints the evaluation (per-label scores, macro-F1, accuracy, log loss, ECE, confusion matrix), the tuning \
            grid, calibration and optimizer run; the last line is one JSON object: system, macro_f1, accuracy, \
            log_loss, ece, fit_seconds (best of --repeat), predict_seconds, train_rows, test_rows, n_features, l2, \
            cv_macro_f1, iterations, function_evaluations, converged.

            Example:
              sentiment-bench quality ../shared/corpora/financial-phrasebank/train.csv ../shared/corpora/financial-phrasebank/test.csv --no-tune --l2 1e-3
            """)

    @Argument(help: ArgumentHelp("The labelled training corpus.", valueName: "train"))
    var train: String

    @Argument(help: ArgumentHelp("The labelled test corpus.", valueName: "test"))
    var test: String

    @Option(help: ArgumentHelp("Learn a vocabulary of the features seen in at least N texts (default: a vocabulary with N = 2).", valueName: "n"))
    var minDf: Int?

    @Option(help: ArgumentHelp("Hash features into this many buckets instead of learning a vocabulary.", valueName: "buckets"))
    var hashing: Int?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Add character n-grams of MIN to MAX characters.", valueName: "min max"))
    var char: [Int] = []

    @Flag(help: "Do not let cross-validation try character n-grams (the default tries 4-grams when tuning).")
    var noCharTrial = false

    @Flag(help: "Do not let cross-validation try the static word-embedding group (the default tries it as `sentiment train` does, on every tuned corpus when the shipped table is found).")
    var noEmbeddings = false

    @Flag(help: "Do not let cross-validation try the shipped model as a parent (the default tries it, as `sentiment train` does, on corpora of up to \(SentimentClassifier.defaultParentRowLimit) rows).")
    var noDefaultParent = false

    @Option(help: ArgumentHelp("Largest word n-gram length (default: \(ClassifierOptions.defaultFeatures.wordNgrams)).", valueName: "n"))
    var ngrams: Int?

    @Flag(help: "Do not tune λ by cross-validation.")
    var noTune = false

    @Option(help: ArgumentHelp("L2 strength λ (default: tuned by cross-validation; \(ClassifierOptions.default.training.l2) with --no-tune).", valueName: "x"))
    var l2: Double?

    @Option(help: ArgumentHelp("Class weights: balanced, none, or LABEL=W,... (default: balanced).", valueName: "spec"))
    var classWeight: String?

    @Flag(help: "Do not mark negated tokens.")
    var noNegation = false

    @Flag(help: "Raw term frequencies instead of 1 + log(tf).")
    var noSublinear = false

    @Option(help: ArgumentHelp("Factor on the TF-IDF weights learned from the labels: none or naive-bayes (default: \(ClassifierOptions.default.supervisedWeighting.rawValue)).",
                               valueName: "kind"))
    var supervised: String?

    @Option(help: ArgumentHelp("Seed for folds and shuffling (default: \(ClassifierOptions.default.training.seed)).", valueName: "n"))
    var seed: UInt64?

    @Option(name: .customLong("repeat"), help: ArgumentHelp("Fit K times; fit_seconds is the best.", valueName: "k"))
    var repeats = 1

    @Flag(help: "Fit out of core (StreamingFit: hashed features, SGD), the training corpus fed in chunks of 16,384 rows.")
    var streaming = false

    @Option(help: ArgumentHelp("Hash buckets of --streaming.", valueName: "n"))
    var buckets = StreamingFit.defaultBuckets

    @Option(help: ArgumentHelp("Most epochs of SGD (default: \(ClassifierOptions.default.training.maxEpochs)).", valueName: "n"))
    var epochs: Int?

    @Option(help: ArgumentHelp("AdaGrad base learning rate of SGD (default: \(ClassifierOptions.default.training.learningRate)).", valueName: "x"))
    var learningRate: Double?

    func validate() throws {
        if let minDf, minDf < 1 { throw ValidationError("--min-df must be ≥ 1, got \(minDf)") }
        if let hashing, !(1...FeatureConfig.maxBuckets).contains(hashing) { throw ValidationError("--hashing must be in 1...\(FeatureConfig.maxBuckets), got \(hashing)") }
        if minDf != nil && hashing != nil { throw ValidationError("--min-df and --hashing exclude each other") }
        try validateCharRange(char)
        if let ngrams, ngrams < 1 { throw ValidationError("--ngrams must be ≥ 1, got \(ngrams)") }
        if let l2, !(l2.isFinite && l2 >= 0) { throw ValidationError("--l2 must be a finite number ≥ 0, got \(l2)") }
        if let classWeight {
            do { _ = try ClassWeighting(parsing: classWeight) } catch { throw ValidationError("--class-weight: \(error)") }
        }
        if let supervised, SupervisedWeighting(rawValue: supervised) == nil {
            throw ValidationError("--supervised must be none or naive-bayes, got \(supervised)")
        }
        if repeats < 1 { throw ValidationError("--repeat must be ≥ 1, got \(repeats)") }
        if !(1...FeatureConfig.maxBuckets).contains(buckets) { throw ValidationError("--buckets must be in 1...\(FeatureConfig.maxBuckets), got \(buckets)") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be ≥ 1, got \(epochs)") }
        if let learningRate, !(learningRate.isFinite && learningRate > 0) {
            throw ValidationError("--learning-rate must be a finite number > 0, got \(learningRate)")
        }
    }

    /// The library defaults with this command's changes.
    func classifierOptions() throws -> ClassifierOptions {
        var options = ClassifierOptions.default
        if let minDf { options.features.vocabulary = .vocabulary(minDocumentFrequency: minDf, maxFeatures: nil) }
        if let hashing { options.features.vocabulary = .hashing(buckets: hashing) }
        if char.count == 2 { options.features.charNgrams = CharNgramRange(min: char[0], max: char[1]) }
        if let ngrams { options.features.wordNgrams = ngrams }
        if noCharTrial { options.charNgramTrial = nil }
        if noTune { options.tuning = .off }
        if let l2 { options.training.l2 = l2 }
        if let classWeight { options.training.classWeighting = try ClassWeighting(parsing: classWeight) }
        if noNegation { options.features.tokenizer.markNegation = false }
        if noSublinear { options.features.sublinearTF = false }
        if let supervised, let w = SupervisedWeighting(rawValue: supervised) { options.supervisedWeighting = w }
        if let seed { options.training.seed = seed }
        if let epochs { options.training.maxEpochs = epochs }
        if let learningRate { options.training.learningRate = learningRate }
        return options
    }

    /// The last stdout line.
    struct Summary: Encodable {
        var system = "sentiment"
        var macro_f1: Double, accuracy: Double, log_loss: Double, ece: Double
        var fit_seconds: Double, predict_seconds: Double
        var train_rows: Int, test_rows: Int, n_features: Int, l2: Double
        @NullWhenAbsent var cv_macro_f1: Double?
        var iterations: Int, function_evaluations: Int, converged: Bool
    }

    func run() throws {
        let options = try classifierOptions()
        let train = try CorpusFile.readAll(path: train)
        let test = try CorpusFile.readAll(path: test)
        // The candidate weights `sentiment train` would try on a corpus of this size (in memory).
        let sized = StaticEmbeddings.sized(options, rows: train.count, asked: false)
        var best = Double.infinity
        var fitted: (SentimentClassifier, FitReport)? = nil
        for _ in 0..<repeats {
            let t0 = now()
            if streaming {
                let fit = try StreamingFit(options: options, buckets: buckets, scratchDirectory: NSTemporaryDirectory())
                var start = 0
                while start < train.count {
                    let end = min(start + 16_384, train.count)
                    try fit.add(texts: Array(train.texts[start..<end]), labels: Array(train.labels[start..<end]))
                    start = end
                }
                let t1 = now(), c1 = cpuTime()
                fitted = try fit.finish()
                print(String(format: "streaming: pass 1 %.3f s, epochs %.3f s (cpu %.3f s)", t1 - t0, now() - t1, cpuTime() - c1))
            } else {
                let table = noEmbeddings ? nil : try StaticEmbeddings.forTraining(sized, rows: train.count, required: false)
                let parent = noDefaultParent || train.count > SentimentClassifier.defaultParentRowLimit
                    || !sized.tunes(rows: train.count) ? nil : try ShippedModel.classifier()
                fitted = try SentimentClassifier.fit(texts: train.texts, labels: train.labels, options: sized,
                                                     embeddings: table, parent: parent)
            }
            best = min(best, now() - t0)
        }
        let (clf, report) = fitted!
        let t1 = now()
        let eval = try clf.evaluate(texts: test.texts, labels: test.labels)
        let predictSeconds = now() - t1
        print(eval.rendered())
        if let t = report.tuning {
            print("tuning grid: " + zip(t.grid, t.meanScores).map { String(format: "%.2g→%@", $0, $1.map { String(format: "%.4f", $0) } ?? "-") }
                .joined(separator: "  "))
        }
        if let c = report.calibration {
            print(String(format: "temperature %.3f, out-of-fold ECE %.4f → %.4f", c.temperature, c.eceBefore, c.eceAfter))
        }
        if let e = report.embeddings {
            print(String(format: "embeddings: coverage %.3f, weight %@ (CV macro-F1 by weight %@)", e.coverage,
                         "\(e.chosenWeight)", zip(e.weights, e.meanScores).map { "\($0)→" + ($1.map { String(format: "%.4f", $0) } ?? "-") }.joined(separator: " ")))
        }
        if let a = report.adaptation {
            print("shipped model as parent: weight \(a.chosenWeight) (CV macro-F1 by weight " + zip(a.weights, a.meanScores)
                .map { "\($0)→" + ($1.map { String(format: "%.4f", $0) } ?? "-") }.joined(separator: " ") + ")")
        }
        if let c = report.chars {
            print("char n-grams \(c.range.min)-\(c.range.max): " + (c.skipped.map { "not tried (\($0))" }
                ?? String(format: "CV macro-F1 without %.4f, with %.4f → %@", c.scoreOff ?? .nan, c.scoreOn ?? .nan, c.chosen ? "on" : "off")))
        }
        print("optimizer \(report.run.optimizer.rawValue), \(report.run.iterations) iterations, final loss \(report.run.finalLoss), converged \(report.run.converged)")
        print(try jsonLine(Summary(
            macro_f1: eval.macroF1, accuracy: eval.accuracy, log_loss: eval.logLoss, ece: eval.ece,
            fit_seconds: best, predict_seconds: predictSeconds, train_rows: train.count, test_rows: test.count,
            n_features: report.featureCount, l2: clf.options.training.l2, cv_macro_f1: report.crossValidatedMacroF1,
            iterations: report.run.iterations, function_evaluations: report.run.functionEvaluations,
            converged: report.run.converged)))
    }
}
