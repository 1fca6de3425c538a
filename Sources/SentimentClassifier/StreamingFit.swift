import Dispatch
import Sparse
import SoftmaxRegression
import TextFeatures

/// Fits a classifier on a corpus streamed in chunks, in memory that does not grow with the corpus: for corpora
/// too large to hold as texts plus a weighted matrix (see `train --streaming`).
///
///     let fit = try StreamingFit(options: .default, scratchDirectory: "/tmp")
///     while let chunk = next() { try fit.add(texts: chunk.texts, labels: chunk.labels) }
///     let (classifier, report) = try fit.finish()
///
/// - Pass 1 (`add`): hashed word n-gram counts of each chunk (all cores), document frequencies, label counts.
///   Each row goes to one of 1,024 stripes picked by a seeded hash of its position, and stripes are kept in an
///   unlinked scratch file (``SpillStripes``: in memory, one pending block and one chain head per stripe); 2% of
///   the rows (the same hash) are held out for early stopping and calibration, at most `maxHeldOutRows`: past
///   that, every other held-out row (by the same hash) goes back to training, so the held-out rows stay spread
///   over the whole corpus. Held-out rows are spilled too, to a stripe of their own.
/// - Passes 2… (`finish`): per-row AdaGrad SGD (``OnlineSoftmaxTrainer``) over the stripes in a seeded random
///   order, taken in units of blocks of consecutive stripes, about 1/64 of the corpus but at most `maxUnitWords`
///   (a unit is closed before it would pass that, splitting a stripe if need be, so memory does not grow with
///   the corpus), rows shuffled inside each unit (and laid out in that order), TF-IDF weights applied in the
///   first epoch and written back; at most `options.training.maxEpochs` epochs, stopping after the first epoch
///   that improves the held-out loss by less than `minimumImprovement` (1%). The held-out rows are read back a
///   unit at a time to measure that loss; the temperature is then fitted on their logits.
///
/// Features are always hashed (`buckets` columns): a vocabulary would need the corpus's n-grams in memory.
/// The result depends only on the rows, their order, the options and the seed, not on how rows were chunked.
public final class StreamingFit {
    /// 2^19 hashed columns. Trained on the 1M-row scale corpus, 2^20 gave about the same test macro-F1 (0.7221 vs
    /// 0.7207 on 100k scale rows written from PhraseBank's test.csv) for 25 MB more memory (trainer state, weights,
    /// stored model).
    public static let defaultBuckets = 1 << 19
    /// Stripes rows are spread over as they are added. Many small ones, so that a training unit (blocks of
    /// consecutive stripes in a shuffled order) mixes rows from all over the corpus.
    static let stripeCount = 1 << 10
    /// The stripe of the held-out candidates (rows with their placement hash), then that of the held-out rows
    /// kept for validation (written by `finish`, weighted).
    static let candidateStripe = stripeCount
    static let validationStripe = stripeCount + 1
    /// A training unit: about `1 / unitsPerEpoch` of the corpus, at most `maxUnitWords` spilled words (2 MB; one
    /// unit trains while the next is read and decoded, so two are in memory, each as words then as a matrix).
    static let unitsPerEpoch = 64
    public static let maxUnitWords = 1 << 19
    /// One row in `validationModulus` is held out (when at least `minimumValidationRows` are).
    static let validationModulus: UInt64 = 50
    static let minimumValidationRows = 200
    /// Most held-out rows kept: 2% of 1.6M rows. Enough for early stopping and a temperature; only their
    /// logits (k floats a row) are kept in memory.
    public static let maxHeldOutRows = 32_768
    /// A stripe's pending words are written to the scratch file once this many are buffered.
    static let flushWords = 1 << 11
    /// Early stopping: the relative held-out loss improvement an epoch must bring for the next one to run. On the
    /// 1M-row scale corpus the held-out loss went 0.1783 → 0.1772 (−0.6%) → 0.1818 (+2.6%, overfitting) over
    /// epochs 1–3: with 0.1% the third epoch ran (0.4–0.6 s) and made the model worse; with 1% training stops
    /// after the second. Test macro-F1 after 3 → 2 epochs: 0.7156 → 0.7207 on 100k rows that make-scale-corpus
    /// writes from Financial PhraseBank's test.csv, 0.6034 → 0.6037 on test.csv itself.
    static let minimumImprovement = 0.01

    /// The options the result is fitted with (features switched to hashing).
    public let options: ClassifierOptions
    private let counter: Vectorizer
    private let stripes: SpillStripes
    private let warmStart: SentimentClassifier?
    private let heldOutLimit: Int
    private let unitLimit: Int
    private var df: [UInt32]
    private var labelIds: [String: UInt32] = [:]
    private var labelOrder: [String] = []
    private var labelCounts: [Int] = []
    /// `heldOutAtLevel[l]`: held-out candidates whose hash is a multiple of `validationModulus << l`.
    private var heldOutAtLevel = [Int](repeating: 0, count: 40)
    /// A row is held out when its hash is a multiple of `validationModulus << heldOutLevel`.
    private var heldOutLevel = 0
    /// Rows added so far.
    public private(set) var rows = 0
    /// Columns of the hashed features.
    public var featureCount: Int { counter.featureCount }
    /// Distinct labels seen so far, sorted.
    public var labels: [String] { labelOrder.sorted() }
    /// Rows added so far per label.
    public var rowsPerLabel: [String: Int] {
        Dictionary(uniqueKeysWithValues: labelCounts.enumerated().map { (labelOrder[$0.offset], $0.element) })
    }
    /// The most spilled words `finish` held in memory for one unit (training or held-out): at most
    /// `maxUnitWords`, or one block when a single block is larger, whatever the number of rows.
    public private(set) var largestUnitWords = 0
    private var nonZeros = 0
    private var finished = false

    /// - Parameters:
    ///   - options: tokenizer, n-grams and weighting from `options.features` (its vocabulary mode is replaced by
    ///     hashing into `buckets` columns); class weighting, λ, learning rate, epochs and seed from `options.training`.
    ///   - scratchDirectory: where the (immediately unlinked) scratch file is created.
    ///   - warmStart: start from this classifier's weights when its labels and hashing configuration match.
    ///   - maxHeldOutRows: the most rows held out at once (smaller values are for tests).
    ///   - maxUnitWords: the most spilled words of a training unit (smaller values are for tests).
    public init(options: ClassifierOptions, buckets: Int = defaultBuckets, scratchDirectory: String,
                warmStart: SentimentClassifier? = nil, maxHeldOutRows: Int = StreamingFit.maxHeldOutRows,
                maxUnitWords: Int = StreamingFit.maxUnitWords) throws {
        var opts = options
        opts.features.vocabulary = .hashing(buckets: buckets)
        opts.tuning = .off
        opts.supervisedWeighting = .none  // plain TF-IDF: the naive Bayes factors are learned in memory only
        opts.embeddingWeights = []  // nor is the embedding group tried: the model records no candidates
        try opts.features.validate()
        self.options = opts
        counter = Vectorizer(config: opts.features, featureNames: [], idf: [])
        stripes = SpillStripes(try SpillFile(directory: scratchDirectory), stripes: Self.stripeCount + 2,
                               flushWords: Self.flushWords)
        self.warmStart = warmStart
        heldOutLimit = max(maxHeldOutRows, 1)
        unitLimit = max(maxUnitWords, 1)
        df = [UInt32](repeating: 0, count: counter.featureCount)
    }

    /// The seeded SplitMix64 hash of a row's position that places it: held out or in a stripe.
    private func placement(_ position: Int) -> UInt64 {
        var h = SplitMix64(seed: options.training.seed ^ (UInt64(position) &* 0x9E37_79B9_7F4A_7C15))
        return h.next()
    }

    private func isHeldOut(_ x: UInt64, level: Int) -> Bool { x % (Self.validationModulus << UInt64(level)) == 0 }

    private func stripe(of x: UInt64) -> Int { Int((x >> 32) % UInt64(Self.stripeCount)) }

    /// Appends a row (`[n, label id, n columns, n value bit patterns]`) to stripe `s`.
    private func spillRow(_ s: Int, label id: UInt32, columns: some Collection<Int32>, values: some Collection<Float>) throws {
        try stripes.append(s) { w in
            w.append(UInt32(columns.count))
            w.append(id)
            for c in columns { w.append(UInt32(bitPattern: c)) }
            for v in values { w.append(v.bitPattern) }
        }
    }

    /// Appends a held-out candidate (`[n, label id, hash low, hash high, columns, values]`), and moves to the
    /// next level while more than `heldOutLimit` rows would be held out.
    private func spillCandidate(_ x: UInt64, label id: UInt32, columns: ArraySlice<Int32>, values: ArraySlice<Float>) throws {
        try stripes.append(Self.candidateStripe) { w in
            w.append(UInt32(columns.count))
            w.append(id)
            w.append(UInt32(truncatingIfNeeded: x))
            w.append(UInt32(truncatingIfNeeded: x >> 32))
            for c in columns { w.append(UInt32(bitPattern: c)) }
            for v in values { w.append(v.bitPattern) }
        }
        for l in heldOutAtLevel.indices where isHeldOut(x, level: l) { heldOutAtLevel[l] += 1 }
        while heldOutLevel + 1 < heldOutAtLevel.count && heldOutAtLevel[heldOutLevel] > heldOutLimit { heldOutLevel += 1 }
    }

    /// Pass 1 over one chunk (texts with their labels, in corpus order).
    public func add(texts: [String], labels: [String]) throws {
        guard !finished else { throw ClassifierError.invalidInput("StreamingFit: add after finish") }
        guard texts.count == labels.count else {
            throw ClassifierError.invalidInput("\(texts.count) texts but \(labels.count) labels")
        }
        let counts = counter.counts(texts)
        Vectorizer.addDocumentFrequencies(of: counts, to: &df)
        nonZeros += counts.nonZeroCount
        for (i, label) in labels.enumerated() {
            let id: UInt32
            if let known = labelIds[label] { id = known } else {
                id = UInt32(labelOrder.count)
                labelIds[label] = id
                labelOrder.append(label)
                labelCounts.append(0)
            }
            labelCounts[Int(id)] += 1
            let r = counts.entryRange(ofRow: i)
            let x = placement(rows + i)
            if isHeldOut(x, level: heldOutLevel) {
                try spillCandidate(x, label: id, columns: counts.columnIndices[r], values: counts.values[r])
            } else {
                try spillRow(stripe(of: x), label: id, columns: counts.columnIndices[r], values: counts.values[r])
            }
        }
        rows += texts.count
    }

    /// Throws `ModelSizeError` when the model for the labels seen so far would have more than
    /// `ModelLimits.maxWeightsOutOfCore` weights (`finish` checks it again before allocating the trainer).
    public func checkModelSize() throws {
        try ModelLimits.check(features: counter.featureCount, labels: max(labelOrder.count, 1),
                              limit: ModelLimits.maxWeightsOutOfCore, hashed: true)
    }

    /// Sorts the held-out candidates: those held out at the final level (when there are enough of them) go,
    /// weighted, to the validation stripe; the others to their training stripes. Returns the validation rows.
    private func placeCandidates(_ vectorizer: Vectorizer) throws -> Int {
        let validating = heldOutAtLevel[heldOutLevel] >= Self.minimumValidationRows
        var cursor = SpillStripes.Cursor([Self.candidateStripe], heads: stripes.heads)
        var kept = 0
        while var unit = try stripes.readUnit(&cursor, cap: unitLimit) {
            largestUnitWords = max(largestUnitWords, unit.words.count)
            let starts = SpillStripes.rowStarts(unit) { w, p in 4 + 2 * Int(w[p]) }
            try unit.words.withUnsafeMutableBufferPointer { wb in
                let w = wb.baseAddress!
                for p in starts {
                    let n = Int(w[p]), id = w[p + 1]
                    let x = UInt64(w[p + 2]) | UInt64(w[p + 3]) << 32
                    try (w + p + 4).withMemoryRebound(to: Int32.self, capacity: n) { c in
                        try (w + p + 4 + n).withMemoryRebound(to: Float.self, capacity: n) { v in
                            let columns = UnsafeBufferPointer(start: c, count: n)
                            let values = UnsafeMutableBufferPointer(start: v, count: n)
                            if validating && isHeldOut(x, level: heldOutLevel) {
                                vectorizer.weigh(columns: columns, values: values)
                                try spillRow(Self.validationStripe, label: id, columns: columns, values: values)
                                kept += 1
                            } else {
                                try spillRow(stripe(of: x), label: id, columns: columns, values: values)
                            }
                        }
                    }
                }
            }
        }
        return kept
    }

    /// Trains on everything added; the classifier predicts with the same hashed TF-IDF features.
    /// - Throws: `ClassifierError.invalidInput` with fewer than 2 distinct labels, `ModelSizeError` when the
    ///   model would be too large.
    public func finish() throws -> (SentimentClassifier, FitReport) {
        guard !finished else { throw ClassifierError.invalidInput("StreamingFit: finish called twice") }
        finished = true
        let labelNames = labelOrder.sorted()
        guard labelNames.count >= 2 else {
            throw ClassifierError.invalidInput("training needs at least 2 distinct labels, found \(labelNames.count)"
                                               + (labelNames.first.map { " (\"\($0)\")" } ?? ""))
        }
        try checkModelSize()
        let k = labelNames.count
        // First-appearance id → sorted class index.
        let classOf: [Int32] = labelOrder.map { Int32(labelNames.firstIndex(of: $0)!) }
        var countsByClass = [Int](repeating: 0, count: k)
        for (id, n) in labelCounts.enumerated() { countsByClass[Int(classOf[id])] += n }
        let weights = try options.training.classWeighting.resolve(labelNames: labelNames, counts: countsByClass)
        let vectorizer = counter.withSmoothIDF(documentFrequencies: df, rows: rows)
        df = []
        try stripes.flushAll()
        let heldOutRows = try placeCandidates(vectorizer)
        try stripes.flushAll()
        stripes.releasePending()
        var start: SoftmaxModel? = nil
        if let w = warmStart, w.labels == labelNames, w.vectorizer.config == vectorizer.config,
           w.model.featureCount == vectorizer.featureCount {
            start = w.model
        }
        let trainer = try OnlineSoftmaxTrainer(labels: labelNames, featureCount: vectorizer.featureCount,
                                               classWeights: weights, l2: options.training.l2,
                                               learningRate: options.training.learningRate, warmStart: start)
        let trainingWords = stripes.words[0..<Self.stripeCount].reduce(0, +)
        let unitWords = min(unitLimit, max(1, trainingWords / Self.unitsPerEpoch))
        var rng = Xoshiro256StarStar(seed: options.training.seed)
        var epochs = 0, converged = false
        var history: [Double] = []
        var bestLoss = Double.infinity
        var lastTrainingLoss = 0.0
        var validation: (logits: [Float], labels: [Int32])? = nil
        while epochs < options.training.maxEpochs {
            var stripeOrder = Array(0..<Self.stripeCount)
            rng.shuffle(&stripeOrder)
            stripeOrder.removeAll { stripes.heads[$0].count == 0 }
            // Each unit's row order comes from a seed derived from the epoch's and the unit's number, so the
            // next unit can be read and decoded on another core while this one trains, with the same result.
            let epochSeed = rng.next()
            var total = 0.0, trained = 0
            let ahead = UnitLoader(self, SpillStripes.Cursor(stripeOrder, heads: stripes.heads), cap: unitWords,
                                   vectorizer: vectorizer, classOf: classOf, weigh: epochs == 0, seed: epochSeed)
            ahead.start()
            while let (X, y) = try ahead.wait() {
                ahead.start()
                total += trainer.train(X, labels: y, order: Array(0..<X.rowCount))
                trained += X.rowCount
            }
            epochs += 1
            lastTrainingLoss = trained > 0 ? total / Double(trained) : 0
            history.append(lastTrainingLoss)
            if heldOutRows > 0 {
                let v = try validationLogits(trainer, vectorizer, classOf)
                validation = v
                let loss = trainer.weightedLoss(logits: v.logits, labels: v.labels)
                let improved = loss < bestLoss * (1 - Self.minimumImprovement)
                bestLoss = min(bestLoss, loss)
                if !improved { converged = true; break }
            }
        }
        var model = trainer.model()
        var calibration: CalibrationSummary? = nil
        if let (logits, vy) = validation {
            let t = TemperatureScaling.fit(logits: logits, labels: vy, classCount: k)
            model.temperature = t
            let truth = vy.map { Int($0) }
            let before = SoftmaxTrainer.probabilities(logits, classCount: k, temperature: 1)
            let after = SoftmaxTrainer.probabilities(logits, classCount: k, temperature: t)
            calibration = CalibrationSummary(
                temperature: t,
                eceBefore: Metrics.expectedCalibrationError(probabilities: before, labels: truth),
                eceAfter: Metrics.expectedCalibrationError(probabilities: after, labels: truth),
                logLossBefore: Metrics.logLoss(probabilities: before, labels: truth),
                logLossAfter: Metrics.logLoss(probabilities: after, labels: truth))
        }
        var byName: [String: Int] = [:]
        for (id, n) in labelCounts.enumerated() { byName[labelOrder[id]] = n }
        let run = TrainingRun(optimizer: .adagrad, iterations: epochs, functionEvaluations: epochs,
                              finalLoss: lastTrainingLoss, gradientNorm: nil, converged: converged,
                              lossHistory: options.training.recordLossHistory ? history : nil)
        let report = FitReport(rows: rows, featureCount: vectorizer.featureCount, nonZeros: nonZeros,
                               labelCounts: byName, tuned: false, run: run, tuning: nil, calibration: calibration,
                               warmStarted: start != nil, heldOutRows: heldOutRows)
        return (SentimentClassifier(vectorizer: vectorizer, model: model, options: options), report)
    }

    /// The held-out rows' logits under the trainer's current weights (and their classes), read a unit at a time.
    private func validationLogits(_ trainer: OnlineSoftmaxTrainer, _ v: Vectorizer, _ classOf: [Int32])
        throws -> (logits: [Float], labels: [Int32]) {
        var logits: [Float] = [], labels: [Int32] = []
        var cursor = SpillStripes.Cursor([Self.validationStripe], heads: stripes.heads)
        while var unit = try stripes.readUnit(&cursor, cap: unitLimit) {
            largestUnitWords = max(largestUnitWords, unit.words.count)
            var rng = Xoshiro256StarStar(seed: 0)
            let (X, y) = decode(&unit, weigh: false, shuffle: false, v, classOf, &rng)
            logits += trainer.logits(X)
            labels += y
        }
        return (logits, labels)
    }

    /// Reads the next unit of `cursor` and decodes it in the order drawn from `seed`; in the first epoch
    /// (`weigh`) also writes the TF-IDF weights back so later epochs read them as they are. Nil when all are read.
    fileprivate func load(_ cursor: inout SpillStripes.Cursor, cap: Int, seed: UInt64, weigh: Bool, _ v: Vectorizer,
                          _ classOf: [Int32]) throws -> (CSRMatrix, [Int32])? {
        guard var unit = try stripes.readUnit(&cursor, cap: cap) else { return nil }
        largestUnitWords = max(largestUnitWords, unit.words.count)
        var rng = Xoshiro256StarStar(seed: seed)
        let decoded = decode(&unit, weigh: weigh, shuffle: true, v, classOf, &rng)
        if weigh { try stripes.writeBack(unit) }
        return decoded
    }

    /// Decodes a unit's spilled rows (`[n, labelId, n columns, n value bit patterns]`…), with `shuffle` in a
    /// random order drawn from `rng`, laid out in that order so training reads them sequentially. With `weigh`,
    /// the raw counts are first replaced in `unit` by TF-IDF weights (the caller writes them back, so later epochs
    /// skip it).
    private func decode(_ unit: inout SpillStripes.Unit, weigh: Bool, shuffle: Bool, _ v: Vectorizer,
                        _ classOf: [Int32], _ rng: inout Xoshiro256StarStar) -> (CSRMatrix, [Int32]) {
        var starts = SpillStripes.rowStarts(unit) { w, p in 2 + 2 * Int(w[p]) }
        if shuffle { rng.shuffle(&starts) }
        let rows = starts.count
        var nnz = 0
        unit.words.withUnsafeBufferPointer { w in for p in starts { nnz += Int(w[p]) } }
        var offsets = [Int](repeating: 0, count: rows + 1)
        var y = [Int32](repeating: 0, count: rows)
        var cols = [Int32](repeating: 0, count: nnz)
        var vals = [Float](repeating: 0, count: nnz)
        unit.words.withUnsafeMutableBufferPointer { wb in
            let w = wb.baseAddress!
            cols.withUnsafeMutableBufferPointer { cb in
                vals.withUnsafeMutableBufferPointer { vb in
                    var at = 0
                    for (r, p) in starts.enumerated() {
                        let n = Int(w[p])
                        y[r] = classOf[Int(w[p + 1])]
                        (w + p + 2).withMemoryRebound(to: Int32.self, capacity: n) { c in
                            (w + p + 2 + n).withMemoryRebound(to: Float.self, capacity: n) { x in
                                if weigh {
                                    v.weigh(columns: UnsafeBufferPointer(start: c, count: n),
                                            values: UnsafeMutableBufferPointer(start: x, count: n))
                                }
                                (cb.baseAddress! + at).update(from: c, count: n)
                                (vb.baseAddress! + at).update(from: x, count: n)
                            }
                        }
                        at += n
                        offsets[r + 1] = at
                    }
                }
            }
        }
        return (CSRMatrix(columnCount: v.featureCount, rowOffsets: offsets, columnIndices: cols, values: vals), y)
    }
}

/// Loads one unit at a time on a background queue while the caller trains on the previous one.
private final class UnitLoader: @unchecked Sendable {
    // @unchecked: `cursor`, `count` and `result` are used by one load at a time, and read after `group.wait()`.
    private let fit: StreamingFit
    private var cursor: SpillStripes.Cursor
    private let cap: Int
    private let vectorizer: Vectorizer
    private let classOf: [Int32]
    private let weigh: Bool
    private let seed: UInt64
    private var count: UInt64 = 0
    private let group = DispatchGroup()
    private var result: Result<(CSRMatrix, [Int32])?, Error>?

    init(_ fit: StreamingFit, _ cursor: SpillStripes.Cursor, cap: Int, vectorizer: Vectorizer, classOf: [Int32],
         weigh: Bool, seed: UInt64) {
        self.fit = fit
        self.cursor = cursor
        self.cap = cap
        self.vectorizer = vectorizer
        self.classOf = classOf
        self.weigh = weigh
        self.seed = seed
    }

    /// Starts loading the next unit (in the background); its rows are shuffled by a seed drawn from the epoch's
    /// seed and the unit's number.
    func start() {
        var h = SplitMix64(seed: seed ^ (count &* 0x9E37_79B9_7F4A_7C15))
        let unitSeed = h.next()
        count += 1
        DispatchQueue.global().async(group: group) { [self] in
            result = Result { try fit.load(&cursor, cap: cap, seed: unitSeed, weigh: weigh, vectorizer, classOf) }
        }
    }

    /// The unit `start` loaded; nil when every unit was read.
    func wait() throws -> (CSRMatrix, [Int32])? {
        group.wait()
        defer { result = nil }
        return try result!.get()
    }
}
