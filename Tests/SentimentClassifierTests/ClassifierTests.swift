import ClassifierStore
import CorpusIO
import DefaultModel
import Foundation
import SentimentClassifier
import SentimentKit
import SoftmaxRegression
import TextFeatures
import XCTest

/// The repository root (for Corpora/ and Models/).
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
func repoPath(_ relative: String) -> String { repoRoot.appendingPathComponent(relative).path }

/// The shipped English corpus (read once).
let englishCorpus: Corpus = try! CorpusFile.readAll(path: repoPath("Corpora/headlines-en/headlines.csv"))

/// The corpora Models/rebuild.sh trains the shipped model on, in its order.
let shippedCorpora = ["Corpora/headlines-en/headlines.csv", "Corpora/financial-news-en/news.csv",
                      "Corpora/headlines-ja/headlines.csv", "Corpora/financial-wire-en/news.csv",
                      "Corpora/news-world-en/headlines.csv", "Corpora/news-life-en/headlines.csv",
                      "Corpora/social-en/posts.csv", "Corpora/company-news-en/news.csv",
                      "Corpora/news-ja/news.csv"]

final class ClassifierTests: XCTestCase {
    /// A small, fast training set: every third English row.
    var small: (texts: [String], labels: [String]) {
        let idx = stride(from: 0, to: englishCorpus.count, by: 3)
        return (idx.map { englishCorpus.texts[$0] }, idx.map { englishCorpus.labels[$0] })
    }

    /// `probabilities` scores each row as it is made, with no matrix: the same bits as the matrix path, for word
    /// and word-plus-character models, on all cores or on the calling thread, for one text and for none.
    func testProbabilitiesWithoutAMatrixMatchTheMatrixPath() throws {
        let (texts, labels) = small
        for chars in [nil, CharNgramRange(min: 4, max: 4)] {
            var options = ClassifierOptions.default
            options.features.charNgrams = chars
            options.charNgramTrial = nil
            let (clf, _) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options)
            XCTAssertEqual(clf.vectorizer.config.charNgrams, chars)
            let sample = Array(englishCorpus.texts.suffix(700)) + ["", "not good", "zzzq"]
            let matrix = clf.model.predictProbabilities(clf.vectorizer.transform(sample))
            XCTAssertEqual(clf.probabilities(sample).map(\.bitPattern), matrix.map(\.bitPattern))
            XCTAssertEqual(clf.probabilities(sample, parallel: false).map(\.bitPattern), matrix.map(\.bitPattern))
            XCTAssertEqual(clf.predict("Shares soar").probabilities.map(\.bitPattern),
                           clf.probabilities(["Shares soar"]).map(\.bitPattern))
            XCTAssertEqual(clf.probabilities([]), [])
        }
    }

    func testFitPredictsCalibratedProbabilities() throws {
        let (texts, labels) = small
        let (clf, report) = try SentimentClassifier.fit(texts: texts, labels: labels)
        XCTAssertEqual(clf.labels, ["negative", "neutral", "positive"])
        XCTAssertTrue(report.tuned, "a small corpus is tuned by default")
        XCTAssertNotNil(report.tuning)
        XCTAssertNotNil(report.calibration)
        XCTAssertEqual(clf.options.training.l2, report.tuning!.chosenL2)
        XCTAssertEqual(report.rows, texts.count)
        let predictions = clf.predict(["Harlow Precision shares jump 11% after quarterly earnings top forecasts",
                                       "Veltrona swings to a third-quarter loss as raw material costs bite"])
        for p in predictions {
            XCTAssertEqual(p.probabilities.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertEqual(p.confidence, p.probabilities.max()!)
            XCTAssertEqual(p.label, clf.labels[p.labelIndex])
        }
        // The single-text path agrees with the batch path.
        let one = clf.predict("Veltrona swings to a third-quarter loss as raw material costs bite")
        XCTAssertEqual(one.label, predictions[1].label)
        for (a, b) in zip(one.probabilities, predictions[1].probabilities) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // It learned something: training accuracy well above the majority share.
        let eval = try clf.evaluate(texts: texts, labels: labels)
        XCTAssertGreaterThan(eval.accuracy, 0.8)
    }

    func testFitIsDeterministic() throws {
        let (texts, labels) = small
        let (a, _) = try SentimentClassifier.fit(texts: texts, labels: labels)
        let (b, _) = try SentimentClassifier.fit(texts: texts, labels: labels)
        XCTAssertEqual(a.model.weights.map(\.bitPattern), b.model.weights.map(\.bitPattern))
        XCTAssertEqual(a.model.bias.map(\.bitPattern), b.model.bias.map(\.bitPattern))
        XCTAssertEqual(a.model.temperature.bitPattern, b.model.temperature.bitPattern)
        XCTAssertEqual(a.vectorizer, b.vectorizer)
    }

    func testBadInputIsRejected() {
        XCTAssertThrowsError(try SentimentClassifier.fit(texts: ["a", "b"], labels: ["x", "x"])) { error in
            XCTAssertTrue("\(error)".contains("at least 2 distinct labels"), "\(error)")
        }
        XCTAssertThrowsError(try SentimentClassifier.fit(texts: ["a"], labels: ["x", "y"]))
        var options = ClassifierOptions.default
        options.training.classWeighting = .explicit(["bogus": 2])
        XCTAssertThrowsError(try SentimentClassifier.fit(texts: ["good", "bad", "fine"], labels: ["p", "n", "p"], options: options))
    }

    func testUntunedFitWarmStartsByFeatureName() throws {
        let (texts, labels) = small
        var options = ClassifierOptions.default
        options.tuning = .off
        let (parent, _) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options)
        // A child on a corpus with extra texts gets a different vocabulary; the warm start maps weights by name.
        let extra = Array(englishCorpus.texts[1..<200]), extraLabels = Array(englishCorpus.labels[1..<200])
        let (child, report) = try SentimentClassifier.fit(texts: texts + extra, labels: labels + extraLabels,
                                                          options: options, warmStart: parent)
        XCTAssertTrue(report.warmStarted)
        XCTAssertFalse(report.tuned)
        XCTAssertEqual(child.model.temperature, 1)
        XCTAssertNotEqual(parent.vectorizer.featureNames, child.vectorizer.featureNames)
        // The warm-started optimum equals a cold-started one up to the optimizer tolerance (convex objective).
        let (cold, _) = try SentimentClassifier.fit(texts: texts + extra, labels: labels + extraLabels, options: options)
        let pw = child.probabilities(Array(texts.prefix(50))), pc = cold.probabilities(Array(texts.prefix(50)))
        for (a, b) in zip(pw, pc) { XCTAssertEqual(a, b, accuracy: 0.05) }
    }

    func testNaiveBayesWeightingIsTheDefaultAndScalesTheIDF() throws {
        let (texts, labels) = small
        XCTAssertEqual(ClassifierOptions.default.supervisedWeighting, .naiveBayes)
        var options = ClassifierOptions.default
        options.tuning = .off
        let (clf, _) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options)
        // Column weights = smooth idf × naive Bayes ratios learned from all rows (labels sorted: ids 0, 1, 2).
        let plain = Vectorizer.fit(texts, config: options.features)
        let ids = Dictionary(uniqueKeysWithValues: clf.labels.enumerated().map { ($0.element, Int32($0.offset)) })
        let r = NaiveBayesWeights.ratios(plain.counts(texts), labels: labels.map { ids[$0]! }, classCount: 3)
        XCTAssertEqual(clf.vectorizer.featureNames, plain.featureNames)
        XCTAssertEqual(clf.vectorizer.idf, zip(plain.idf, r).map { $0 * $1 })
        // The most discriminative features outweigh the stop words.
        let weight = Dictionary(uniqueKeysWithValues: zip(clf.vectorizer.featureNames, clf.vectorizer.idf))
        XCTAssertGreaterThan(weight["loss"]!, weight["the"]!)
        // Without it the vectorizer is plain TF-IDF.
        options.supervisedWeighting = .none
        let (idfOnly, _) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options)
        XCTAssertEqual(idfOnly.vectorizer, plain)
        // It needs TF-IDF weighting to scale.
        options.supervisedWeighting = .naiveBayes
        options.features.weighting = .binary
        XCTAssertThrowsError(try SentimentClassifier.fit(texts: texts, labels: labels, options: options))
    }

    func testOptionsStoredBeforeSupervisedWeightingDecodeAsNone() throws {
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(ClassifierOptions.default)) as! [String: Any]
        XCTAssertEqual(json["supervisedWeighting"] as? String, "naive-bayes")
        json["supervisedWeighting"] = nil
        let old = try JSONDecoder().decode(ClassifierOptions.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertEqual(old.supervisedWeighting, SupervisedWeighting.none)
        var expected = ClassifierOptions.default
        expected.supervisedWeighting = .none
        XCTAssertEqual(old, expected)
    }

    func testExplanationSplitsContributions() throws {
        let (texts, labels) = small
        var options = ClassifierOptions.default
        options.charNgramTrial = nil  // the names checked below are word n-grams (character ones read "c:<ros")
        let (clf, _) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options)
        let e = clf.explain("Operating profit rose sharply and the company raised its outlook", top: 3)
        XCTAssertLessThanOrEqual(e.toward.count, 3)
        XCTAssertLessThanOrEqual(e.against.count, 3)
        XCTAssertFalse(e.toward.isEmpty && e.against.isEmpty)
        XCTAssertTrue(e.toward.allSatisfy { $0.contribution > 0 })
        XCTAssertTrue(e.against.allSatisfy { $0.contribution < 0 })
        XCTAssertEqual(e.toward.map(\.contribution), e.toward.map(\.contribution).sorted(by: >))
        // The model's tokens: the words and the polarity lexicon's class token (`<lex+>`, for "profit").
        let words = Set(Tokenizer(clf.vectorizer.config.tokenizer).tokens("Operating profit rose sharply and the company raised its outlook"))
        for c in e.toward + e.against {
            // A class token names its words after it: `<lex+> (profit)`.
            let gram = c.feature.hasPrefix("<lex+>") ? "<lex+>" : c.feature
            XCTAssertTrue(gram.split(separator: " ").allSatisfy { words.contains(String($0)) }, c.feature)
            if gram == "<lex+>" { XCTAssertEqual(c.feature, "<lex+> (profit)") }
        }
        let listed = clf.explain("Profit soared, a superb quarter", top: 50)
        XCTAssertEqual((listed.toward + listed.against).filter { $0.feature.hasPrefix("<lex+>") }.map(\.feature),
                       ["<lex+> (profit, soared, superb)"])
        let top = clf.topFeatures(perLabel: 4)
        XCTAssertEqual(Set(top.keys), Set(clf.labels))
        XCTAssertTrue(top.values.allSatisfy { $0.count == 4 })
    }

    func testStoreRoundTripPredictsBitIdentically() throws {
        let (texts, labels) = small
        let (clf, report) = try SentimentClassifier.fit(texts: texts, labels: labels)
        let store = try SentimentStore.inMemory()
        let info = try store.saveModel(clf.newModel(name: "news", report: report))
        let loaded = try SentimentClassifier(stored: store.loadModel(name: "news"))
        XCTAssertEqual(loaded.options, clf.options)
        XCTAssertEqual(loaded.vectorizer, clf.vectorizer)
        let sample = Array(englishCorpus.texts.suffix(100))
        XCTAssertEqual(loaded.probabilities(sample).map(\.bitPattern), clf.probabilities(sample).map(\.bitPattern))
        let metrics = try XCTUnwrap(info.metrics)
        XCTAssertTrue(metrics.contains("\"cv_macro_f1\""), metrics)
    }

    /// A corpus written in Arabic (`Corpora/social-ar`, half of it) trains a model that normalizes Arabic
    /// orthography, stored with it, so prediction reads variant spellings as the training did; it labels the other
    /// half well. An English corpus's model does not normalize; one with emoticons keeps them.
    func testAnArabicCorpusTrainsAModelThatNormalizesArabicSpelling() throws {
        let corpus = try CorpusFile.readAll(path: repoPath("Corpora/social-ar/posts.csv"))
        let train = stride(from: 0, to: corpus.count, by: 2), held = stride(from: 1, to: corpus.count, by: 2)
        var options = ClassifierOptions.default
        options.tuning = .off
        let (clf, _) = try SentimentClassifier.fit(texts: train.map { corpus.texts[$0] }, labels: train.map { corpus.labels[$0] },
                                                   options: options)
        XCTAssertTrue(clf.vectorizer.config.tokenizer.normalizeArabic)
        XCTAssertTrue(clf.options.features.tokenizer.normalizeArabic)
        let report = try clf.evaluate(texts: held.map { corpus.texts[$0] }, labels: held.map { corpus.labels[$0] })
        XCTAssertGreaterThan(report.macroF1, 0.85)
        for (variant, plain) in [("أحسن خدمة", "احسن خدمة"), ("الخدمة جميـــلة", "الخدمة جميلة"),
                                 ("خدمة سيّئة جداً", "خدمة سيئة جدا"), ("على الآخر", "علي الاخر"), ("ارتفع ٣٫٥٪", "ارتفع 3.5%")] {
            XCTAssertEqual(clf.probabilities([variant]).map(\.bitPattern), clf.probabilities([plain]).map(\.bitPattern), variant)
        }
        let store = try SentimentStore.inMemory()
        _ = try store.saveModel(clf.newModel(name: "ar", report: nil))
        let loaded = try SentimentClassifier(stored: store.loadModel(name: "ar"))
        XCTAssertEqual(loaded.vectorizer, clf.vectorizer)
        XCTAssertEqual(loaded.probabilities(["أحسن خدمة"]).map(\.bitPattern), clf.probabilities(["احسن خدمة"]).map(\.bitPattern))
        let (english, _) = try SentimentClassifier.fit(texts: small.texts, labels: small.labels, options: options)
        XCTAssertFalse(english.vectorizer.config.tokenizer.normalizeArabic)
        XCTAssertFalse(english.vectorizer.config.tokenizer.keepEmoticons)
        // Likewise a corpus with emoticons keeps them (one form per face), and only such a corpus.
        let (faces, _) = try SentimentClassifier.fit(texts: small.texts + ["Great results :)", "Record profit =-)"],
                                                     labels: small.labels + ["positive", "positive"], options: options)
        XCTAssertTrue(faces.vectorizer.config.tokenizer.keepEmoticons)
        XCTAssertFalse(faces.vectorizer.config.tokenizer.normalizeArabic)
        XCTAssertTrue(faces.vectorizer.featureNames.contains(":)"))
        XCTAssertFalse(english.vectorizer.featureNames.contains(":)"))
    }

    /// A model with a parent block (`train --from` a model without corpora) is stored with the block and loads
    /// back predicting to the bit; a stored form whose sizes do not split into the model's and the block's is
    /// refused with a message, not a crash.
    func testAParentBlockRoundTripsThroughTheStoreAndBadSizesAreRefused() throws {
        var options = ClassifierOptions.default
        options.charNgramTrial = nil
        let half = englishCorpus.count / 2
        let (parent, _) = try SentimentClassifier.fit(texts: Array(englishCorpus.texts[..<half]),
                                                      labels: Array(englishCorpus.labels[..<half]), options: options)
        let (child, report) = try SentimentClassifier.fit(texts: Array(englishCorpus.texts[half...].prefix(120)),
                                                          labels: Array(englishCorpus.labels[half...].prefix(120)), options: options)
        XCTAssertEqual(parent.labels, child.labels)
        let joined = try XCTUnwrap(child.vectorizer.besides(parent: parent.vectorizer))
        // The child's weights, then the parent's on the block: scores are the two models' logits added.
        let model = SoftmaxModel(labels: child.labels, featureCount: joined.columnCount,
                                 weights: child.model.weights + parent.model.weights, bias: child.model.bias,
                                 temperature: 1)
        let clf = SentimentClassifier(vectorizer: joined, model: model, options: child.options)
        let sample = Array(englishCorpus.texts.suffix(50))
        let k = clf.labels.count
        let together = clf.probabilities(sample)
        for (i, text) in sample.prefix(10).enumerated() {
            let own = child.vectorizer.transform(text), theirs = parent.vectorizer.transform(text)
            var z = [Float](repeating: 0, count: k)
            for c in 0..<k {
                var s = child.model.bias[c]
                for (j, v) in zip(own.indices, own.values) { s += v * child.model.weights[Int(j) * k + c] }
                for (j, v) in zip(theirs.indices, theirs.values) { s += v * parent.model.weights[Int(j) * k + c] }
                z[c] = s
            }
            let m = z.max()!, e = z.map { exp(Double($0 - m)) }, sum = e.reduce(0, +)
            for c in 0..<k { XCTAssertEqual(Double(together[i * k + c]), e[c] / sum, accuracy: 1e-5) }
        }

        let store = try SentimentStore.inMemory()
        let new = clf.newModel(name: "adapted", report: report)
        _ = try store.saveModel(new)
        let loaded = try SentimentClassifier(stored: store.loadModel(name: "adapted"))
        XCTAssertEqual(loaded.vectorizer, joined)
        XCTAssertEqual(loaded.probabilities(sample).map(\.bitPattern), together.map(\.bitPattern))

        let names = parent.vectorizer.featureNames.count
        for (n, (find, replace)) in [("\"names\":\(names)", "\"names\":\(names + 7)"),
                                ("\"names\":\(names)", "\"names\":\(names * 1000)"),
                                ("\"column_weights\":\(names)", "\"column_weights\":\(names - 1)")].enumerated() {
            var bad = new
            XCTAssertTrue(bad.featureConfig.contains(find), bad.featureConfig)
            bad.featureConfig = bad.featureConfig.replacingOccurrences(of: find, with: replace)
            bad.name = "bad\(n)"
            _ = try store.saveModel(bad)
            XCTAssertThrowsError(try SentimentClassifier(stored: store.loadModel(name: bad.name)), replace) { error in
                XCTAssertTrue("\(error)".contains("stored model: bad\(n)@1"), "\(error)")
            }
        }
    }

    /// The shipped model is exactly what the documented rebuild produces: default settings on both corpora.
    func testShippedModelIsReproducible() throws {
        // The corpora in the order Models/rebuild.sh gives them; group -1-i is corpus i (as `train` numbers them).
        let files = try shippedCorpora.map { try CorpusFile.readAll(path: repoPath($0)) }
        let texts = files.flatMap(\.texts), labels = files.flatMap(\.labels)
        let groups = files.enumerated().flatMap { i, c in Array(repeating: -1 - i, count: c.count) }
        var options = ClassifierOptions.default
        options.charNgramTrial = nil  // rebuild.sh: --char-ngrams off
        var (clf, report) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options)
        // rebuild.sh: --calibrate-across-corpora
        let calibration = try XCTUnwrap(SentimentClassifier.leaveOneGroupOutCalibration(
            texts: texts, labels: labels, groups: groups, settings: clf.options))
        clf.model.temperature = calibration.temperature
        report.groupCalibration = calibration
        let store = try SentimentStore.inMemory()
        _ = try store.saveModel(clf.newModel(name: "default", report: report))
        let rebuilt = try store.exportData(name: "default")
        let shipped = try [UInt8](Data(contentsOf: URL(fileURLWithPath: repoPath("Models/default.sentiment-model"))))
        XCTAssertEqual(rebuilt.count, shipped.count)
        XCTAssertTrue(rebuilt == shipped, "Models/default.sentiment-model is stale: run bash Models/rebuild.sh")
        XCTAssertEqual(SHA256.hexString(SHA256.hash(shipped)), DefaultModel.sha256,
                       "DefaultModel.sha256 is the shipped file's digest (bash Models/rebuild.sh updates it)")
        XCTAssertEqual(try ShippedModel.bytes(environment: [:]), shipped, "found from the source tree")
    }

    /// Out-of-box quality of the shipped model on Financial PhraseBank (skipped without ../shared).
    func testShippedModelOnPhraseBank() throws {
        let path = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/corpora/financial-phrasebank/test.csv").path
        try XCTSkipUnless(FileManager.default.fileExists(atPath: path), "../shared is absent")
        let store = try SentimentStore.inMemory()
        let info = try store.importModel(data: try ShippedModel.bytes(), source: "default")
        let clf = try SentimentClassifier(stored: store.loadModel(name: info.name))
        let test = try CorpusFile.readAll(path: path)
        let report = try clf.evaluate(texts: test.texts, labels: test.labels)
        print("shipped model on PhraseBank test: macro-F1 \(report.macroF1), accuracy \(report.accuracy), ECE \(report.ece)")
        XCTAssertGreaterThanOrEqual(report.macroF1, 0.55)
    }
}
