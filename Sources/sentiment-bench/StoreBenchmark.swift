import ClassifierStore
import Foundation

/// `store-insert [N] [DIR] [BATCH] [columns|rows]`: bulk-inserts N predictions (batches of 10,000, FTS indexed) into a
/// fresh on-disk store and reports rows/s — the store's own cost, without featurizing or predicting. `columns` (the
/// default) inserts through `PredictionColumns`, as `sentiment predict` does; `rows` through `NewPrediction` values
/// and a `PredictionWriter`.
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
        let t0 = now()
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
            var start = 0
            while start < n {
                let rows = start..<min(n, start + batch)
                var probabilities: [Float] = []
                probabilities.reserveCapacity(rows.count * 3)
                for i in rows {
                    let p = Float(i % 100) / 100
                    probabilities += [p / 2, p / 2, 1 - p]
                }
                try store.insertPredictions(PredictionColumns(
                    modelId: model.id, texts: rows.map { texts[$0 % texts.count] }, labelIndices: rows.map { $0 % 3 },
                    probabilities: probabilities, sources: .numbered(prefix: "bench:", numbers: Array(rows))))
                start = rows.upperBound
            }
        }
        let seconds = now() - t0
        print(String(format: "inserted %d predictions in %.2f s: %.0f rows/s (batches of %d, FTS indexed, ",
                     n, seconds, Double(n) / seconds, batch) + mode + ")")
        return 0
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return 1
    }
}
