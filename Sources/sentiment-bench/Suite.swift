import ArgumentParser
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
// A readable table per part on stdout, progress on stderr, and one JSON object as the last stdout line
// (`SuiteReport`; bench/README.md). Parts that need files under --shared skip themselves with a message when they
// are missing; a part that needs another part's output (predict needs a trained model, query a store of
// predictions) builds it first.

enum SuitePart: String, CaseIterable, ExpressibleByArgument {
    case features, train, predict, query, quality
}

struct SuiteBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suite",
        abstract: "The release-mode benchmark suite: features, train, predict, query, quality (bench/run.sh drives it).",
        discussion: """
            Runs the parts given (default: all) in that order: a readable table per part on standard output, \
            progress on standard error, and one JSON object as the last line of standard output. Parts that need \
            files under --shared are skipped with a message when they are missing; predict and query build the \
            model and store they need when an earlier run did not.

            Example:
              sentiment-bench suite query --query-runs 200
            """)

    @Argument(help: ArgumentHelp("The parts to run (default: all).", valueName: "part"))
    var parts: [SuitePart] = []

    @Option(help: ArgumentHelp("The shared folder with tools/make-scale-corpus and corpora/financial-phrasebank.", valueName: "dir"))
    var shared = "../shared"

    @Option(help: ArgumentHelp("Scale corpora, stores and logs.", valueName: "dir"))
    var work = "/tmp/sentiment-bench"

    @Option(help: ArgumentHelp("The sentiment executable (default: next to this executable).", valueName: "path"))
    var sentiment: String?

    @Option(help: ArgumentHelp("scikit-learn's result (last line of bench/sklearn_baseline.py) for the quality table.", valueName: "file"))
    var sklearnJson: String?

    @Option(help: ArgumentHelp("Train sizes, comma-separated (default: 10000,100000,1000000).", valueName: "n,n,..."),
            transform: positiveCounts)
    var sizes = [10_000, 100_000, 1_000_000]

    @Option(help: ArgumentHelp("Rows of the corpus of the features and predict parts (default: 1000000).", valueName: "n"), transform: positiveCount)
    var bigRows = 1_000_000

    @Option(help: ArgumentHelp("Rows of the model used to predict (default: 100000).", valueName: "n"), transform: positiveCount)
    var modelRows = 100_000

    @Option(help: ArgumentHelp("Timed runs of each query (default: 50).", valueName: "n"), transform: positiveCount)
    var queryRuns = 50

    @Option(help: ArgumentHelp("The word of the full-text search queries.", valueName: "word"))
    var search = "profit"

    @Option(name: .customLong("quality-repeat"), help: ArgumentHelp("Fits of the quality part; the best time is reported (default: 3).", valueName: "k"),
            transform: positiveCount)
    var qualityRepeats = 3

    @Option(name: .customLong("features-repeat"), help: ArgumentHelp("fitTransform runs per configuration; the best time is reported (default: 1).", valueName: "k"),
            transform: positiveCount)
    var featureRepeats = 1

    func run() throws {
        let chosen = parts.isEmpty ? SuitePart.allCases : SuitePart.allCases.filter(parts.contains)
        let suite = Suite(self)
        if !suite.run(parts: chosen) { throw ExitCode.failure }
    }
}

/// A count option: a positive integer, `_` allowed as a digit separator (1_000_000).
func positiveCount(_ text: String) throws -> Int {
    guard let n = Int(text.replacingOccurrences(of: "_", with: "")), n > 0 else {
        throw ValidationError("expected a positive integer, got \"\(text)\"")
    }
    return n
}

/// Comma-separated counts, at least one.
func positiveCounts(_ text: String) throws -> [Int] {
    let counts = try text.split(separator: ",").map { try positiveCount(String($0)) }
    if counts.isEmpty { throw ValidationError("give at least one size") }
    return counts
}

/// The targets of the performance issue, printed beside the figures.
struct SuiteTargets: Encodable {
    var train_1m_seconds = 5.0
    var train_1m_rss_mb = 125.0
    var predict_1m_no_store_seconds = 2.0
    var predict_1m_store_seconds = 6.0
    var query_p99_ms = 50.0
    var phrasebank_train_tuned_seconds = 1.0
}

/// A part cannot run here (missing input); not a failure.
struct SkipPart: Error, CustomStringConvertible { var description: String }

// MARK: The JSON report (last stdout line; keys documented in bench/README.md)

struct SuiteReport: Encodable {
    var suite = "sentiment-bench suite"
    var parts: [String]
    var started: String
    var cpus: Int
    var load_average_start: [Double]
    var load_average_end: [Double] = []
    var targets = SuiteTargets()
    @NullWhenAbsent var rss_floor_mb: Double? = nil
    // The parts that ran; the others are absent.
    var features: Outcome<FeaturesResult>? = nil
    var train: Outcome<TrainResult>? = nil
    var predict: Outcome<PredictResult>? = nil
    var query: Outcome<QueryResult>? = nil
    var quality: Outcome<QualityResult>? = nil
}

/// A part's result, or `{"skipped": why}` / `{"error": what}`.
enum Outcome<Result: Encodable>: Encodable {
    case done(Result)
    case skipped(String)
    case failed(String)

    func encode(to encoder: Encoder) throws {
        switch self {
        case .done(let result): try result.encode(to: encoder)
        case .skipped(let why): try ["skipped": why].encode(to: encoder)
        case .failed(let error): try ["error": error].encode(to: encoder)
        }
    }
}

struct FeaturesResult: Encodable {
    var corpus: String, rows: Int, bytes: Int, read_seconds: Double
    var vocabulary: FeaturizeRun, hashing: FeaturizeRun
}

struct FeaturizeRun: Encodable {
    var fit_transform_seconds: Double, rows_per_second: Double, mb_per_second: Double
    var read_and_fit_transform_seconds: Double, read_and_fit_transform_rows_per_second: Double
    var features: Int, non_zeros: Int
}

struct TrainResult: Encodable {
    var runs: [TrainRun]
    /// Absent unless the two largest sizes both ran.
    var time_ratio_largest_to_previous: Double? = nil
    var rss_ratio_largest_to_previous: Double? = nil
}

/// One size of the train part: measured, or `{"rows", "skipped"}` / `{"rows", "error"}`.
enum TrainRun: Encodable {
    case measured(TrainMeasurement)
    case skipped(rows: Int, why: String)
    case failed(rows: Int, error: String)

    private struct Note: Encodable { var rows: Int, skipped: String?, error: String? }

    func encode(to encoder: Encoder) throws {
        switch self {
        case .measured(let m): try m.encode(to: encoder)
        case .skipped(let rows, let why): try Note(rows: rows, skipped: why, error: nil).encode(to: encoder)
        case .failed(let rows, let error): try Note(rows: rows, skipped: nil, error: error).encode(to: encoder)
        }
    }
}

struct TrainMeasurement: Encodable {
    var rows: Int, wall_seconds: Double, cpu_seconds: Double, max_rss_mb: Double, max_rss_kib: Int
    // From the train command's JSON output; null when it could not be read.
    @NullWhenAbsent var cli_duration_seconds: Double?
    @NullWhenAbsent var tuned: Bool?
    @NullWhenAbsent var features: Int?
    @NullWhenAbsent var iterations: Int?
    var store: String
}

/// What the suite reads from `sentiment train --format json`.
struct TrainCommandOutput: Decodable {
    var tuned: Bool?, duration_seconds: Double?, features: Int?, iterations: Int?
}

struct PredictResult: Encodable {
    struct InProcess: Encodable { var seconds: Double, rows_per_second: Double, model_load_seconds: Double }
    var rows: Int, model_rows: Int
    var in_process: InProcess
    var cli_no_store: CommandRun, cli_store: CommandRun
    var stored_predictions: Int, store_mb: Double
}

/// A child process's measurement over `rows` rows.
struct CommandRun: Encodable {
    var wall_seconds: Double, rows_per_second: Double, max_rss_mb: Double, max_rss_kib: Int, cpu_seconds: Double

    init(_ m: ChildMeasurement, rows: Int) {
        wall_seconds = m.wallSeconds
        rows_per_second = Double(rows) / m.wallSeconds
        max_rss_mb = m.maxRSSMB
        max_rss_kib = m.maxRSSKiB
        cpu_seconds = m.cpuSeconds
    }
}

struct QueryResult: Encodable {
    var store: String, predictions: Int, queries: [QueryTiming]
}

struct QueryTiming: Encodable {
    var query: String, result: Int, first_ms: Double, p50_ms: Double, p99_ms: Double, max_ms: Double, runs: Int
}

struct QualityResult: Encodable {
    var sentiment: QualityScores
    /// scikit-learn's result as it was read, or `{"skipped": why}`.
    var sklearn: JSONValue
    /// Absent without scikit-learn's result.
    var comparison: QualityComparison? = nil
}

struct QualityScores: Encodable {
    var system = "sentiment defaults (tuned + calibrated)"
    var macro_f1: Double, accuracy: Double, log_loss: Double, ece: Double, fit_seconds: Double
    var train_rows: Int, test_rows: Int, n_features: Int, l2: Double
    @NullWhenAbsent var cv_macro_f1: Double?
    var fit_repeats: Int, grid_size: Int
}

/// sentiment − scikit-learn; null where not a finite number.
struct QualityComparison: Encodable {
    @NullWhenAbsent var macro_f1_difference: Double?
    @NullWhenAbsent var accuracy_difference: Double?
    @NullWhenAbsent var log_loss_difference: Double?
    @NullWhenAbsent var ece_difference: Double?
    @NullWhenAbsent var fit_time_ratio_sklearn_to_sentiment: Double?
}

// MARK: The suite

final class Suite {
    var shared: String
    var work: String
    var sentiment: String
    let sklearnJSON: String?
    let sizes: [Int]
    let bigRows: Int
    let modelRows: Int
    let queryRuns: Int
    let searchWord: String
    let qualityRepeats: Int
    let featureRepeats: Int

    let targets = SuiteTargets()
    let bench = executablePath()
    var rssFloorMB: Double? = nil

    init(_ options: SuiteBenchmark) {
        shared = options.shared
        work = options.work
        sentiment = options.sentiment ?? ""
        sklearnJSON = options.sklearnJson
        sizes = options.sizes
        bigRows = options.bigRows
        modelRows = options.modelRows
        queryRuns = options.queryRuns
        searchWord = options.search
        qualityRepeats = options.qualityRepeats
        featureRepeats = options.featureRepeats
    }

    var phraseBank: String { shared + "/corpora/financial-phrasebank" }
    var storesDir: String { work + "/stores" }
    var logsDir: String { work + "/logs" }
    func corpusPath(_ n: Int) -> String { "\(work)/scale-\(n).csv" }
    func trainStore(_ n: Int) -> String { "\(storesDir)/train-\(n).sqlite" }
    var predictStore: String { "\(storesDir)/predict-\(bigRows).sqlite" }

    /// Runs the parts and prints the report; false when a part failed.
    func run(parts: [SuitePart]) -> Bool {
        if sentiment.isEmpty { sentiment = (bench as NSString).deletingLastPathComponent + "/sentiment" }
        shared = absolute(shared)
        work = absolute(work)
        for dir in [work, storesDir, logsDir] {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        let started = Date()
        let loadStart = loadAverage()
        print("sentiment-bench suite — parts: \(parts.map(\.rawValue).joined(separator: ", "))")
        print("started \(ISO8601DateFormatter().string(from: started)); \(ProcessInfo.processInfo.activeProcessorCount) CPUs; "
              + "load average \(loadStart.map { String(format: "%.2f", $0) }.joined(separator: " ")) "
              + "(other work on the machine slows every figure)")
        print("sentiment: \(sentiment)")
        print("work dir:  \(work)    shared: \(shared)\(FileManager.default.fileExists(atPath: shared) ? "" : " (absent)")")
        print("MB = 10^6 bytes. Peak RSS is the child's ru_maxrss from wait4().")
        flush()
        var report = SuiteReport(parts: parts.map(\.rawValue), started: ISO8601DateFormatter().string(from: started),
                                 cpus: ProcessInfo.processInfo.activeProcessorCount, load_average_start: loadStart)
        var failed = false
        /// The part's result; a failure is printed and noted, the suite goes on.
        func outcome<R: Encodable>(_ body: () throws -> R) -> Outcome<R> {
            do {
                return .done(try body())
            } catch let skip as SkipPart {
                print("skipped: \(skip)")
                return .skipped(skip.description)
            } catch {
                print("FAILED: \(error)")
                failed = true
                return .failed("\(error)")
            }
        }
        for part in parts {
            print("")
            let t0 = now()
            switch part {
            case .features: report.features = outcome { try features() }
            case .train: report.train = outcome { try train() }
            case .predict: report.predict = outcome { try predict() }
            case .query: report.query = outcome { try query() }
            case .quality: report.quality = outcome { try quality() }
            }
            flush()
            progress("\(part.rawValue): done in \(String(format: "%.0f", now() - t0)) s")
        }
        let loadEnd = loadAverage()
        print("")
        print(String(format: "finished in %.0f s; load average %@", Date().timeIntervalSince(started),
                     loadEnd.map { String(format: "%.2f", $0) }.joined(separator: " ")))
        report.load_average_end = loadEnd
        report.rss_floor_mb = rssFloorMB
        do {
            print(try jsonLine(report))
        } catch {
            print("{\"error\": \"cannot encode the report: \(error)\"}")
            failed = true
        }
        flush()
        return !failed
    }

    // MARK: 1. Featurization

    func features() throws -> FeaturesResult {
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
        func featurize(_ key: String, _ config: FeatureConfig) -> FeaturizeRun {
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
            return FeaturizeRun(fit_transform_seconds: tFeat, rows_per_second: rows / tFeat, mb_per_second: mb / tFeat,
                                read_and_fit_transform_seconds: tRead + tFeat,
                                read_and_fit_transform_rows_per_second: rows / (tRead + tFeat),
                                features: featureCount, non_zeros: nonZeros)
        }
        let vocabulary = featurize("vocabulary", ClassifierOptions.defaultFeatures)
        let hashing = featurize("hashing", hashed)
        print("corpus \(path): \(texts.count) rows, \(fixed(mb, 1)) MB; word 1–\(hashed.wordNgrams)-grams, sublinear TF-IDF"
              + (featureRepeats > 1 ? "; fitTransform best of \(featureRepeats)" : "")
              + ". Hashing is what out-of-core training (corpora over 32 MB) uses.")
        table(["stage", "features", "seconds", "rows/s", "MB/s"], tableRows)
        return FeaturesResult(corpus: path, rows: texts.count, bytes: bytes, read_seconds: tRead,
                              vocabulary: vocabulary, hashing: hashing)
    }

    // MARK: 2. Training

    func train() throws -> TrainResult {
        header("2. `sentiment train` as a child process (fresh store, --no-default-model)")
        var rows: [[String]] = []
        var runs: [TrainRun] = []
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
                runs.append(.skipped(rows: n, why: notes.first { $0.hasPrefix(grouped(Double(n)) + " ") } ?? "skipped"))
                continue
            }
            let store = trainStore(n)
            removeStore(store)
            let out = "\(logsDir)/train-\(n).json"
            progress("train: sentiment train on \(n) rows")
            do {
                let m = try measured([sentiment, "train", "--corpus", path, "--db", store, "--no-default-model",
                                      "--name", "scale-\(n)", "--format", "json"], label: "train-\(n)", stdout: out)
                let json = (try? JSONDecoder().decode(TrainCommandOutput.self, from: FileManager.default.contents(atPath: out) ?? Data()))
                    ?? TrainCommandOutput()
                seconds[n] = m.wallSeconds
                rss[n] = m.maxRSSMB
                var target = ""
                if n == 1_000_000 {
                    target = "≤ \(fixed(targets.train_1m_seconds, 0)) s: \(verdict(m.wallSeconds, targets.train_1m_seconds)); "
                        + "≤ \(fixed(targets.train_1m_rss_mb, 0)) MB: \(verdict(m.maxRSSMB, targets.train_1m_rss_mb))"
                }
                rows.append([grouped(Double(n)), json.tuned.map { $0 ? "yes (5-fold CV)" : "no" } ?? "?",
                             json.features.map { grouped(Double($0)) } ?? "?",
                             json.iterations.map { String($0) } ?? "?",
                             fixed(m.wallSeconds, 2), json.duration_seconds.map { fixed($0, 2) } ?? "?", fixed(m.cpuSeconds, 1),
                             fixed(m.maxRSSMB, 0), target])
                runs.append(.measured(TrainMeasurement(
                    rows: n, wall_seconds: m.wallSeconds, cpu_seconds: m.cpuSeconds, max_rss_mb: m.maxRSSMB,
                    max_rss_kib: m.maxRSSKiB, cli_duration_seconds: json.duration_seconds, tuned: json.tuned,
                    features: json.features, iterations: json.iterations, store: store)))
            } catch {
                rows.append([grouped(Double(n)), "FAILED", "", "", "", "", "", "", ""])
                runs.append(.failed(rows: n, error: "\(error)"))
                notes.append("\(grouped(Double(n))) rows failed: \(error)")
            }
        }
        table(["rows", "tuned", "features", "iter.", "wall s", "CLI-reported s", "CPU s", "peak RSS MB", "target (1M)"], rows)
        for note in notes { print(note) }
        var out = TrainResult(runs: runs)
        let big = sizes.max()!, sortedSizes = sizes.sorted()
        if sortedSizes.count >= 2 {
            let prev = sortedSizes[sortedSizes.count - 2]
            if let a = seconds[big], let b = seconds[prev], let ra = rss[big], let rb = rss[prev] {
                let name = big == 1_000_000 && prev == 100_000 ? "time(1M)/time(100k)" : "time(\(big))/time(\(prev))"
                let note = prev <= ClassifierOptions.tuneRowLimit && big > ClassifierOptions.tuneRowLimit
                    ? "; note: \(prev) rows are tuned by CV, \(big) are not" : ""
                print("growth: \(name) = \(fixed(a / b, 2)) for \(fixed(Double(big) / Double(prev), 0))× the rows "
                      + "(peak RSS ×\(fixed(ra / rb, 2)))" + note)
                out.time_ratio_largest_to_previous = a / b
                out.rss_ratio_largest_to_previous = ra / rb
            }
        }
        print("corpora up to \(grouped(Double(ClassifierOptions.tuneRowLimit))) rows are tuned by 5-fold CV over "
              + "\(CrossValidation.defaultGrid.count) λ values; larger ones train once at λ = 1e-4. "
              + "CLI-reported s = the train command's own duration_seconds (read + fit + store, without process start).")
        return out
    }

    // MARK: 3. Prediction

    func predict() throws -> PredictResult {
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
             "≤ \(fixed(targets.predict_1m_no_store_seconds, 0)) s: \(verdict(noStore.wallSeconds, targets.predict_1m_no_store_seconds))"],
            ["sentiment predict --file --format csv (stores all)", grouped(n), fixed(store.wallSeconds, 2),
             grouped(n / store.wallSeconds), fixed(store.maxRSSMB, 0),
             "≤ \(fixed(targets.predict_1m_store_seconds, 0)) s: \(verdict(store.wallSeconds, targets.predict_1m_store_seconds))"],
        ])
        print("model: \(trainStore(modelRows)) (loaded in \(fixed(tLoad, 2)) s, \(classifier.vectorizer.featureCount) features); "
              + "CLI output to /dev/null; the storing run wrote \(grouped(Double(stored))) predictions, store \(fixed(storeMB, 0)) MB")
        return PredictResult(rows: texts.count, model_rows: modelRows,
                             in_process: .init(seconds: tProb, rows_per_second: n / tProb, model_load_seconds: tLoad),
                             cli_no_store: CommandRun(noStore, rows: texts.count), cli_store: CommandRun(store, rows: texts.count),
                             stored_predictions: stored, store_mb: storeMB)
    }

    // MARK: 4. Queries

    func query() throws -> QueryResult {
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
        var results: [QueryTiming] = []
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
                         verdict(p99, targets.query_p99_ms)])
            results.append(QueryTiming(query: name, result: result, first_ms: first, p50_ms: p50, p99_ms: p99,
                                       max_ms: times.last!, runs: queryRuns))
        }
        table(["query", "result", "first ms", "p50 ms", "p99 ms", "max ms", "p99 ≤ \(fixed(targets.query_p99_ms, 0)) ms"], rows)
        print("store \(path): \(grouped(Double(total))) predictions. result = rows returned, or the count / total. "
              + "p99 of \(queryRuns) runs is the nearest-rank percentile (with 50 runs: the largest).")
        return QueryResult(store: path, predictions: total, queries: results)
    }

    // MARK: 5. Quality

    func quality() throws -> QualityResult {
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
        let ours = QualityScores(macro_f1: eval.macroF1, accuracy: eval.accuracy, log_loss: eval.logLoss, ece: eval.ece,
                                 fit_seconds: best, train_rows: train.count, test_rows: test.count, n_features: fit.featureCount,
                                 l2: clf.options.training.l2, cv_macro_f1: fit.crossValidatedMacroF1,
                                 fit_repeats: qualityRepeats, grid_size: fit.tuning?.grid.count ?? 0)
        var rows: [[String]] = [[
            "sentiment, defaults (tuned + calibrated)", fixed(eval.macroF1, 4), fixed(eval.accuracy, 4), fixed(eval.logLoss, 4),
            fixed(eval.ece, 4), fixed(best, 2), "λ = \(String(format: "%.3g", clf.options.training.l2)) "
                + "(5-fold CV over \(fit.tuning?.grid.count ?? 0) values)",
        ]]
        var sk: JSONValue? = nil
        var skNote = ""
        if let file = sklearnJSON {
            do {
                let obj = try JSONValue(parsingObject: try lastLine(of: file))
                guard obj["macro_f1"]?.double != nil, obj["fit_seconds"]?.double != nil else {
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
            let c = sk["C"]?.double.map { String(format: "C = %g", $0) } ?? ""
            let system = sk["system"]?.string ?? "sklearn"
            var grid = " (5-fold CV)"
            if let open = system.range(of: "cv5[") {
                grid = " (5-fold CV over C ∈ {\(system[open.upperBound...].prefix { $0 != "]" })})"
            } else if sk["cv_macro_f1"]?.double == nil {
                grid = " (no CV)"
            }
            rows.append(["scikit-learn TF-IDF 1-2 + LogisticRegression(balanced)", num(sk["macro_f1"]), num(sk["accuracy"]),
                         num(sk["log_loss"]), num(sk["ece"]), num(sk["fit_seconds"], 2), c + grid])
        }
        table(["system", "macro-F1", "accuracy", "log loss", "ECE", "fit s", "regularisation"], rows)
        print("\(train.count) train / \(test.count) test rows; sentiment fit time is the best of \(qualityRepeats) fits in-process "
              + "(features + CV + calibration + final fit).")
        var out = QualityResult(sentiment: ours, sklearn: sk ?? .object(["skipped": .string(skNote)]))
        if let sk, let skF1 = sk["macro_f1"]?.double, let skFit = sk["fit_seconds"]?.double {
            let f1Difference = eval.macroF1 - skF1
            let accuracyDifference = eval.accuracy - (sk["accuracy"]?.double ?? .nan)
            let logLossDifference = eval.logLoss - (sk["log_loss"]?.double ?? .nan)
            let eceDifference = eval.ece - (sk["ece"]?.double ?? .nan)
            print("sentiment − scikit-learn: macro-F1 \(signed(f1Difference)), accuracy \(signed(accuracyDifference)), "
                  + "log loss \(signed(logLossDifference)), ECE \(signed(eceDifference)) (lower is better for the last two)")
            let system = sk["system"]?.string ?? ""
            let gridNote = system.contains("cv5[")
                ? "scikit-learn ran with a short C grid (bench/run.sh: --c-grid 1,10,100, 3 values instead of the reference 12, "
                  + "whose full run takes ~5.5 min), n_jobs=1"
                : "scikit-learn's own grid, n_jobs=1"
            print("fit time: scikit-learn / sentiment = \(fixed(skFit / best, 0))× (\(gridNote))")
            out.comparison = QualityComparison(
                macro_f1_difference: finite(f1Difference), accuracy_difference: finite(accuracyDifference),
                log_loss_difference: finite(logLossDifference), ece_difference: finite(eceDifference),
                fit_time_ratio_sklearn_to_sentiment: finite(skFit / best))
        } else {
            print(skNote)
        }
        print("target: PhraseBank train with tuning ≤ \(fixed(targets.phrasebank_train_tuned_seconds, 0)) s: "
              + "\(fixed(best, 2)) s, \(verdict(best, targets.phrasebank_train_tuned_seconds))")
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

    func removeStore(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/" + path).standardizedFileURL.path
    }
}
