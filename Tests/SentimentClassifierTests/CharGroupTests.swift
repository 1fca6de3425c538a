import CorpusIO
import Foundation
@testable import SentimentClassifier
import TextFeatures
import XCTest

/// Cross-validation chooses character n-grams inside words, or none (`CharGroupFit.swift`).
final class CharGroupTests: XCTestCase {
    /// Texts whose label shows only inside words: every content word is made up for its text (seen once, so the
    /// vocabulary drops it), and positive texts have two words ending in "zork", negative ones two ending in "vimp".
    static func subwordCorpus(rows: Int, seed: UInt64) -> (texts: [String], labels: [String]) {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let letters = Array("abcdefghijklmnopqrstuvwxy")
        func made(_ suffix: String) -> String {
            String((0..<(4 + Int(next() % 3))).map { _ in letters[Int(next() % UInt64(letters.count))] }) + suffix
        }
        var texts: [String] = [], labels: [String] = []
        for i in 0..<rows {
            let positive = i % 2 == 0
            let cue = positive ? "zork" : "vimp"
            texts.append("the report says \(made(cue)) and \(made("")) then \(made(cue)) \(made(""))")
            labels.append(positive ? "positive" : "negative")
        }
        return (texts, labels)
    }

    func accuracy(_ clf: SentimentClassifier, _ data: (texts: [String], labels: [String])) -> Double {
        let predicted = clf.predict(data.texts).map(\.label)
        return Double(zip(predicted, data.labels).filter { $0 == $1 }.count) / Double(data.labels.count)
    }

    func testCrossValidationChoosesCharacterNgramsWhereOnlyTheySeparateTheClasses() throws {
        let train = Self.subwordCorpus(rows: 200, seed: 1), test = Self.subwordCorpus(rows: 100, seed: 2)
        let (clf, report) = try SentimentClassifier.fit(texts: train.texts, labels: train.labels)
        let chars = try XCTUnwrap(report.chars)
        XCTAssertTrue(chars.chosen, "\(chars)")
        XCTAssertNil(chars.skipped)
        XCTAssertGreaterThan(try XCTUnwrap(chars.scoreOn), try XCTUnwrap(chars.scoreOff) + 0.2)
        XCTAssertEqual(clf.vectorizer.config.charNgrams, ClassifierOptions.defaultCharNgramTrial)
        // The options keep the trial (not the choice), so a model trained from this one decides again.
        XCTAssertNil(clf.options.features.charNgrams)
        XCTAssertEqual(clf.options.charNgramTrial, ClassifierOptions.defaultCharNgramTrial)

        var wordsOnly = ClassifierOptions.default
        wordsOnly.charNgramTrial = nil
        let (plain, plainReport) = try SentimentClassifier.fit(texts: train.texts, labels: train.labels, options: wordsOnly)
        XCTAssertNil(plainReport.chars)
        XCTAssertNil(plain.vectorizer.config.charNgrams)
        XCTAssertGreaterThan(accuracy(clf, test), 0.9)
        XCTAssertLessThan(accuracy(plain, test), 0.75)

        // Deterministic: the same corpus and settings give the same model bit for bit.
        let (again, _) = try SentimentClassifier.fit(texts: train.texts, labels: train.labels)
        XCTAssertEqual(again.vectorizer, clf.vectorizer)
        XCTAssertEqual(again.model.weights.map(\.bitPattern), clf.model.weights.map(\.bitPattern))
        XCTAssertEqual(again.model.temperature.bitPattern, clf.model.temperature.bitPattern)
    }

    /// Japanese headlines: their tokens are CJK bigrams, not words, so the group adds nothing and stays off, and
    /// the model is exactly the one trained without the trial.
    func testTheGroupStaysOffWhereItDoesNotHelp() throws {
        let ja = try CorpusFile.readAll(path: repoPath("Corpora/headlines-ja/headlines.csv"))
        let (clf, report) = try SentimentClassifier.fit(texts: ja.texts, labels: ja.labels)
        let chars = try XCTUnwrap(report.chars)
        XCTAssertFalse(chars.chosen, "\(chars)")
        XCTAssertNotNil(chars.scoreOn, "tried")
        XCTAssertNil(clf.vectorizer.config.charNgrams)
        var wordsOnly = ClassifierOptions.default
        wordsOnly.charNgramTrial = nil
        let (plain, _) = try SentimentClassifier.fit(texts: ja.texts, labels: ja.labels, options: wordsOnly)
        XCTAssertEqual(plain.vectorizer, clf.vectorizer)
        XCTAssertEqual(plain.model.weights.map(\.bitPattern), clf.model.weights.map(\.bitPattern))
        XCTAssertEqual(plain.model.temperature.bitPattern, clf.model.temperature.bitPattern)
    }

    func testTheTrialIsSkippedWhenNotTunedOrTooLargeOrAlwaysOn() throws {
        let train = Self.subwordCorpus(rows: 60, seed: 3)
        var untuned = ClassifierOptions.default
        untuned.tuning = .off
        let (a, ra) = try SentimentClassifier.fit(texts: train.texts, labels: train.labels, options: untuned)
        XCTAssertNil(ra.chars)
        XCTAssertNil(a.vectorizer.config.charNgrams)

        var always = ClassifierOptions.default
        always.features.charNgrams = CharNgramRange(min: 3, max: 5)
        let (b, rb) = try SentimentClassifier.fit(texts: train.texts, labels: train.labels, options: always)
        XCTAssertEqual(rb.chars?.skipped, "always on")
        XCTAssertEqual(b.vectorizer.config.charNgrams, CharNgramRange(min: 3, max: 5))

        let limit = SentimentClassifier.charTrialRowLimit
        XCTAssertNil(SentimentClassifier.charTrialSkipReason(.default, rows: limit))
        XCTAssertEqual(SentimentClassifier.charTrialSkipReason(.default, rows: limit + 1), "over \(limit) rows")
        var hashed = ClassifierOptions.default
        hashed.features.vocabulary = .hashing(buckets: 1 << 10)
        XCTAssertEqual(SentimentClassifier.charTrialSkipReason(hashed, rows: 10), "hashed features")
    }

    func testOptionsStoredWithoutTheTrialKeepTheirBytes() throws {
        var old = ClassifierOptions.default
        old.charNgramTrial = nil
        let json = String(decoding: try JSONEncoder().encode(old), as: UTF8.self)
        XCTAssertFalse(json.contains("charNgramTrial"))
        XCTAssertNil(try JSONDecoder().decode(ClassifierOptions.self, from: Data(json.utf8)).charNgramTrial)
        let now = try JSONDecoder().decode(ClassifierOptions.self, from: JSONEncoder().encode(ClassifierOptions.default))
        XCTAssertEqual(now, ClassifierOptions.default)
    }
}
