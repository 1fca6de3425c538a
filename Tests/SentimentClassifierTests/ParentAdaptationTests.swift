import Sparse
@testable import SoftmaxRegression
import TextFeatures
import XCTest
@testable import SentimentClassifier

/// The parent prior is fitted on the columns some row uses; the others are set to their decoupled optimum.
final class ParentAdaptationTests: XCTestCase {
    func testFittingTheUsedColumnsAloneGivesTheFullFit() throws {
        try checkUsedColumnsFit(table: nil)
    }

    /// With the embedding group appended after the joined columns (pulled toward zero): the same.
    func testFittingTheUsedColumnsWithTheEmbeddingGroupGivesTheFullFit() throws {
        let words = ["profit", "loss", "shares", "sales", "rise", "fall", "cut", "record", "jobs", "the"]
        let table = try EmbeddingTable(bytes: EmbeddingTable.fileBytes(words.sorted().enumerated().map { i, w in
            (w, (0..<4).map { Float(($0 * 7 + i * 3) % 5) - 2 })
        }), identity: "test")
        try checkUsedColumnsFit(table: table)
    }

    /// A parent fitted on every third row of the English headlines (from the first), and the options it and its
    /// children are fitted with (no character trial, for speed); the children draw from the other rows.
    func everyThirdRowParent() throws -> (SentimentClassifier, ClassifierOptions) {
        var options = ClassifierOptions.default
        options.charNgramTrial = nil
        let rows = stride(from: 0, to: englishCorpus.count, by: 3)
        let (parent, _) = try SentimentClassifier.fit(texts: rows.map { englishCorpus.texts[$0] },
                                                      labels: rows.map { englishCorpus.labels[$0] }, options: options)
        return (parent, options)
    }

    func checkUsedColumnsFit(table: EmbeddingTable?) throws {
        let (parent, options) = try everyThirdRowParent()
        let childRows = Array(stride(from: 1, to: englishCorpus.count, by: 3).prefix(150))
        let texts = childRows.map { englishCorpus.texts[$0] }
        let labelNames = parent.labels
        let k = labelNames.count
        let y = childRows.map { Int32(labelNames.firstIndex(of: englishCorpus.labels[$0])!) }
        let prior = try XCTUnwrap(ParentPrior.make(parent: parent, texts: texts, labelNames: labelNames))
        XCTAssertEqual(prior.rows, parent.vectorizer.transform(texts), "the block is the parent's own rows")
        let own = try Vectorizer.fitTransform(texts, config: options.features)
        var ownX = own.1
        if let table {
            let means = table.means(texts, tokenizer: own.0.config.tokenizer, pooling: .unitLength)
            XCTAssertGreaterThan(means.present.filter { $0 }.count, 50, "most rows have a known word")
            ownX = means.appended(to: ownX, weight: 1)
        }
        let block = prior.usedBlock(besides: ownX, foldFeatures: nil, classCount: k)
        XCTAssertLessThan(block.columns.count, prior.rows.columnCount / 2, "150 rows touch few of the parent's columns")
        XCTAssertEqual(block.X.nonZeroCount, ownX.nonZeroCount + prior.rows.nonZeroCount)
        let fullX = ownX.besides(prior.rows)
        let fullPrior = [Double](repeating: 0, count: ownX.columnCount * k) + prior.weights

        var config = options.training
        config.l2 = 1e-3
        config.tolerance = 1e-7
        let beta = 0.5
        let (full, _) = try SoftmaxTrainer.fit(fullX, labels: y, labelNames: labelNames, config: config,
                                               prior: fullPrior.map { $0 * beta })
        let (small, _) = try SoftmaxTrainer.fit(block.X, labels: y, labelNames: labelNames, config: config,
                                                prior: block.prior.map { $0 * beta })
        let expanded = block.expanding(small, prior: prior.weights, strength: beta)
        XCTAssertEqual(expanded.featureCount, full.featureCount)
        XCTAssertEqual(expanded.featureCount, ownX.columnCount + prior.rows.columnCount)
        let usedSet = Set(block.columns.map { Int($0) + ownX.columnCount })
        var largest: Float = 0
        for j in 0..<full.featureCount {
            for c in 0..<k {
                let w = expanded.weights[j * k + c]
                if j >= ownX.columnCount, !usedSet.contains(j) {
                    XCTAssertEqual(w, Float(beta * prior.weights[(j - ownX.columnCount) * k + c]))
                }
                largest = max(largest, abs(w - full.weights[j * k + c]))
            }
        }
        XCTAssertLessThan(largest, 1e-3, "the same optimum, up to the optimizer's tolerance")
        for c in 0..<k { XCTAssertEqual(expanded.bias[c], full.bias[c], accuracy: 1e-3) }
    }

    /// The parent's strength: the weakest within one standard error of the best.
    func testTheWeakestStrengthWithinOneStandardErrorOfTheBestIsChosen() {
        func result(_ mean: Double?, sd: Double) -> TuningResult {
            TuningResult(grid: [1], meanScores: [mean], stdScores: [sd], chosenIndex: 0, chosenL2: 1, folds: 4,
                         metric: "macro_f1", iterations: [1])
        }
        // Best 0.80, standard error 0.04 / √3 ≈ 0.023 (4 folds): 0.79 is within, 0.70 is not.
        XCTAssertEqual(SentimentClassifier.oneStandardErrorChoice([result(0.70, sd: 0.01), result(0.79, sd: 0.01),
                                                                   result(0.80, sd: 0.04)]), 1)
        XCTAssertEqual(SentimentClassifier.oneStandardErrorChoice([result(0.79, sd: 0.0), result(0.80, sd: 0.04)]), 0)
        XCTAssertEqual(SentimentClassifier.oneStandardErrorChoice([result(0.70, sd: 0.0), result(0.80, sd: 0.0)]), 1)
        XCTAssertEqual(SentimentClassifier.oneStandardErrorChoice([result(nil, sd: 0), result(0.6, sd: 0)]), 1)
        XCTAssertEqual(SentimentClassifier.oneStandardErrorChoice([result(0.6, sd: 0), result(0.6, sd: 0)]), 0, "ties keep the weaker")
    }

    /// The strengths are tried in ascending order and stop once one scores lower than the one before it; the
    /// report lists exactly the strengths tried, and the choice is among them.
    func testStrengthsStopOnceAStrongerOneScoresLower() throws {
        let (parent, options) = try everyThirdRowParent()
        var stopped = 0
        // Sizes whose rarest label (negative, 19%) has the rows for 5-fold CV to judge the strengths.
        for (size, seed) in [(200, 1), (300, 2), (600, 3), (900, 4)] as [(Int, UInt64)] {
            let rows = Array(stride(from: 1, to: englishCorpus.count, by: 3).prefix(size))
            var o = options
            o.training.seed = seed
            let (_, report) = try SentimentClassifier.fit(texts: rows.map { englishCorpus.texts[$0] },
                                                          labels: rows.map { englishCorpus.labels[$0] }, options: o,
                                                          parent: parent)
            let a = try XCTUnwrap(report.adaptation, "\(size) rows")
            guard a.fixedBecause == nil else { XCTFail("\(size) rows: \(a)"); continue }
            XCTAssertEqual(a.weights, Array(ParentPrior.strengths.prefix(a.weights.count)))
            XCTAssertEqual(a.meanScores.count, a.weights.count)
            XCTAssertTrue(a.weights.contains(a.chosenWeight))
            let scores = a.meanScores.map { $0 ?? -1 }
            // Every strength tried but the last scored at least its predecessor.
            for i in 1..<max(scores.count - 1, 1) { XCTAssertGreaterThanOrEqual(scores[i], scores[i - 1] - 1e-12, "\(scores)") }
            if a.weights.count < ParentPrior.strengths.count {
                stopped += 1
                XCTAssertGreaterThanOrEqual(a.weights.count, 2)
                XCTAssertLessThan(scores[scores.count - 1], scores[scores.count - 2], "\(scores)")
            }
        }
        XCTAssertGreaterThan(stopped, 0, "some draw stops early")
    }

    /// A corpus whose rarest label has fewer rows than every validation fold needs to judge it takes the parent at
    /// full strength instead of letting cross-validation choose, and that model beats the corpus alone on held-out
    /// rows; one more row of that label and cross-validation chooses again.
    func testTooFewRowsOfALabelTakeTheParentAtFullStrength() throws {
        let (parent, options) = try everyThirdRowParent()
        let heldOut = Array(stride(from: 2, to: englishCorpus.count, by: 3))
        let needed = SentimentClassifier.parentJudgedRowsPerFold * options.folds
        // 60 rows, of which fewer than `needed` are negative.
        let few = Array(stride(from: 1, to: englishCorpus.count, by: 3).prefix(60))
        let negatives = few.filter { englishCorpus.labels[$0] == "negative" }.count
        XCTAssertLessThan(negatives, needed)
        let texts = few.map { englishCorpus.texts[$0] }, labels = few.map { englishCorpus.labels[$0] }
        let (adapted, report) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options, parent: parent)
        let a = try XCTUnwrap(report.adaptation)
        XCTAssertEqual(a.weights, [1])
        XCTAssertEqual(a.chosenWeight, 1)
        XCTAssertEqual(a.meanScores.count, 1)
        XCTAssertTrue(a.fixedBecause?.contains("\(negatives) rows of the rarest label") ?? false, "\(a)")
        let (alone, _) = try SentimentClassifier.fit(texts: texts, labels: labels, options: options)
        let test = (heldOut.map { englishCorpus.texts[$0] }, heldOut.map { englishCorpus.labels[$0] })
        let adaptedF1 = try adapted.evaluate(texts: test.0, labels: test.1).macroF1
        let aloneF1 = try alone.evaluate(texts: test.0, labels: test.1).macroF1
        // (0.684 alone and 0.753 adapted before the change list; 0.738 and 0.774 with it.)
        XCTAssertGreaterThan(adaptedF1, aloneF1 + 0.03, "the parent carries what 60 rows cannot")

        // Fewer rows than folds: one fold per row, the parent at full strength; the stored options keep 5 folds, so a
        // retraining on more rows does not inherit 3.
        let three = [0, 1, 2].map { label in few.first { englishCorpus.labels[$0] == ["negative", "neutral", "positive"][label] }! }
        let (tiny, tinyReport) = try SentimentClassifier.fit(texts: three.map { englishCorpus.texts[$0] },
                                                             labels: three.map { englishCorpus.labels[$0] }, options: options,
                                                             parent: parent)
        XCTAssertEqual(tinyReport.tuning?.folds, 3)
        XCTAssertEqual(tinyReport.adaptation?.chosenWeight, 1)
        XCTAssertEqual(tiny.options.folds, options.folds)
        let (untuned, untunedReport) = try SentimentClassifier.fit(texts: three.map { englishCorpus.texts[$0] },
                                                                   labels: three.map { englishCorpus.labels[$0] },
                                                                   options: options)
        XCTAssertFalse(untunedReport.tuned, "without a parent three rows are fitted once")
        XCTAssertEqual(untuned.options.folds, options.folds)

        // Once every label has `needed` rows cross-validation judges the strengths again, from the corpus alone.
        let draw = Array(stride(from: 1, to: englishCorpus.count, by: 3))
        let size = try XCTUnwrap((60...draw.count).first { n in
            Dictionary(grouping: draw.prefix(n), by: { englishCorpus.labels[$0] }).values.allSatisfy { $0.count >= needed }
        })
        let (minimum, below) = (Array(draw.prefix(size)), Array(draw.prefix(size - 1)))
        let (_, fixed) = try SentimentClassifier.fit(texts: below.map { englishCorpus.texts[$0] },
                                                     labels: below.map { englishCorpus.labels[$0] }, options: options,
                                                     parent: parent)
        XCTAssertNotNil(fixed.adaptation?.fixedBecause, "one row short")
        let more = minimum
        let (_, judged) = try SentimentClassifier.fit(texts: more.map { englishCorpus.texts[$0] },
                                                      labels: more.map { englishCorpus.labels[$0] }, options: options,
                                                      parent: parent)
        let b = try XCTUnwrap(judged.adaptation)
        XCTAssertNil(b.fixedBecause)
        XCTAssertEqual(b.weights.first, 0)
        XCTAssertGreaterThanOrEqual(b.weights.count, 2)
    }
}
