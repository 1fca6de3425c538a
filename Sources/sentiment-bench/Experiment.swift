import CorpusIO
import Dispatch
import Foundation
import SoftmaxRegression
import Sparse
import TextFeatures

/// `cvexp TRAIN TEST [options]`: research harness for issue 3. Raw (sublinear) counts from a vocabulary fitted on
/// TRAIN; a column weighting scheme computed on the training rows of every fold (supervised schemes never see the
/// validation fold); λ chosen by stratified 5-fold CV macro-F1 over the whole grid; final fit on all of TRAIN,
/// temperature on the out-of-fold logits; TEST only reported.
func cvExperiment(_ args: [String]) -> Int32 {
    var o = ExpOptions()
    var k = 2
    do {
        while k < args.count {
            let next: () throws -> String = {
                k += 1
                guard k < args.count else { throw BenchError(description: "\(args[k - 1]) needs a value") }
                return args[k]
            }
            switch args[k] {
            case "--scheme": o.scheme = try next()
            case "--power": o.power = Double(try next()) ?? 1
            case "--alpha": o.alpha = Double(try next()) ?? 1
            case "--times-idf": o.timesIDF = true
            case "--min-df": o.minDF = Int(try next()) ?? 2
            case "--ngrams": o.ngrams = Int(try next()) ?? 2
            case "--char":
                let lo = Int(try next()) ?? 2, hi = Int(try next()) ?? 5
                o.char = CharNgramRange(min: lo, max: hi)
            case "--binary": o.binary = true
            case "--no-sublinear": o.sublinear = false
            case "--no-negation": o.negation = false
            case "--pairs": o.pairWindow = Int(try next()) ?? 0
            case "--pair-min-df": o.pairMinDF = Int(try next()) ?? 2
            case "--folds": o.folds = Int(try next()) ?? 5
            case "--seed": o.seed = UInt64(try next()) ?? 42
            case "--class-weight": o.classWeighting = try ClassWeighting(parsing: try next())
            case "--bag": o.bag = true
            default: throw BenchError(description: "unknown option \(args[k])")
            }
            k += 1
        }
        let train = try CorpusFile.readAll(path: args[0])
        let test = try CorpusFile.readAll(path: args[1])
        let t0 = now()
        let result = try runExperiment(o, trainTexts: train.texts, trainLabels: train.labels,
                                       testTexts: test.texts, testLabels: test.labels)
        let seconds = now() - t0
        print("grid: " + zip(o.grid, result.cvScores).map { String(format: "%.2g→%.4f", $0, $1) }.joined(separator: "  "))
        let summary: [String: Any] = [
            "cv_macro_f1": result.cvMacroF1, "test_macro_f1": result.test.macroF1, "ece": result.test.ece,
            "accuracy": result.test.accuracy, "log_loss": result.test.logLoss, "l2": result.l2,
            "temperature": Double(result.temperature), "seconds": seconds, "features": result.features,
            "oof_ece": result.oofECE,
        ]
        let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        return 0
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return 1
    }
}

struct ExpOptions {
    var scheme = "idf"
    var power = 1.0
    var alpha = 1.0
    var timesIDF = false
    var minDF = 2
    var ngrams = 2
    var char: CharNgramRange? = nil
    var binary = false
    var sublinear = true
    var negation = true
    var pairWindow = 0
    var pairMinDF = 2
    var folds = 5
    var seed: UInt64 = 42
    var classWeighting = ClassWeighting.balanced
    var grid = CrossValidation.defaultGrid
    var bag = false

    var featureConfig: FeatureConfig {
        var tok = TokenizerConfig.default
        tok.markNegation = negation
        return FeatureConfig(tokenizer: tok, wordNgrams: ngrams, charNgrams: char,
                             vocabulary: .vocabulary(minDocumentFrequency: minDF, maxFeatures: nil),
                             weighting: binary ? .binary : .count, sublinearTF: sublinear, l2Normalize: false)
    }
}

struct ExpResult {
    var cvScores: [Double]
    var cvMacroF1: Double
    var l2: Double
    var temperature: Float
    var test: ClassificationReport
    var features: Int
    var oofECE: Double
}

/// Raw feature matrices for train and test, and the first column of the character group (or the column count).
func rawFeatures(_ o: ExpOptions, train: [String], test: [String]) -> (CSRMatrix, CSRMatrix, Int) {
    let v = Vectorizer.fit(train, config: o.featureConfig)
    var Xtr = v.transform(train), Xte = v.transform(test)
    var split = v.featureNames.firstIndex { $0.hasPrefix("c:") } ?? v.featureCount
    if o.pairWindow > 0 {
        let (Ptr, Pte) = pairFeatures(o, train: train, test: test)
        // Pairs are appended after all vectorizer columns (normalized with the word group when there are no chars).
        Xtr = hstack(Xtr, Ptr); Xte = hstack(Xte, Pte)
        if split == v.featureCount { split = Xtr.columnCount }
    }
    return (Xtr, Xte, split)
}

/// Token pairs (a, b) with 2 ≤ distance ≤ window (adjacent pairs are already bigrams), vocabulary by min df.
func pairFeatures(_ o: ExpOptions, train: [String], test: [String]) -> (CSRMatrix, CSRMatrix) {
    let tok = Tokenizer(o.featureConfig.tokenizer)
    func pairs(_ text: String) -> Set<String> {
        let t = tok.tokens(text)
        var s = Set<String>()
        for i in t.indices {
            var j = i + 2
            while j < t.count && j - i <= o.pairWindow { s.insert(t[i] + "|" + t[j]); j += 1 }
        }
        return s
    }
    let trainPairs = train.map(pairs)
    var df: [String: Int] = [:]
    for s in trainPairs { for p in s { df[p, default: 0] += 1 } }
    let names = df.filter { $0.value >= o.pairMinDF }.keys.sorted()
    let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.element, Int32($0.offset)) })
    func matrix(_ sets: [Set<String>]) -> CSRMatrix {
        var m = CSRMatrix(columnCount: names.count)
        for s in sets {
            let cols = s.compactMap { index[$0] }.sorted()
            m.appendRow(indices: cols, values: [Float](repeating: 1, count: cols.count))
        }
        return m
    }
    return (matrix(trainPairs), matrix(test.map(pairs)))
}

func hstack(_ a: CSRMatrix, _ b: CSRMatrix) -> CSRMatrix {
    var m = CSRMatrix(columnCount: a.columnCount + b.columnCount)
    let off = Int32(a.columnCount)
    for i in 0..<a.rowCount {
        let ra = a.row(i), rb = b.row(i)
        m.appendRow(indices: Array(ra.indices) + rb.indices.map { $0 + off }, values: Array(ra.values) + Array(rb.values))
    }
    return m
}

/// Column weights from the rows of `X` with classes `y` (presence counts per class).
func columnWeights(_ o: ExpOptions, _ X: CSRMatrix, _ y: [Int32], classCount k: Int) -> [Float] {
    let d = X.columnCount, n = X.rowCount
    var dfc = [Double](repeating: 0, count: d * k)
    var nc = [Double](repeating: 0, count: k)
    for i in 0..<n {
        let c = Int(y[i])
        nc[c] += 1
        for p in X.entryRange(ofRow: i) { dfc[Int(X.columnIndices[p]) * k + c] += 1 }
    }
    var s = [Double](repeating: 1, count: d)
    let a = o.alpha
    var l1c = [Double](repeating: 0, count: k)
    for j in 0..<d { for c in 0..<k { l1c[c] += dfc[j * k + c] } }
    let l1all = l1c.reduce(0, +)
    for j in 0..<d {
        var df = 0.0
        for c in 0..<k { df += dfc[j * k + c] }
        let idf = log((1 + Double(n)) / (1 + df)) + 1
        var w = 1.0
        switch o.scheme {
        case "idf": w = idf
        case "none": w = 1
        case "nb":
            // max over classes of |log P(j|c) / P(j|¬c)| with presence probabilities, add-α smoothing.
            var best = 0.0
            for c in 0..<k {
                let pc = (dfc[j * k + c] + a) / (nc[c] + 2 * a)
                let pn = (df - dfc[j * k + c] + a) / (Double(n) - nc[c] + 2 * a)
                best = max(best, abs(log(pc / pn)))
            }
            w = best
        case "nbrms", "nbl1":
            var acc = 0.0, best = 0.0
            for c in 0..<k {
                var r: Double
                if o.scheme == "nbl1" {
                    let pc = (dfc[j * k + c] + a) / (l1c[c] + a * Double(d))
                    let pn = (df - dfc[j * k + c] + a) / (l1all - l1c[c] + a * Double(d))
                    r = abs(log(pc / pn))
                } else {
                    let pc = (dfc[j * k + c] + a) / (nc[c] + 2 * a)
                    let pn = (df - dfc[j * k + c] + a) / (Double(n) - nc[c] + 2 * a)
                    r = abs(log(pc / pn))
                }
                acc += r * r; best = max(best, r)
            }
            w = o.scheme == "nbl1" ? best : (acc / Double(k)).squareRoot()
        case "rf":
            var best = 0.0
            for c in 0..<k {
                let pos = dfc[j * k + c], neg = df - pos
                best = max(best, log2(2 + pos / max(1, neg)))
            }
            w = best
        case "chi2":
            var best = 0.0
            for c in 0..<k {
                let A = dfc[j * k + c], B = df - A, C = nc[c] - A, D = Double(n) - nc[c] - B
                let num = Double(n) * (A * D - B * C) * (A * D - B * C)
                let den = (A + C) * (B + D) * (A + B) * (C + D)
                best = max(best, den > 0 ? num / den : 0)
            }
            w = best.squareRoot()
        case "kl":
            // KL(P(y | j) ‖ P(y)) with add-α smoothing on the class-conditional presence counts.
            var tot = 0.0
            var q = [Double](repeating: 0, count: k)
            for c in 0..<k { q[c] = dfc[j * k + c] + a * nc[c] / Double(n) * Double(k); tot += q[c] }
            var kl = 0.0
            for c in 0..<k { let p = q[c] / tot; kl += p * log(p / (nc[c] / Double(n))) }
            w = kl
        case "bnfreq":
            // 1 + normalized mutual-information-like spread: 1 - H(y|j)/log k, using balanced class priors.
            var q = [Double](repeating: 0, count: k)
            var tot = 0.0
            for c in 0..<k { q[c] = (dfc[j * k + c] + a) / nc[c]; tot += q[c] }
            var h = 0.0
            for c in 0..<k { let p = q[c] / tot; h -= p * log(p) }
            w = 1 - h / log(Double(k))
        default: w = idf
        }
        if o.power != 1 { w = pow(max(w, 0), o.power) }
        if o.timesIDF { w *= idf }
        s[j] = w
    }
    return s.map(Float.init)
}

/// `X` with columns scaled by `s`, rows L2-normalized per group (columns below `split`, and the rest).
func weighted(_ X: CSRMatrix, _ s: [Float], split: Int) -> CSRMatrix {
    var vals = X.values
    var offsets = [Int]()
    offsets.reserveCapacity(X.rowCount + 1)
    for i in 0..<X.rowCount {
        let r = X.entryRange(ofRow: i)
        var s0 = 0.0, s1 = 0.0
        for p in r {
            let v = Double(X.values[p] * s[Int(X.columnIndices[p])])
            vals[p] = Float(v)
            if Int(X.columnIndices[p]) < split { s0 += v * v } else { s1 += v * v }
        }
        let groups = (s0 > 0 ? 1.0 : 0) + (s1 > 0 ? 1.0 : 0)
        if groups == 0 { continue }
        let g = groups.squareRoot()
        let f0 = s0 > 0 ? 1 / (s0.squareRoot() * g) : 0, f1 = s1 > 0 ? 1 / (s1.squareRoot() * g) : 0
        for p in r { vals[p] = Float(Double(vals[p]) * (Int(X.columnIndices[p]) < split ? f0 : f1)) }
    }
    return CSRMatrix(columnCount: X.columnCount, rowOffsets: X.rowOffsets, columnIndices: X.columnIndices, values: vals)
}

func macroF1(truth: [Int], predicted: [Int], classCount k: Int) -> Double {
    var tp = [Double](repeating: 0, count: k), fp = tp, fn = tp
    for (t, p) in zip(truth, predicted) {
        if t == p { tp[t] += 1 } else { fp[p] += 1; fn[t] += 1 }
    }
    var s = 0.0
    for c in 0..<k {
        let d = 2 * tp[c] + fp[c] + fn[c]
        s += d > 0 ? 2 * tp[c] / d : 0
    }
    return s / Double(k)
}

func runExperiment(_ o: ExpOptions, trainTexts: [String], trainLabels: [String],
                   testTexts: [String], testLabels: [String]) throws -> ExpResult {
    let labelNames = Array(Set(trainLabels)).sorted()
    let ids = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { ($0.element, $0.offset) })
    let y = trainLabels.map { Int32(ids[$0]!) }
    let yTest = testLabels.map { ids[$0]! }
    let k = labelNames.count, n = y.count
    let (Xraw, Traw, split) = rawFeatures(o, train: trainTexts, test: testTexts)
    let folds = CrossValidation.stratifiedFolds(labels: y, k: o.folds, seed: o.seed)
    let G = o.grid.count
    var scores = [[Double]](repeating: [Double](repeating: 0, count: G), count: o.folds)
    var logits = [[[Float]]](repeating: [], count: o.folds)
    var foldModels = [[SoftmaxModel]](repeating: [], count: o.folds)
    var foldWeights = [[Float]](repeating: [], count: o.folds)
    let lock = NSLock()
    var failure: Error? = nil
    DispatchQueue.concurrentPerform(iterations: o.folds) { f in
        do {
            var isValid = [Bool](repeating: false, count: n)
            for i in folds[f] { isValid[i] = true }
            let trIdx = (0..<n).filter { !isValid[$0] }
            let Rtr = Xraw.rows(trIdx), ytr = trIdx.map { y[$0] }
            let s = columnWeights(o, Rtr, ytr, classCount: k)
            let Xt = weighted(Rtr, s, split: split), Xv = weighted(Xraw.rows(folds[f]), s, split: split)
            let yv = folds[f].map { Int(y[$0]) }
            var prev: SoftmaxModel? = nil
            var sc = [Double](), lg = [[Float]](), ms = [SoftmaxModel]()
            for g in 0..<G {
                var cfg = TrainingConfig.default
                cfg.l2 = o.grid[g]
                cfg.classWeighting = o.classWeighting
                let (m, _) = try SoftmaxTrainer.fit(Xt, labels: ytr, labelNames: labelNames, config: cfg, warmStart: prev)
                prev = m
                let z = m.predictLogits(Xv)
                sc.append(macroF1(truth: yv, predicted: Metrics.argmax(z, classCount: k), classCount: k))
                lg.append(z)
                ms.append(m)
            }
            lock.lock(); scores[f] = sc; logits[f] = lg; foldModels[f] = ms; foldWeights[f] = s; lock.unlock()
        } catch {
            lock.lock(); failure = error; lock.unlock()
        }
    }
    if let failure { throw failure }
    let mean = (0..<G).map { g in scores.map { $0[g] }.reduce(0, +) / Double(o.folds) }
    var best = 0
    for g in 1..<G where mean[g] > mean[best] + 1e-12 { best = g }
    var oof = [Float](repeating: 0, count: n * k)
    for f in 0..<o.folds {
        for (r, i) in folds[f].enumerated() { for c in 0..<k { oof[i * k + c] = logits[f][best][r * k + c] } }
    }
    let t = TemperatureScaling.fit(logits: oof, labels: y, classCount: k)
    let oofECE = Metrics.expectedCalibrationError(
        probabilities: SoftmaxTrainer.probabilities(oof, classCount: k, temperature: t), labels: y.map { Int($0) })
    var testLogits: [Float]
    if o.bag {
        // Average of the fold models' logits, each on its own fold weighting.
        testLogits = [Float](repeating: 0, count: Traw.rowCount * k)
        for f in 0..<o.folds {
            let z = foldModels[f][best].predictLogits(weighted(Traw, foldWeights[f], split: split))
            for p in z.indices { testLogits[p] += z[p] / Float(o.folds) }
        }
    } else {
        let s = columnWeights(o, Xraw, y, classCount: k)
        var cfg = TrainingConfig.default
        cfg.l2 = o.grid[best]
        cfg.classWeighting = o.classWeighting
        let (m, _) = try SoftmaxTrainer.fit(weighted(Xraw, s, split: split), labels: y, labelNames: labelNames, config: cfg)
        testLogits = m.predictLogits(weighted(Traw, s, split: split))
    }
    let probs = SoftmaxTrainer.probabilities(testLogits, classCount: k, temperature: t)
    let report = try ClassificationReport(labels: labelNames, truth: yTest, probabilities: probs)
    return ExpResult(cvScores: mean, cvMacroF1: mean[best], l2: o.grid[best], temperature: t, test: report,
                     features: Xraw.columnCount, oofECE: oofECE)
}
