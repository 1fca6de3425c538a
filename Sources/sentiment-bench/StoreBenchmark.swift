import ClassifierStore
import Foundation

/// `store-insert [N] [DIR] [BATCH] [columns|rows] [background|writer]`: bulk-inserts N predictions (batches of 10,000,
/// FTS indexed) into a fresh on-disk store and reports rows/s — the store's own cost, without featurizing or
/// predicting. `columns` (the default) inserts through `PredictionColumns`, as `sentiment predict` does; `rows`
/// through `NewPrediction` values and a `PredictionWriter`. `background` (the default, as `sentiment predict`)
/// checkpoints the WAL on a thread of its own (`withBackgroundCheckpoints`); `writer` leaves it to the commits.
func storeInsertBenchmark(_ args: [String]) -> Int32 {
    let n = args.first.flatMap { Int($0) } ?? 1_000_000
    let dir = args.count > 1 ? args[1] : NSTemporaryDirectory()
    let path = (dir as NSString).appendingPathComponent("store-insert-\(getpid()).sqlite")
    defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
    do {
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
        let batch = max(1, args.count > 2 ? Int(args[2]) ?? 10_000 : 10_000)
        let mode = args.count > 3 ? args[3] : "columns"
        guard mode == "columns" || mode == "rows" else {
            FileHandle.standardError.write(Data("error: unknown mode \(mode) (columns or rows)\n".utf8))
            return 2
        }
        let checkpoints = args.count > 4 ? args[4] : "background"
        guard checkpoints == "background" || checkpoints == "writer" else {
            FileHandle.standardError.write(Data("error: unknown checkpoint mode \(checkpoints) (background or writer)\n".utf8))
            return 2
        }
        let t0 = now()
        func bulk(_ body: () throws -> Void) throws {
            if checkpoints == "background" { try store.withBackgroundCheckpoints(body) } else { try body() }
        }
        try bulk {
            if mode == "rows" {
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
                     n, seconds, Double(n) / seconds, batch) + mode + ", checkpoints: " + checkpoints + ")")
        return 0
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return 1
    }
}
