import Foundation
import SentimentClassifier
import SoftmaxRegression
import TextFeatures
import XCTest

final class StreamingFitTests: XCTestCase {
    func streamed(_ texts: [String], _ labels: [String], chunk: Int, options: ClassifierOptions = .default,
                  buckets: Int = 1 << 16, warmStart: SentimentClassifier? = nil) throws -> (SentimentClassifier, FitReport) {
        let fit = try StreamingFit(options: options, buckets: buckets, scratchDirectory: NSTemporaryDirectory(),
                                   warmStart: warmStart)
        var start = 0
        while start < texts.count {
            let end = min(start + chunk, texts.count)
            try fit.add(texts: Array(texts[start..<end]), labels: Array(labels[start..<end]))
            start = end
        }
        XCTAssertEqual(fit.rows, texts.count)
        return try fit.finish()
    }

    /// Synthetic headlines: a label word among neutral filler, plus noise words shared by every label.
    func synthetic(_ n: Int, seed: UInt64) -> ([String], [String]) {
        var rng = Xoshiro256StarStar(seed: seed)
        let cue = ["negative": ["plunge", "loss", "cuts", "slump", "warning"],
                   "neutral": ["announces", "schedules", "names", "holds", "lists"],
                   "positive": ["soars", "record", "beats", "surge", "upgrade"]]
        let filler = ["company", "shares", "quarter", "market", "board", "group", "annual", "report", "the", "of"]
        let labels = ["negative", "neutral", "neutral", "positive"]
        var texts: [String] = [], ys: [String] = []
        for _ in 0..<n {
            let y = labels[rng.nextInt(below: labels.count)]
            var words = (0..<6).map { _ in filler[rng.nextInt(below: filler.count)] }
            words.insert(cue[y]![rng.nextInt(below: 5)], at: rng.nextInt(below: words.count))
            texts.append(words.joined(separator: " "))
            ys.append(y)
        }
        return (texts, ys)
    }

    func testChunkingDoesNotChangeTheModel() throws {
        let (texts, labels) = synthetic(3000, seed: 1)
        let (a, ra) = try streamed(texts, labels, chunk: 7)
        let (b, _) = try streamed(texts, labels, chunk: 5000)
        XCTAssertEqual(a.model, b.model)
        XCTAssertEqual(a.vectorizer, b.vectorizer)
        XCTAssertEqual(ra.rows, 3000)
        // A different seed shuffles differently: a different (but as good) model.
        var options = ClassifierOptions.default
        options.training.seed = 7
        let (c, _) = try streamed(texts, labels, chunk: 7, options: options)
        XCTAssertNotEqual(a.model.weights, c.model.weights)
    }

    /// Held-out rows are capped (memory must not grow with the corpus): past the cap about half go back to
    /// training, the result still independent of chunking.
    func testHeldOutRowsAreCapped() throws {
        let (texts, labels) = synthetic(25_000, seed: 4)
        func fit(_ chunk: Int) throws -> (SentimentClassifier, FitReport) {
            let f = try StreamingFit(options: .default, buckets: 1 << 16, scratchDirectory: NSTemporaryDirectory(),
                                     maxHeldOutRows: 300)
            var start = 0
            while start < texts.count {
                let end = min(start + chunk, texts.count)
                try f.add(texts: Array(texts[start..<end]), labels: Array(labels[start..<end]))
                start = end
            }
            return try f.finish()
        }
        let (a, ra) = try fit(333)
        let (b, rb) = try fit(25_000)
        let held = try XCTUnwrap(ra.heldOutRows)
        XCTAssertLessThanOrEqual(held, 300)   // 2% would be about 500
        XCTAssertGreaterThan(held, 100)
        XCTAssertEqual(rb.heldOutRows, held)
        XCTAssertEqual(a.model, b.model)
        XCTAssertEqual(ra.labelCounts.values.reduce(0, +), 25_000)
    }

    /// Memory does not grow with the corpus: a training unit (read from the scratch file, then decoded) never
    /// holds more than the cap, with 4× the rows as with 1× (the old units were whole stripes, closed only once
    /// past the cap, so they outgrew it), and the held-out rows stay capped.
    func testUnitsStayWithinTheCapWhateverTheRowCount() throws {
        let cap = 8192
        func fit(_ n: Int) throws -> (StreamingFit, FitReport) {
            let (texts, labels) = synthetic(n, seed: 5)
            let f = try StreamingFit(options: .default, buckets: 1 << 12, scratchDirectory: NSTemporaryDirectory(),
                                     maxHeldOutRows: 450, maxUnitWords: cap)
            var start = 0
            while start < n {
                let end = min(start + 4096, n)
                try f.add(texts: Array(texts[start..<end]), labels: Array(labels[start..<end]))
                start = end
            }
            return (f, try f.finish().1)
        }
        let (small, smallReport) = try fit(10_000)
        let (large, largeReport) = try fit(40_000)
        XCTAssertLessThanOrEqual(small.largestUnitWords, cap)
        XCTAssertLessThanOrEqual(large.largestUnitWords, cap)
        XCTAssertGreaterThan(large.largestUnitWords, cap / 2, "units are filled up to the cap")
        // 2% of 40,000 is 800: past the cap about half go back to training.
        XCTAssertLessThanOrEqual(try XCTUnwrap(smallReport.heldOutRows), 450)
        XCTAssertLessThanOrEqual(try XCTUnwrap(largeReport.heldOutRows), 450)
        XCTAssertGreaterThan(try XCTUnwrap(largeReport.heldOutRows), 250)
        XCTAssertEqual(largeReport.labelCounts.values.reduce(0, +), 40_000)
    }

    func testLearnsAndCalibratesOnHeldOutRows() throws {
        let (texts, labels) = synthetic(20_000, seed: 2)
        let (clf, report) = try streamed(texts, labels, chunk: 4096)
        XCTAssertEqual(report.run.optimizer, .adagrad)
        let held = try XCTUnwrap(report.heldOutRows)
        XCTAssertGreaterThan(held, 300)   // about 2% of 20,000
        XCTAssertLessThan(held, 500)
        let calibration = try XCTUnwrap(report.calibration, "≥ 200 held-out rows fit a temperature")
        XCTAssertEqual(clf.model.temperature, calibration.temperature)
        XCTAssertLessThanOrEqual(calibration.eceAfter, calibration.eceBefore + 1e-9)
        XCTAssertEqual(report.labelCounts.values.reduce(0, +), 20_000)
        XCTAssertGreaterThanOrEqual(report.run.iterations, 1)
        XCTAssertLessThanOrEqual(report.run.iterations, ClassifierOptions.default.training.maxEpochs)
        guard case .hashing(let b) = clf.vectorizer.config.vocabulary else { return XCTFail("features are hashed") }
        XCTAssertEqual(b, 1 << 16)
        // Fresh rows from the same distribution: the cue word decides.
        let (testTexts, testLabels) = synthetic(2000, seed: 3)
        let eval = try clf.evaluate(texts: testTexts, labels: testLabels)
        XCTAssertGreaterThan(eval.accuracy, 0.95)
        XCTAssertLessThan(eval.ece, 0.05)
    }

    func testPredictsWithTheFeaturesItTrainedOn() throws {
        // counts + row-wise weigh (training) must equal transform (prediction) bit for bit.
        let texts = englishCorpus.texts
        let v = Vectorizer(config: FeatureConfig(vocabulary: .hashing(buckets: 1 << 18)), featureNames: [], idf: [])
        let counts = v.counts(texts)
        var df = [UInt32](repeating: 0, count: v.featureCount)
        Vectorizer.addDocumentFrequencies(of: counts, to: &df)
        let fitted = v.withSmoothIDF(documentFrequencies: df, rows: texts.count)
        XCTAssertEqual(fitted, Vectorizer.fit(texts, config: v.config))
        let X = fitted.transform(texts)
        var values = counts.values
        counts.columnIndices.withUnsafeBufferPointer { c in
            values.withUnsafeMutableBufferPointer { vb in
                for i in 0..<counts.rowCount {
                    let r = counts.entryRange(ofRow: i)
                    fitted.weigh(columns: UnsafeBufferPointer(rebasing: c[r]), values: UnsafeMutableBufferPointer(rebasing: vb[r]))
                }
            }
        }
        XCTAssertEqual(counts.columnIndices, X.columnIndices)
        XCTAssertEqual(counts.rowOffsets, X.rowOffsets)
        XCTAssertEqual(values, X.values)
    }

    func testShippedCorpusQuality() throws {
        // Every fifth row held out; too few rows for early stopping (no held-out split), so all epochs run.
        var trainT: [String] = [], trainL: [String] = [], testT: [String] = [], testL: [String] = []
        for i in 0..<englishCorpus.count {
            if i % 5 == 0 { testT.append(englishCorpus.texts[i]); testL.append(englishCorpus.labels[i]) }
            else { trainT.append(englishCorpus.texts[i]); trainL.append(englishCorpus.labels[i]) }
        }
        let (clf, report) = try streamed(trainT, trainL, chunk: 1000, buckets: 1 << 20)
        XCTAssertNil(report.calibration)
        XCTAssertEqual(report.run.iterations, ClassifierOptions.default.training.maxEpochs)
        let streamedF1 = try clf.evaluate(texts: testT, labels: testL).macroF1
        let (inMemory, _) = try SentimentClassifier.fit(texts: trainT, labels: trainL)
        let inMemoryF1 = try inMemory.evaluate(texts: testT, labels: testL).macroF1
        // Out of core trades a little quality for memory; it must stay close to the in-memory fit.
        XCTAssertGreaterThan(streamedF1, inMemoryF1 - 0.08, "streamed \(streamedF1) vs in memory \(inMemoryF1)")
    }

    func testWarmStartAndLabelChecks() throws {
        let (texts, labels) = synthetic(1000, seed: 4)
        let (first, _) = try streamed(texts, labels, chunk: 300)
        let (_, report) = try streamed(texts, labels, chunk: 300, warmStart: first)
        XCTAssertTrue(report.warmStarted)
        let once = try StreamingFit(options: .default, buckets: 1 << 10, scratchDirectory: NSTemporaryDirectory())
        try once.add(texts: texts, labels: labels)
        _ = try once.finish()
        XCTAssertThrowsError(try once.finish())
        XCTAssertThrowsError(try once.add(texts: ["a"], labels: ["x"]))
        let fit = try StreamingFit(options: .default, buckets: 1 << 10, scratchDirectory: NSTemporaryDirectory())
        try fit.add(texts: ["a", "b"], labels: ["x", "x"])
        XCTAssertEqual(fit.labels, ["x"])
        XCTAssertThrowsError(try fit.finish()) { error in
            XCTAssertTrue("\(error)".contains("at least 2 distinct labels"), "\(error)")
        }
        XCTAssertThrowsError(try fit.add(texts: ["a"], labels: [])) 
        XCTAssertThrowsError(try StreamingFit(options: .default, scratchDirectory: "/nonexistent-dir")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-dir"), "\(error)")
        }
    }
}
