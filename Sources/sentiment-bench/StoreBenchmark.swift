import ArgumentParser
import ClassifierStore
import Foundation
import SentimentKit

struct StoreInsertBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-insert",
        abstract: "Bulk-insert N predictions into a fresh on-disk store and report rows/s.",
        discussion: """
            The store's own cost, without featurizing or predicting: batches of BATCH rows, FTS indexed, into \
            DIR/store-insert-PID.sqlite (removed afterwards). columns inserts through PredictionColumns, as \
            `sentiment predict` does; rows through NewPrediction values and a PredictionWriter. background (as \
            `sentiment predict`) checkpoints the WAL on a thread of its own (withBackgroundCheckpoints); writer \
            leaves it to the commits.

            Example:
              sentiment-bench store-insert 1000000 /tmp 10000
            """)

    enum Shape: String, ExpressibleByArgument, CaseIterable { case columns, rows }
    enum Checkpoints: String, ExpressibleByArgument, CaseIterable { case background, writer }

    @Argument(help: ArgumentHelp("Predictions to insert.", valueName: "n"))
    var count = 1_000_000

    @Argument(help: ArgumentHelp("Directory of the temporary store (default: the temporary directory).", valueName: "dir"))
    var directory: String?

    @Argument(help: ArgumentHelp("Rows per batch.", valueName: "batch"))
    var batch = 10_000

    @Argument(help: ArgumentHelp("How rows are handed to the store: columns or rows.", valueName: "shape"))
    var shape = Shape.columns

    @Argument(help: ArgumentHelp("Who checkpoints the WAL: background or writer.", valueName: "checkpoints"))
    var checkpoints = Checkpoints.background

    func validate() throws {
        if count < 1 { throw ValidationError("N must be ≥ 1, got \(count)") }
        if batch < 1 { throw ValidationError("BATCH must be ≥ 1, got \(batch)") }
    }

    func run() throws {
        let n = count
        let dir = directory ?? NSTemporaryDirectory()
        let path = (dir as NSString).appendingPathComponent("store-insert-\(getpid()).sqlite")
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let store = try SentimentStore(path: path)
        let labels = ["negative", "neutral", "positive"]
        let model = try store.saveModel(NewModel(
            name: "bench", labels: labels, featureConfig: "{}", hyperparameters: "{}",
            tensors: ["weights": Tensor(shape: [1, 3], values: [0, 0, 0]), "bias": Tensor(shape: [3], values: [0, 0, 0])],
            vocabulary: ["x"]))
        let words = ["profit", "rose", "fell", "sales", "quarter", "EUR", "mn", "company", "net", "operating", "shares",
                     "loss", "narrowed", "order", "intake", "the", "of", "in", "to", "from"]
        var texts: [String] = []
        for i in 0..<10_000 {
            texts.append((0..<12).map { words[(i &* 7 &+ $0 &* 13) % words.count] }.joined(separator: " ") + " \(i)")
        }
        let t0 = now()
        func bulk(_ body: () throws -> Void) throws {
            if checkpoints == .background { try store.withBackgroundCheckpoints(body) } else { try body() }
        }
        try bulk {
            if shape == .rows {
                let writer = store.predictionWriter(batchSize: batch)
                for i in 0..<n {
                    let p = Double(i % 100) / 100
                    try writer.append(NewPrediction(modelId: model.id, text: texts[i % texts.count], label: labels[i % 3],
                                                    confidence: max(p, 1 - p), probabilities: [p / 2, p / 2, 1 - p],
                                                    source: "bench:\(i)"))
                }
                try writer.flush()
            } else {
                // Probabilities as a model gives them: a softmax of seeded random logits (confidences spread over
                // [1/3, 1), as indexes on confidence see them in real use), the label being the most probable.
                var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
                func uniform() -> Float {
                    seed = seed &* 6364136223846793005 &+ 1442695040888963407
                    return Float(seed >> 40) / Float(1 << 24)
                }
                var start = 0
                while start < n {
                    let rows = start..<min(n, start + batch)
                    var probabilities: [Float] = []
                    var labelIndices: [Int] = []
                    probabilities.reserveCapacity(rows.count * 3)
                    labelIndices.reserveCapacity(rows.count)
                    for _ in rows {
                        let e = (0..<3).map { _ in exp(4 * uniform()) }
                        let sum = e.reduce(0, +)
                        probabilities += e.map { $0 / sum }
                        labelIndices.append(e.indices.max { e[$0] < e[$1] }!)
                    }
                    try store.insertPredictions(PredictionColumns(
                        modelId: model.id, texts: rows.map { texts[$0 % texts.count] }, labelIndices: labelIndices,
                        probabilities: probabilities, sources: .numbered(prefix: "bench:", numbers: Array(rows))))
                    start = rows.upperBound
                }
            }
        }
        let seconds = now() - t0
        print(String(format: "inserted %d predictions in %.2f s: %.0f rows/s (batches of %d, FTS indexed, ",
                     n, seconds, Double(n) / seconds, batch) + shape.rawValue + ", checkpoints: " + checkpoints.rawValue + ")")
    }
}

struct StoreQueryBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-queries",
        abstract: "Time the review page's queries on a store: filtered pages, summary, daily counts.",
        discussion: """
            The store's own cost of what GET /v1/predictions and /v1/predictions/summary ask, without HTTP or JSON: \
            each query REPEAT times in turn, median and worst in microseconds, with the block cache `serve` uses \
            (warmed by one round first) and without it (as one-shot commands read). The store is opened read-only.

            Example:
              sentiment-bench store-queries /tmp/sentiment-bench/serve/list-1m.sqlite 50
            """)

    @Argument(help: ArgumentHelp("The store.", valueName: "store"))
    var path: String

    @Argument(help: ArgumentHelp("Rounds.", valueName: "repeat"))
    var rounds = 30

    func run() throws {
        let pages: [(String, PredictionQuery)] = [
            ("label=negative", PredictionQuery(label: "negative")),
            ("max_confidence=0.6", PredictionQuery(maxConfidence: 0.6)),
            ("order=confidence-ascending", PredictionQuery(order: .confidenceAscending)),
            ("label=positive&min_confidence=0.9", PredictionQuery(label: "positive", minConfidence: 0.9)),
            ("corrected=false", PredictionQuery(corrected: false)),
            ("model=default&label=neutral", PredictionQuery(modelName: "default", label: "neutral")),
        ]
        for cache in [256 << 20, 0] {
            let store = try SentimentStore(path: path, readOnly: true, blockCacheBytes: cache)
            let maxId = try store.latestPredictionId() ?? 0
            var work: [(String, () throws -> Void)] = pages.map { name, query in
                var q = query
                q.limit = 51
                q.maxId = maxId
                return (name, { _ = try store.predictions(q) })
            }
            work.append(("summary", { _ = try store.summary() }))
            work.append(("daily counts", { _ = try store.dailyCounts() }))
            var times = [[Double]](repeating: [], count: work.count)
            for round in 0...rounds {
                for (i, w) in work.enumerated() {
                    let t0 = now()
                    try w.1()
                    if round > 0 || cache == 0 { times[i].append(now() - t0) }
                }
            }
            print(cache > 0 ? "with the block cache (\(cache >> 20) MB):" : "without a block cache:")
            for (i, w) in work.enumerated() {
                let t = times[i].sorted()
                let name = w.0.padding(toLength: 36, withPad: " ", startingAt: 0)
                print(name + String(format: " median %8.0f µs  worst %8.0f µs", t[t.count / 2] * 1e6, t.last! * 1e6))
            }
        }
    }
}

struct StoreLatencyBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-latency",
        abstract: "p50 / p99 / worst latency of the store's counting and page queries, on any backend.",
        discussion: """
            What one-shot commands and `serve` ask of a store (SQLite path or postgres:// URL), through the store \
            interface as the application calls it: count, count by label, summary, daily counts, a filtered page and \
            a search page (--search, read as words). Each query REPEAT times in turn after one warm-up round.

            Example:
              sentiment-bench store-latency postgres://postgres@127.0.0.1:5432/bench 200 --search '"profit for the period"'
            """)

    @Argument(help: ArgumentHelp("The store: a SQLite path or a postgres:// URL.", valueName: "store"))
    var location: String

    @Argument(help: ArgumentHelp("Rounds.", valueName: "repeat"))
    var rounds = 100

    @Option(help: ArgumentHelp("The search of the search page.", valueName: "words"))
    var search = "\"net sales\""

    @Flag(help: "Ask for answers from the plain prediction table (allowsBlocks = false: no counters or blocks), as before them.")
    var scan = false

    func run() throws {
        let store = try SentimentService(opening: StoreLocation(path: location), defaultModel: false, readOnly: true).store
        let maxId = try store.latestPredictionId() ?? 0
        func q(_ query: PredictionQuery) -> PredictionQuery {
            var query = query
            query.allowsBlocks = !scan
            return query
        }
        var page = q(PredictionQuery(label: "negative", limit: 51))
        page.maxId = maxId
        var searchPage = q(PredictionQuery(search: search, limit: 51))
        searchPage.maxId = maxId
        let all = q(PredictionQuery()), negative = q(PredictionQuery(label: "negative"))
        let work: [(String, () throws -> Void)] = [
            ("count", { _ = try store.countPredictions(all) }),
            ("count label=negative", { _ = try store.countPredictions(negative) }),
            ("summary", { _ = try store.summary(all) }),
            ("daily counts", { _ = try store.dailyCounts(all) }),
            ("page label=negative (51 rows)", { _ = try store.predictions(page) }),
            ("search page \(search)", { _ = try store.predictions(searchPage) }),
        ]
        var times = [[Double]](repeating: [], count: work.count)
        for round in 0...rounds {
            for (i, w) in work.enumerated() {
                let t0 = now()
                try w.1()
                if round > 0 { times[i].append(now() - t0) }
            }
        }
        print("\(try store.countPredictions(PredictionQuery())) predictions, \(rounds) rounds\(scan ? ", plain table" : ""):")
        for (i, w) in work.enumerated() {
            let t = times[i].sorted()
            let p99 = t[min(t.count - 1, Int((Double(t.count) * 0.99).rounded(.up)) - 1)]
            print(w.0.padding(toLength: 40, withPad: " ", startingAt: 0)
                  + String(format: " p50 %8.2f ms  p99 %8.2f ms  worst %8.2f ms", t[t.count / 2] * 1e3, p99 * 1e3, t.last! * 1e3))
        }
    }
}
