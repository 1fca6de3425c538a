import ClassifierStore
import CorpusIO
import Foundation
import SentimentClassifier
import SentimentKit
import SoftmaxRegression
import TextFeatures
#if canImport(Glibc)
import Glibc
#endif

// `suite [PART...] [options]`: the release-mode benchmark suite (bench/run.sh drives it).
//
//   features  featurization throughput on the big scale corpus (CorpusFile.readAll + Vectorizer.fitTransform)
//   train     `sentiment train` as a child process at each size: wall time, peak RSS (wait4 ru_maxrss)
//   predict   in-process SentimentClassifier.probabilities, then `sentiment predict --file` with and without
//             --no-store, with the model trained on the model-size corpus
//   query     p50/p99 latency of store queries (SentimentStore API) on the store holding the stored predictions
//   quality   Financial PhraseBank: this project's fit next to scikit-learn's (from --sklearn-json)
//
// A readable table per part on stdout, progress on stderr, and one JSON object as the last stdout line.
// Parts that need files under --shared skip themselves with a message when they are missing; a part that needs
// another part's output (predict needs a trained model, query a store of predictions) builds it first.

let suitePartNames = ["features", "train", "predict", "query", "quality"]

/// The targets of the performance issue, printed beside the figures.
enum SuiteTargets {
    static let train1MSeconds = 5.0
    static let train1MRSSMB = 125.0
    static let predictNoStoreSeconds = 2.0
    static let predictStoreSeconds = 6.0
    static let queryP99Milliseconds = 50.0
    static let phraseBankTrainSeconds = 1.0

    static var json: [String: Any] {
        ["train_1m_seconds": train1MSeconds, "train_1m_rss_mb": train1MRSSMB,
         "predict_1m_no_store_seconds": predictNoStoreSeconds, "predict_1m_store_seconds": predictStoreSeconds,
         "query_p99_ms": queryP99Milliseconds, "phrasebank_train_tuned_seconds": phraseBankTrainSeconds]
    }
}

/// A part cannot run here (missing input); not a failure.
struct SkipPart: Error, CustomStringConvertible { var description: String }

func suiteBenchmark(_ args: [String]) -> Int32 {
    let usage = """
        usage: sentiment-bench suite [PART...] [--shared DIR] [--work DIR] [--sentiment PATH] [--sklearn-json FILE]
                                     [--sizes N,N,...] [--big-rows N] [--model-rows N] [--query-runs N]
                                     [--search WORD] [--quality-repeat K] [--features-repeat K]
          PART: \(suitePartNames.joined(separator: ", ")) (default: all, in that order)
          --shared DIR        the shared folder with tools/make-scale-corpus and corpora/financial-phrasebank (../shared)
          --work DIR          scale corpora, stores and logs (/tmp/sentiment-bench)
          --sentiment PATH    the sentiment executable (default: next to this executable)
          --sklearn-json FILE scikit-learn's result (last line of bench/sklearn_baseline.py) for the quality table
          --sizes             train sizes (10000,100000,1000000); --big-rows: features/predict corpus (1000000);
          --model-rows        rows of the model used to predict (100000)
        """
    let suite = Suite()
    var parts: [String] = []
    var k = 0
    do {
        func value() throws -> String {
            k += 1
            guard k < args.count else { throw BenchError(description: "\(args[k - 1]) needs a value") }
            return args[k]
        }
        func count(_ text: String, _ flag: String) throws -> Int {
            guard let n = Int(text.replacingOccurrences(of: "_", with: "")), n > 0 else {
                throw BenchError(description: "\(flag): expected a positive integer, got \"\(text)\"")
            }
            return n
        }
        while k < args.count {
            let a = args[k]
            switch a {
            case "--shared": suite.shared = try value()
            case "--work": suite.work = try value()
            case "--sentiment": suite.sentiment = try value()
            case "--sklearn-json": suite.sklearnJSON = try value()
            case "--sizes": suite.sizes = try value().split(separator: ",").map { try count(String($0), a) }
            case "--big-rows": suite.bigRows = try count(try value(), a)
            case "--model-rows": suite.modelRows = try count(try value(), a)
            case "--query-runs": suite.queryRuns = try count(try value(), a)
            case "--search": suite.searchWord = try value()
            case "--quality-repeat": suite.qualityRepeats = try count(try value(), a)
            case "--features-repeat": suite.featureRepeats = try count(try value(), a)
            case "-h", "--help": print(usage); return 0
            default:
                guard suitePartNames.contains(a) else { throw BenchError(description: "unknown part or option \(a)") }
                if !parts.contains(a) { parts.append(a) }
            }
            k += 1
        }
        if suite.sizes.isEmpty { throw BenchError(description: "--sizes: give at least one size") }
    } catch {
        FileHandle.standardError.write(Data("sentiment-bench suite: \(error)\n\(usage)\n".utf8))
        return 2
    }
    if parts.isEmpty { parts = suitePartNames }
    return suite.run(parts: suitePartNames.filter(parts.contains))
}

final class Suite {
    var shared = "../shared"
    var work = "/tmp/sentiment-bench"
    var sentiment = ""
    var sklearnJSON: String? = nil
    var sizes = [10_000, 100_000, 1_000_000]
    var bigRows = 1_000_000
    var modelRows = 100_000
    var queryRuns = 50
    var searchWord = "profit"
    var qualityRepeats = 3
    var featureRepeats = 1

    let bench = executablePath()
    var report: [String: Any] = [:]
    var rssFloorMB: Double? = nil

    var phraseBank: String { shared + "/corpora/financial-phrasebank" }
    var storesDir: String { work + "/stores" }
    var logsDir: String { work + "/logs" }
    func corpusPath(_ n: Int) -> String { "\(work)/scale-\(n).csv" }
    func trainStore(_ n: Int) -> String { "\(storesDir)/train-\(n).sqlite" }
    var predictStore: String { "\(storesDir)/predict-\(bigRows).sqlite" }

    func run(parts: [String]) -> Int32 {
        if sentiment.isEmpty { sentiment = (bench as NSString).deletingLastPathComponent + "/sentiment" }
        shared = absolute(shared)
        work = absolute(work)
        for dir in [work, storesDir, logsDir] {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        let started = Date()
        let loadStart = loadAverage()
        print("sentiment-bench suite — parts: \(parts.joined(separator: ", "))")
        print("started \(ISO8601DateFormatter().string(from: started)); \(ProcessInfo.processInfo.activeProcessorCount) CPUs; "
              + "load average \(loadStart.map { String(format: "%.2f", $0) }.joined(separator: " ")) "
              + "(other work on the machine slows every figure)")
        print("sentiment: \(sentiment)")
        print("work dir:  \(work)    shared: \(shared)\(FileManager.default.fileExists(atPath: shared) ? "" : " (absent)")")
        print("MB = 10^6 bytes. Peak RSS is the child's ru_maxrss from wait4().")
        flush()
        var failed = false
        for part in parts {
            print("")
            let t0 = now()
            do {
                switch part {
                case "features": report[part] = try features()
                case "train": report[part] = try train()
                case "predict": report[part] = try predict()
                case "query": report[part] = try query()
                case "quality": report[part] = try quality()
                default: break
                }
            } catch let skip as SkipPart {
                print("skipped: \(skip)")
                report[part] = ["skipped": skip.description]
            } catch {
                print("FAILED: \(error)")
                report[part] = ["error": "\(error)"]
                failed = true
            }
            flush()
            progress("\(part): done in \(String(format: "%.0f", now() - t0)) s")
        }
        let loadEnd = loadAverage()
        print("")
        print(String(format: "finished in %.0f s; load average %@", Date().timeIntervalSince(started),
                     loadEnd.map { String(format: "%.2f", $0) }.joined(separator: " ")))
        report["suite"] = "sentiment-bench suite"
        report["parts"] = parts
        report["started"] = ISO8601DateFormatter().string(from: started)
        report["cpus"] = ProcessInfo.processInfo.activeProcessorCount
        report["load_average_start"] = loadStart
        report["load_average_end"] = loadEnd
        report["targets"] = SuiteTargets.json
        report["rss_floor_mb"] = rssFloorMB ?? NSNull()
        do {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } catch {
            print("{\"error\": \"cannot encode the report: \(error)\"}")
            failed = true
        }
        flush()
        return failed ? 1 : 0
    }

    // MARK: 1. Featurization

    func features() throws -> [String: Any] {
        header("1. Featurization throughput (CorpusFile.readAll + Vectorizer.fitTransform)")
        let path = try ensureCorpus(bigRows)
        let bytes = fileSize(path)
        progress("features: reading \(path)")
        let t0 = now()
        let texts = try CorpusFile.readAll(path: path, options: CorpusOptions(format: .csv, requireLabels: false)).texts
        let tRead = now() - t0
        let rows = Double(texts.count), mb = Double(bytes) / 1e6
        // The in-memory defaults, and the hashed features out-of-core training uses for corpora this size.
        var hashed = ClassifierOptions.defaultFeatures
        hashed.vocabulary = .hashing(buckets: StreamingFit.defaultBuckets)
        var tableRows = [["read (CorpusFile.readAll)", "", fixed(tRead, 2), grouped(rows / tRead), fixed(mb / tRead, 1)]]
        var out: [String: Any] = ["corpus": path, "rows": texts.count, "bytes": bytes, "read_seconds": tRead]
        for (key, config) in [("vocabulary", ClassifierOptions.defaultFeatures), ("hashing", hashed)] {
            var tFeat = Double.infinity
            var featureCount = 0, nonZeros = 0
            for r in 0..<featureRepeats {
                progress("features: \(key) fitTransform \(r + 1)/\(featureRepeats) on \(texts.count) rows")
                let t1 = now()
                let (v, X) = Vectorizer.fitTransform(texts, config: config)
                tFeat = min(tFeat, now() - t1)
                featureCount = v.featureCount
                nonZeros = X.nonZeroCount
            }
            let what = "\(config.vocabulary), \(featureCount) features, \(nonZeros) non-zeros"
            tableRows.append(["featurize (fitTransform)", what, fixed(tFeat, 2), grouped(rows / tFeat), fixed(mb / tFeat, 1)])
            tableRows.append(["read + featurize", what, fixed(tRead + tFeat, 2), grouped(rows / (tRead + tFeat)),
                              fixed(mb / (tRead + tFeat), 1)])
            out[key] = ["fit_transform_seconds": tFeat, "rows_per_second": rows / tFeat, "mb_per_second": mb / tFeat,
                        "read_and_fit_transform_seconds": tRead + tFeat,
                        "read_and_fit_transform_rows_per_second": rows / (tRead + tFeat),
                        "features": featureCount, "non_zeros": nonZeros] as [String: Any]
        }
        print("corpus \(path): \(texts.count) rows, \(fixed(mb, 1)) MB; word 1–\(hashed.wordNgrams)-grams, sublinear TF-IDF"
              + (featureRepeats > 1 ? "; fitTransform best of \(featureRepeats)" : "")
              + ". Hashing is what out-of-core training (corpora over 32 MB) uses.")
        table(["stage", "features", "seconds", "rows/s", "MB/s"], tableRows)
        return out
    }

    // MARK: 2. Training

    func train() throws -> [String: Any] {
        header("2. `sentiment train` as a child process (fresh store, --no-default-model)")
        var rows: [[String]] = []
        var results: [[String: Any]] = []
        var notes: [String] = []
        var seconds: [Int: Double] = [:], rss: [Int: Double] = [:]
        var corpora: [Int: String] = [:]
        for n in sizes.sorted() {
            do { corpora[n] = try ensureCorpus(n) } catch let skip as SkipPart {
                if corpora.isEmpty && n == sizes.max() { throw skip }   // nothing to run
                notes.append("\(grouped(Double(n))) rows skipped: \(skip)")
            }
        }
        try measureFloor()
        for n in sizes.sorted() {
            guard let path = corpora[n] else {
                rows.append([grouped(Double(n)), "skipped", "", "", "", "", "", "", ""])
                results.append(["rows": n, "skipped": notes.first { $0.hasPrefix(grouped(Double(n)) + " ") } ?? "skipped"])
                continue
            }
            let store = trainStore(n)
            removeStore(store)
            let out = "\(logsDir)/train-\(n).json"
            progress("train: sentiment train on \(n) rows")
            do {
                let m = try measured([sentiment, "train", "--corpus", path, "--db", store, "--no-default-model",
                                      "--name", "scale-\(n)", "--format", "json"], label: "train-\(n)", stdout: out)
                let json = (try? jsonObject(String(decoding: FileManager.default.contents(atPath: out) ?? Data(), as: UTF8.self))) ?? [:]
                let tuned = json["tuned"] as? Bool
                let duration = double(json["duration_seconds"])
                seconds[n] = m.wallSeconds
                rss[n] = m.maxRSSMB
                var target = ""
                if n == 1_000_000 {
                    target = "≤ \(fixed(SuiteTargets.train1MSeconds, 0)) s: \(verdict(m.wallSeconds, SuiteTargets.train1MSeconds)); "
                        + "≤ \(fixed(SuiteTargets.train1MRSSMB, 0)) MB: \(verdict(m.maxRSSMB, SuiteTargets.train1MRSSMB))"
                }
                rows.append([grouped(Double(n)), tuned.map { $0 ? "yes (5-fold CV)" : "no" } ?? "?",
                             double(json["features"]).map(grouped) ?? "?",
                             double(json["iterations"]).map { String(Int($0)) } ?? "?",
                             fixed(m.wallSeconds, 2), duration.map { fixed($0, 2) } ?? "?", fixed(m.cpuSeconds, 1),
                             fixed(m.maxRSSMB, 0), target])
                results.append(["rows": n, "wall_seconds": m.wallSeconds, "cpu_seconds": m.cpuSeconds,
                                "max_rss_mb": m.maxRSSMB, "max_rss_kib": m.maxRSSKiB,
                                "cli_duration_seconds": duration ?? NSNull(), "tuned": tuned ?? NSNull(),
                                "features": json["features"] ?? NSNull(), "iterations": json["iterations"] ?? NSNull(),
                                "store": store])
            } catch {
                rows.append([grouped(Double(n)), "FAILED", "", "", "", "", "", "", ""])
                results.append(["rows": n, "error": "\(error)"])
                notes.append("\(grouped(Double(n))) rows failed: \(error)")
            }
        }
        table(["rows", "tuned", "features", "iter.", "wall s", "CLI-reported s", "CPU s", "peak RSS MB", "target (1M)"], rows)
        for note in notes { print(note) }
        var out: [String: Any] = ["runs": results]
        let big = sizes.max()!, sortedSizes = sizes.sorted()
        if sortedSizes.count >= 2 {
            let prev = sortedSizes[sortedSizes.count - 2]
            if let a = seconds[big], let b = seconds[prev], let ra = rss[big], let rb = rss[prev] {
                let name = big == 1_000_000 && prev == 100_000 ? "time(1M)/time(100k)" : "time(\(big))/time(\(prev))"
                let note = prev <= ClassifierOptions.tuneRowLimit && big > ClassifierOptions.tuneRowLimit
                    ? "; note: \(prev) rows are tuned by CV, \(big) are not" : ""
                print("growth: \(name) = \(fixed(a / b, 2)) for \(fixed(Double(big) / Double(prev), 0))× the rows "
                      + "(peak RSS ×\(fixed(ra / rb, 2)))" + note)
                out["time_ratio_largest_to_previous"] = a / b
                out["rss_ratio_largest_to_previous"] = ra / rb
            }
        }
        print("corpora up to \(grouped(Double(ClassifierOptions.tuneRowLimit))) rows are tuned by 5-fold CV over "
              + "\(CrossValidation.defaultGrid.count) λ values; larger ones train once at λ = 1e-4. "
              + "CLI-reported s = the train command's own duration_seconds (read + fit + store, without process start).")
        return out
    }

    // MARK: 3. Prediction

    func predict() throws -> [String: Any] {
        header("3. Prediction throughput on \(grouped(Double(bigRows))) rows with the model trained on \(grouped(Double(modelRows))) rows")
        let modelStore = try ensureModelStore()
        let path = try ensureCorpus(bigRows)
        try measureFloor()

        // In-process.
        progress("predict: loading the model and reading \(path)")
        let t0 = now()
        let classifier = try loadActiveClassifier(modelStore)
        let tLoad = now() - t0
        let texts = try CorpusFile.readAll(path: path, options: CorpusOptions(format: .csv, requireLabels: false)).texts
        progress("predict: SentimentClassifier.probabilities on \(texts.count) texts")
        let t1 = now()
        let p = classifier.probabilities(texts)
        let tProb = now() - t1
        precondition(p.count == texts.count * classifier.labels.count)
        let n = Double(texts.count)

        // CLI, not storing.
        progress("predict: sentiment predict --no-store")
        let base = [sentiment, "predict", "--file", path, "--format", "csv"]
        let noStore = try measured(base + ["--db", modelStore, "--no-store"], label: "predict-no-store", stdout: "/dev/null")

        // CLI, storing every prediction (in a copy of the model's store).
        progress("predict: sentiment predict (storing every prediction)")
        let store = try storePredictions(modelStore: modelStore, corpus: path)
        let stored = try SentimentStore(path: predictStore).countPredictions()
        let storeMB = Double(fileSize(predictStore) + fileSize(predictStore + "-wal")) / 1e6

        table(["path", "rows", "wall s", "rows/s", "peak RSS MB", "target"], [
            ["in-process SentimentClassifier.probabilities", grouped(n), fixed(tProb, 2), grouped(n / tProb), "–", ""],
            ["sentiment predict --file --format csv --no-store", grouped(n), fixed(noStore.wallSeconds, 2),
             grouped(n / noStore.wallSeconds), fixed(noStore.maxRSSMB, 0),
             "≤ \(fixed(SuiteTargets.predictNoStoreSeconds, 0)) s: \(verdict(noStore.wallSeconds, SuiteTargets.predictNoStoreSeconds))"],
            ["sentiment predict --file --format csv (stores all)", grouped(n), fixed(store.wallSeconds, 2),
             grouped(n / store.wallSeconds), fixed(store.maxRSSMB, 0),
             "≤ \(fixed(SuiteTargets.predictStoreSeconds, 0)) s: \(verdict(store.wallSeconds, SuiteTargets.predictStoreSeconds))"],
        ])
        print("model: \(trainStore(modelRows)) (loaded in \(fixed(tLoad, 2)) s, \(classifier.vectorizer.featureCount) features); "
              + "CLI output to /dev/null; the storing run wrote \(grouped(Double(stored))) predictions, store \(fixed(storeMB, 0)) MB")
        return ["rows": texts.count, "model_rows": modelRows,
                "in_process": ["seconds": tProb, "rows_per_second": n / tProb, "model_load_seconds": tLoad],
                "cli_no_store": measurementJSON(noStore, rows: texts.count),
                "cli_store": measurementJSON(store, rows: texts.count),
                "stored_predictions": stored, "store_mb": storeMB]
    }

    // MARK: 4. Queries

    func query() throws -> [String: Any] {
        header("4. Query latency on the store of predictions (SentimentStore API, \(queryRuns) runs each after a first run)")
        let path = predictStore
        var total = 0
        if FileManager.default.fileExists(atPath: path) {
            total = (try? SentimentStore(path: path).countPredictions()) ?? 0
        }
        if total < bigRows {
            progress("query: \(path) lacks the predictions; building it (sentiment predict, storing)")
            let modelStore = try ensureModelStore()
            let m = try storePredictions(modelStore: modelStore, corpus: try ensureCorpus(bigRows))
            print("(setup: stored \(grouped(Double(bigRows))) predictions with sentiment predict in \(fixed(m.wallSeconds, 1)) s)")
        }
        let db = try SentimentStore(path: path)
        total = try db.countPredictions()
        let labels = try db.summary().byLabel.keys.sorted()
        let label = labels.contains("negative") ? "negative" : (labels.first ?? "negative")
        let word = searchWord
        let range = PredictionQuery(label: label, minConfidence: 0.5, maxConfidence: 0.8)
        var limited = range
        limited.limit = 50
        let queries: [(String, () throws -> Int)] = [
            ("newest 50 (no filter)", { try db.predictions(PredictionQuery(limit: 50)).count }),
            ("label=\(label), 0.5 ≤ conf ≤ 0.8, limit 50", { try db.predictions(limited).count }),
            ("count label=\(label), 0.5 ≤ conf ≤ 0.8", { try db.countPredictions(range) }),
            ("conf ≤ 0.6, uncorrected, lowest first, limit 50", {
                try db.predictions(PredictionQuery(maxConfidence: 0.6, corrected: false, order: .confidenceAscending, limit: 50)).count
            }),
            ("search '\(word)', limit 50", { try db.predictions(PredictionQuery(search: word, limit: 50)).count }),
            ("count search '\(word)'", { try db.countPredictions(PredictionQuery(search: word)) }),
            ("search '\(word)' + label=\(label), limit 50", {
                try db.predictions(PredictionQuery(label: label, search: word, limit: 50)).count
            }),
            ("summary (all predictions)", { try db.summary().total }),
        ]
        var rows: [[String]] = []
        var results: [[String: Any]] = []
        for (name, body) in queries {
            progress("query: \(name)")
            let t0 = now()
            let result = try body()
            let first = (now() - t0) * 1000
            var times: [Double] = []
            for _ in 0..<queryRuns {
                let t = now()
                _ = try body()
                times.append((now() - t) * 1000)
            }
            times.sort()
            let p50 = percentile(times, 0.50), p99 = percentile(times, 0.99)
            rows.append([name, grouped(Double(result)), fixed(first, 1), fixed(p50, 2), fixed(p99, 2), fixed(times.last!, 2),
                         verdict(p99, SuiteTargets.queryP99Milliseconds)])
            results.append(["query": name, "result": result, "first_ms": first, "p50_ms": p50, "p99_ms": p99,
                            "max_ms": times.last!, "runs": queryRuns])
        }
        table(["query", "result", "first ms", "p50 ms", "p99 ms", "max ms", "p99 ≤ \(fixed(SuiteTargets.queryP99Milliseconds, 0)) ms"], rows)
        print("store \(path): \(grouped(Double(total))) predictions. result = rows returned, or the count / total. "
              + "p99 of \(queryRuns) runs is the nearest-rank percentile (with 50 runs: the largest).")
        return ["store": path, "predictions": total, "queries": results]
    }

    // MARK: 5. Quality

    func quality() throws -> [String: Any] {
        header("5. Quality on Financial PhraseBank: sentiment (library defaults) next to scikit-learn")
        let trainPath = phraseBank + "/train.csv", testPath = phraseBank + "/test.csv"
        for p in [trainPath, testPath] where !FileManager.default.fileExists(atPath: p) {
            throw SkipPart(description: "\(p) is missing (the shared corpora are absent)")
        }
        let train = try CorpusFile.readAll(path: trainPath)
        let test = try CorpusFile.readAll(path: testPath)
        var best = Double.infinity
        var fitted: (SentimentClassifier, FitReport)? = nil
        for r in 0..<qualityRepeats {
            progress("quality: SentimentClassifier.fit \(r + 1)/\(qualityRepeats)")
            let t0 = now()
            fitted = try SentimentClassifier.fit(texts: train.texts, labels: train.labels)
            best = min(best, now() - t0)
        }
        let (clf, fit) = fitted!
        let eval = try clf.evaluate(texts: test.texts, labels: test.labels)
        var ours: [String: Any] = ["system": "sentiment defaults (tuned + calibrated)", "macro_f1": eval.macroF1,
                                   "accuracy": eval.accuracy, "log_loss": eval.logLoss, "ece": eval.ece, "fit_seconds": best,
                                   "train_rows": train.count, "test_rows": test.count, "n_features": fit.featureCount,
                                   "l2": clf.options.training.l2, "cv_macro_f1": fit.crossValidatedMacroF1 ?? NSNull(),
                                   "fit_repeats": qualityRepeats]
        ours["grid_size"] = fit.tuning?.grid.count ?? 0
        var rows: [[String]] = [[
            "sentiment, defaults (tuned + calibrated)", fixed(eval.macroF1, 4), fixed(eval.accuracy, 4), fixed(eval.logLoss, 4),
            fixed(eval.ece, 4), fixed(best, 2), "λ = \(String(format: "%.3g", clf.options.training.l2)) "
                + "(5-fold CV over \(fit.tuning?.grid.count ?? 0) values)",
        ]]
        var out: [String: Any] = ["sentiment": ours]
        var sk: [String: Any]? = nil
        var skNote = ""
        if let file = sklearnJSON {
            do {
                let obj = try jsonObject(try lastLine(of: file))
                guard double(obj["macro_f1"]) != nil, double(obj["fit_seconds"]) != nil else {
                    throw BenchError(description: "\(file): no macro_f1 / fit_seconds")
                }
                sk = obj
            } catch {
                skNote = "scikit-learn: no result (\(error))"
            }
        } else {
            skNote = "scikit-learn: not run (pass --sklearn-json FILE; bench/run.sh quality runs bench/sklearn_baseline.py)"
        }
        if let sk {
            let c = double(sk["C"]).map { String(format: "C = %g", $0) } ?? ""
            let system = sk["system"] as? String ?? "sklearn"
            var grid = " (5-fold CV)"
            if let open = system.range(of: "cv5[") {
                grid = " (5-fold CV over C ∈ {\(system[open.upperBound...].prefix { $0 != "]" })})"
            } else if double(sk["cv_macro_f1"]) == nil {
                grid = " (no CV)"
            }
            rows.append(["scikit-learn TF-IDF 1-2 + LogisticRegression(balanced)", num(sk["macro_f1"]), num(sk["accuracy"]),
                         num(sk["log_loss"]), num(sk["ece"]), num(sk["fit_seconds"], 2), c + grid])
            out["sklearn"] = sk
        }
        table(["system", "macro-F1", "accuracy", "log loss", "ECE", "fit s", "regularisation"], rows)
        print("\(train.count) train / \(test.count) test rows; sentiment fit time is the best of \(qualityRepeats) fits in-process "
              + "(features + CV + calibration + final fit).")
        if let sk, let skF1 = double(sk["macro_f1"]), let skFit = double(sk["fit_seconds"]) {
            let ratios: [String: Double] = [
                "macro_f1_difference": eval.macroF1 - skF1,
                "accuracy_difference": eval.accuracy - (double(sk["accuracy"]) ?? .nan),
                "log_loss_difference": eval.logLoss - (double(sk["log_loss"]) ?? .nan),
                "ece_difference": eval.ece - (double(sk["ece"]) ?? .nan),
                "fit_time_ratio_sklearn_to_sentiment": skFit / best,
            ]
            print("sentiment − scikit-learn: macro-F1 \(signed(ratios["macro_f1_difference"]!)), accuracy \(signed(ratios["accuracy_difference"]!)), "
                  + "log loss \(signed(ratios["log_loss_difference"]!)), ECE \(signed(ratios["ece_difference"]!)) (lower is better for the last two)")
            let system = sk["system"] as? String ?? ""
            let gridNote = system.contains("cv5[")
                ? "scikit-learn ran with a short C grid (bench/run.sh: --c-grid 1,10,100, 3 values instead of the reference 12, "
                  + "whose full run takes ~5.5 min), n_jobs=1"
                : "scikit-learn's own grid, n_jobs=1"
            print("fit time: scikit-learn / sentiment = \(fixed(skFit / best, 0))× (\(gridNote))")
            out["comparison"] = ratios.mapValues { $0.isFinite ? $0 as Any : NSNull() }
        } else {
            print(skNote)
            out["sklearn"] = ["skipped": skNote]
        }
        print("target: PhraseBank train with tuning ≤ \(fixed(SuiteTargets.phraseBankTrainSeconds, 0)) s: "
              + "\(fixed(best, 2)) s, \(verdict(best, SuiteTargets.phraseBankTrainSeconds))")
        return out
    }

    // MARK: Shared steps

    /// The scale corpus of `n` rows, generated with the shared tool when missing (written to a temporary name
    /// first, so an interrupted run never leaves a truncated corpus behind).
    func ensureCorpus(_ n: Int) throws -> String {
        let path = corpusPath(n)
        if FileManager.default.fileExists(atPath: path) { return path }
        let tool = shared + "/tools/make-scale-corpus", seed = phraseBank + "/train.csv"
        for p in [tool, seed] where !FileManager.default.fileExists(atPath: p) {
            throw SkipPart(description: "\(path) is missing and cannot be generated: \(p) is absent")
        }
        progress("generating \(path) with make-scale-corpus")
        let tmp = "\(path).tmp-\(getpid())"
        let m = try spawnAndWait([tool, seed, "\(n)", tmp], stderrPath: "\(logsDir)/make-scale-corpus-\(n).stderr")
        guard m.succeeded else {
            try? FileManager.default.removeItem(atPath: tmp)
            throw BenchError(description: "make-scale-corpus \(n): \(m.statusText) (see \(logsDir)/make-scale-corpus-\(n).stderr)")
        }
        guard rename(tmp, path) == 0 else { throw BenchError(description: "cannot rename \(tmp) to \(path)") }
        return path
    }

    /// The store holding the model trained on `modelRows` rows (part 2's store), trained now when missing.
    func ensureModelStore() throws -> String {
        let store = trainStore(modelRows)
        if FileManager.default.fileExists(atPath: store), (try? loadActiveClassifier(store)) != nil { return store }
        let corpus = try ensureCorpus(modelRows)
        removeStore(store)
        progress("training the \(modelRows)-row model (sentiment train) for the prediction parts")
        let m = try measured([sentiment, "train", "--corpus", corpus, "--db", store, "--no-default-model",
                              "--name", "scale-\(modelRows)", "--format", "json"],
                             label: "train-\(modelRows)", stdout: "\(logsDir)/train-\(modelRows).json")
        print("(setup: trained the \(grouped(Double(modelRows)))-row model in \(fixed(m.wallSeconds, 1)) s)")
        return store
    }

    /// Copies the model's store to a fresh `predictStore` and runs `sentiment predict` storing every prediction.
    func storePredictions(modelStore: String, corpus: String) throws -> ChildMeasurement {
        removeStore(predictStore)
        try FileManager.default.copyItem(atPath: modelStore, toPath: predictStore)
        if FileManager.default.fileExists(atPath: modelStore + "-wal") {
            try FileManager.default.copyItem(atPath: modelStore + "-wal", toPath: predictStore + "-wal")
        }
        return try measured([sentiment, "predict", "--file", corpus, "--format", "csv", "--db", predictStore],
                            label: "predict-store", stdout: "/dev/null")
    }

    func loadActiveClassifier(_ store: String) throws -> SentimentClassifier {
        guard let stored = try SentimentStore(path: store).loadActiveModel() else {
            throw BenchError(description: "\(store): no active model")
        }
        return try SentimentClassifier(stored: stored)
    }

    /// Runs `argv` through `sentiment-bench measure` (a fresh, small process, so `ru_maxrss` is the child's own and
    /// not this process's peak; see `spawnAndWait`). Throws when the child fails, quoting the end of its stderr.
    func measured(_ argv: [String], label: String, stdout: String) throws -> ChildMeasurement {
        guard FileManager.default.isExecutableFile(atPath: argv[0]) else {
            throw BenchError(description: "\(argv[0]) is not an executable (build it: swift build -c release)")
        }
        let result = "\(logsDir)/\(label).measure.json", stderr = "\(logsDir)/\(label).stderr"
        let helper = try spawnAndWait([bench, "measure", "--stdout", stdout, "--stderr", stderr, "--"] + argv,
                                      stdoutPath: result, stderrPath: "\(logsDir)/\(label).measure.stderr")
        guard helper.succeeded, let m = try? JSONDecoder().decode(ChildMeasurement.self, from: Data(lastLine(of: result).utf8)) else {
            throw BenchError(description: "\(label): the measure helper failed (\(helper.statusText)); see \(logsDir)/\(label).measure.stderr")
        }
        guard m.succeeded else {
            let tail = (try? lastLine(of: stderr)) ?? ""
            throw BenchError(description: "\(label): \((argv[0] as NSString).lastPathComponent) \(m.statusText)"
                             + (tail.isEmpty ? "" : ": \(tail)") + " (\(stderr))")
        }
        return m
    }

    /// Peak RSS of `/bin/true` through the measure helper: the floor of every peak-RSS figure.
    func measureFloor() throws {
        guard rssFloorMB == nil else { return }
        let m = try measured(["/bin/true"], label: "rss-floor", stdout: "/dev/null")
        rssFloorMB = m.maxRSSMB
        print("peak-RSS floor (/bin/true through the measure helper): \(fixed(m.maxRSSMB, 1)) MB")
    }

    func measurementJSON(_ m: ChildMeasurement, rows: Int) -> [String: Any] {
        ["wall_seconds": m.wallSeconds, "rows_per_second": Double(rows) / m.wallSeconds, "max_rss_mb": m.maxRSSMB,
         "max_rss_kib": m.maxRSSKiB, "cpu_seconds": m.cpuSeconds]
    }

    func removeStore(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/" + path).standardizedFileURL.path
    }
}

// MARK: Formatting

func header(_ title: String) {
    print(title)
    print(String(repeating: "=", count: title.count))
}

/// Numeric columns right-aligned, text columns (the first, and any with a letter in a cell) left-aligned;
/// a blank last column is dropped.
func table(_ head: [String], _ rows: [[String]]) {
    var head = head, rows = rows
    if let last = head.indices.last, rows.allSatisfy({ $0.count <= last || $0[last].isEmpty }) {
        head.removeLast()
        rows = rows.map { Array($0.prefix(last)) }
    }
    let columns = head.count
    var width = head.map(\.count)
    for r in rows { for (i, c) in r.prefix(columns).enumerated() { width[i] = max(width[i], c.count) } }
    let left = (0..<columns).map { i in i == 0 || rows.contains { i < $0.count && $0[i].contains { $0.isLetter } } }
    func line(_ cells: [String]) -> String {
        (0..<columns).map { i -> String in
            let c = i < cells.count ? cells[i] : ""
            let pad = String(repeating: " ", count: width[i] - c.count)
            return left[i] ? c + pad : pad + c
        }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    print(line(head))
    print(width.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    for r in rows { print(line(r)) }
}

func fixed(_ x: Double, _ digits: Int = 3) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "–" }
func signed(_ x: Double) -> String { x.isFinite ? String(format: "%+.4f", x) : "–" }
func num(_ v: Any?, _ digits: Int = 4) -> String { double(v).map { fixed($0, digits) } ?? "–" }

/// A JSON number as a Double, whether it was decoded as an integer or not.
func double(_ v: Any?) -> Double? {
    if let n = v as? NSNumber { return n.doubleValue }
    if let d = v as? Double { return d }
    if let i = v as? Int { return Double(i) }
    return nil
}

/// 1234567 → "1,234,567".
func grouped(_ x: Double) -> String {
    guard x.isFinite else { return "–" }
    let s = String(Int(x.rounded()))
    var out = ""
    for (i, ch) in s.reversed().enumerated() {
        if i > 0 && i % 3 == 0 && ch != "-" { out.append(",") }
        out.append(ch)
    }
    return String(out.reversed())
}

/// "met" or "missed (4.9× the target)".
func verdict(_ value: Double, _ target: Double) -> String {
    value <= target ? "met" : "missed (\(fixed(value / target, 1))×)"
}

/// Nearest-rank percentile of sorted values.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

func progress(_ text: String) {
    FileHandle.standardError.write(Data("[suite] \(text)\n".utf8))
}

func flush() { fflush(nil) }  // every C stream (stdout is a global var Swift 6 will not touch)

func loadAverage() -> [Double] {
    var l = [Double](repeating: 0, count: 3)
    return getloadavg(&l, 3) == 3 ? l : []
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue ?? 0
}

/// The last non-empty line of a file.
func lastLine(of path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else { throw BenchError(description: "\(path): cannot read") }
    return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
}

func jsonObject(_ text: String) throws -> [String: Any] {
    guard let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw BenchError(description: "not a JSON object: \(text.prefix(80))")
    }
    return obj
}
