import ArgumentParser
import ClassifierStore
import CorpusIO
import Foundation
import SentimentKit
import SentimentClassifier

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Label texts with a model; every prediction is stored unless --no-store.",
        discussion: """
            Texts come from the arguments, from --file (CSV/TSV/JSONL with a text column, or one text per line for \
            .txt and other files), or from standard input (--file - or a lone -, one text per line). Files are \
            streamed, so any size works; predictions are stored in batches of 10,000 (a batch is stored whole or \
            not at all).

            Examples:
              sentiment predict "Shares soar after record profit"
              sentiment predict --file headlines.csv --format csv --no-store > labelled.csv
              cat titles.txt | sentiment predict - --format jsonl
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var reading: CorpusReadingOptions

    @Option(help: ArgumentHelp("The model (default: the active model).", valueName: "name[@version]"))
    var model: ModelReference?

    @Argument(help: ArgumentHelp("Texts to label (- reads standard input).", valueName: "text"))
    var texts: [String] = []

    @Option(help: ArgumentHelp("A file of texts (- for standard input).", valueName: "file"))
    var file: String?

    @Option(help: "Output format: table, json, jsonl or csv.")
    var format: OutputFormat = .table

    @Flag(help: "Show the features that pushed each text toward and away from its label.")
    var explain = false

    @Flag(help: "Do not store the predictions.")
    var noStore = false

    func validate() throws {
        if file != nil && !texts.isEmpty { throw ValidationError("give texts or --file, not both") }
        if file == nil && texts.isEmpty { throw ValidationError("give texts to label, --file FILE, or - for standard input") }
    }

    func run() throws {
        try reporting {
            let input = file ?? (texts == ["-"] ? "-" : nil)
            // Open the input before the store, so a missing file leaves no new store behind.
            var reader: CorpusReader? = nil
            if let input {
                let fallback: CorpusFormat? = input == "-" ? .lines : nil
                reader = try CorpusReader(path: input, options: reading.corpusOptions(requireLabels: false, defaultFormat: fallback))
            }
            let db = try store.open()
            let (classifier, info) = try loadClassifier(db, model)
            let writer = PredictionOutput(format: format, labels: classifier.labels, model: info.reference, explain: explain)
            // Three threads overlap: a reader parses the next batches, this thread predicts (on all cores), and
            // the predictions of earlier batches are stored and then written, in order, on background queues.
            let failure = PipelineFailure()
            let output = OrderedPipeline(label: "sentiment.predict.output", failure: failure)
            let storing = noStore ? nil : OrderedPipeline(label: "sentiment.predict.store", failure: failure)
            func process(_ batch: PredictionBatch) throws {
                guard batch.count > 0 else { return }
                batch.probabilities = storing == nil ? classifier.probabilities(batch.texts)
                    : PredictionBatch.serialProbabilities(classifier, batch.texts)
                batch.labelIndices = PredictionBatch.argmax(batch.probabilities, labels: classifier.labels.count)
                if explain { batch.explanations = batch.texts.map { classifier.explain($0) } }
                guard let storing else {
                    try output.submit { writer.write(batch) }
                    return
                }
                try storing.submit {
                    // One transaction per batch: a batch is stored whole or not at all.
                    batch.ids = try db.insertPredictions(PredictionColumns(
                        modelId: info.id, texts: batch.texts, labelIndices: batch.labelIndices,
                        probabilities: batch.probabilities, sources: batch.sources))
                    try output.submit { writer.write(batch) }
                }
            }
            func finish() throws {
                storing?.drain()
                output.drain()
                if let error = failure.current { throw error }
            }
            if let reader {
                // Storing a file's predictions is many transactions in a row: the WAL is checkpointed on a thread
                // of its own meanwhile, not inside the store thread's commits.
                func checkpointing(_ body: () throws -> Void) throws {
                    if storing == nil { try body() } else { try db.withBackgroundCheckpoints(body) }
                }
                try checkpointing {
                    let name = reader.path == "-" ? "stdin" : reader.path
                    // Progress by bytes (approximate: the record's text and label plus separators).
                    let size = reader.path == "-" ? 0
                        : ((try? FileManager.default.attributesOfItem(atPath: reader.path)[.size] as? NSNumber)??.intValue ?? 0)
                    let bar = size > 0 ? ProgressBar("predicting", total: size) : nil
                    let batches = BatchReader(reader, sourcePrefix: name + ":", batchSize: 10_000)
                    defer { batches.cancel() }
                    do {
                        while let batch = try batches.next() {
                            try process(batch)
                            bar?.update(batch.bytesRead)
                        }
                    } catch {
                        // Batches before a bad record are stored and written, as when they were read in line.
                        try? finish()
                        writer.finish(complete: false)
                        throw error
                    }
                    bar?.finish()
                    try finish()
                }
            } else {
                for (i, t) in texts.enumerated() {
                    guard !t.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                        throw CLIFailure.badInput("argument \(i + 1): empty text")
                    }
                }
                try process(PredictionBatch(texts: texts, sources: .constant("argv")))
            }
            try finish()
            writer.finish()
        }
    }
}

/// Texts on their way through `predict`: read, predicted, stored, written. Each stage owns the batch in turn.
final class PredictionBatch: @unchecked Sendable {
    let texts: [String]
    let sources: PredictionColumns.Sources
    /// Bytes read up to the end of this batch (for the progress bar).
    var bytesRead = 0
    /// `count × labels`, row-major.
    var probabilities: [Float] = []
    var labelIndices: [Int] = []
    var explanations: [Explanation]? = nil
    /// Set once stored.
    var ids: [Int64]? = nil

    init(texts: [String], sources: PredictionColumns.Sources, bytesRead: Int = 0) {
        self.texts = texts
        self.sources = sources
        self.bytesRead = bytesRead
    }

    var count: Int { texts.count }

    /// `classifier.probabilities(texts)` on this thread only, in slices too small for the classifier to spread
    /// over the cores (identical results: every row is computed on its own). When storing, the store's writer is
    /// the slowest stage and needs a core of its own; predicting on both cores in bursts took turns with it.
    static func serialProbabilities(_ classifier: SentimentClassifier, _ texts: [String]) -> [Float] {
        let slice = 255
        guard texts.count > slice else { return classifier.probabilities(texts) }
        var out: [Float] = []
        out.reserveCapacity(texts.count * classifier.labels.count)
        var start = 0
        while start < texts.count {
            let end = min(texts.count, start + slice)
            out += classifier.probabilities(Array(texts[start..<end]))
            start = end
        }
        return out
    }

    /// The most probable label of each row (ties → the first label), as `Prediction` picks it.
    static func argmax(_ p: [Float], labels k: Int) -> [Int] {
        guard k > 0 else { return [] }
        let n = p.count / k
        var out = [Int](repeating: 0, count: n)
        p.withUnsafeBufferPointer { p in
            for i in 0..<n {
                var best = 0
                for c in 1..<max(k, 1) where p[i * k + c] > p[i * k + best] { best = c }
                out[i] = best
            }
        }
        return out
    }
}

/// Reads batches of records on a thread of its own, up to two batches ahead of the consumer.
final class BatchReader: @unchecked Sendable {
    private enum Item { case batch(PredictionBatch), end, failure(Error) }
    private let condition = NSCondition()
    private var items: [Item] = []
    private var cancelled = false
    private let capacity = 2

    init(_ reader: CorpusReader, sourcePrefix: String, batchSize: Int) {
        let thread = Thread { [self] in
            var bytes = 0
            do {
                while true {
                    var texts: [String] = [], lines: [Int] = []
                    texts.reserveCapacity(batchSize)
                    lines.reserveCapacity(batchSize)
                    while texts.count < batchSize, let record = try reader.next() {
                        texts.append(record.text)
                        lines.append(record.line)
                        bytes += record.text.utf8.count + (record.label?.utf8.count ?? 0) + 2
                    }
                    if texts.isEmpty { break }
                    let batch = PredictionBatch(texts: texts, sources: .numbered(prefix: sourcePrefix, numbers: lines),
                                                bytesRead: bytes)
                    guard put(.batch(batch)) else { return }
                    if texts.count < batchSize { break }
                }
                _ = put(.end)
            } catch {
                // The records read before the error are dropped, as they were when reading in line.
                _ = put(.failure(error))
            }
        }
        thread.name = "sentiment.predict.read"
        thread.start()
    }

    private func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The next full batch (the last one may be shorter), nil at the end; rethrows the reader's error in order.
    func next() throws -> PredictionBatch? {
        condition.lock()
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        condition.unlock()
        switch item {
        case .batch(let b): return b
        case .end: return nil
        case .failure(let e): throw e
        }
    }

    /// Stops the reader thread (it exits at its next batch).
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}

/// The first error of a pipeline's stages.
final class PipelineFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?

    var current: Error? {
        lock.lock(); defer { lock.unlock() }
        return error
    }

    func record(_ e: Error) {
        lock.lock(); defer { lock.unlock() }
        if error == nil { error = e }
    }
}

/// Runs submitted work on one background queue, in submission order, with at most two items in flight. The first
/// error (shared by the stages of one pipeline) stops the rest; `finish()` waits for everything and rethrows it.
final class OrderedPipeline: @unchecked Sendable {
    private let queue: DispatchQueue
    private let slots = DispatchSemaphore(value: 2)
    let failure: PipelineFailure

    init(label: String = "sentiment.predict.output", failure: PipelineFailure = PipelineFailure()) {
        queue = DispatchQueue(label: label)
        self.failure = failure
    }

    func submit(_ work: @escaping () throws -> Void) throws {
        if let failure = failure.current { throw failure }
        slots.wait()
        queue.async {
            defer { self.slots.signal() }
            guard self.failure.current == nil else { return }
            do { try work() } catch { self.failure.record(error) }
        }
    }

    /// Waits for all submitted work.
    func drain() { queue.sync {} }

    /// Waits for all submitted work and rethrows the first error.
    func finish() throws {
        drain()
        if let failure = failure.current { throw failure }
    }
}

/// Streams predictions in one of the output formats (JSON keys: id, text, label, confidence, probabilities, model).
/// Used from one thread at a time. CSV and JSON rows are written byte by byte into a large buffer.
final class PredictionOutput {
    let format: OutputFormat
    let labels: [String]
    let model: String
    let explain: Bool
    private let out = OutputBuffer()
    private var count = 0
    // Encoded once: the model and labels as CSV fields and JSON strings, and the probabilities' JSON keys.
    private let csvModel: [UInt8]
    private let csvLabels: [[UInt8]]
    private let jsonModel: [UInt8]
    private let jsonLabels: [[UInt8]]
    private let jsonKeys: [[UInt8]]

    init(format: OutputFormat, labels: [String], model: String, explain: Bool) {
        self.format = format
        self.labels = labels
        self.model = model
        self.explain = explain
        csvModel = Array(csvField(model).utf8)
        csvLabels = labels.map { Array(csvField($0).utf8) }
        jsonModel = Array(jsonString(model).utf8)
        jsonLabels = labels.map { Array(jsonString($0).utf8) }
        jsonKeys = labels.map { Array((jsonString($0) + ":").utf8) }
    }

    func write(_ batch: PredictionBatch) {
        for i in 0..<batch.count { write(batch, i) }
    }

    private func write(_ b: PredictionBatch, _ i: Int) {
        defer { count += 1 }
        let k = labels.count
        let label = b.labelIndices[i]
        let id = b.ids?[i]
        switch format {
        case .table:
            let probabilities = b.probabilities
            if count == 0 {
                out.append(["id", "label", "conf"].joined(separator: "  ") + "  " + labels.map { "p(\($0))" }.joined(separator: "  ") + "  text\n")
            }
            var cells = [id.map(String.init) ?? "-", labels[label], fixed(Double(probabilities[i * k + label]))]
            for (c, name) in labels.enumerated() {
                let v = fixed(Double(probabilities[i * k + c]))
                cells.append(String(repeating: " ", count: max(0, name.count + 3 - v.count)) + v)
            }
            cells.append(preview(b.texts[i]))
            out.append(cells.joined(separator: "  ") + "\n")
            if let e = b.explanations?[i] {
                if !e.toward.isEmpty {
                    out.append("    toward \(labels[label]): " + e.toward.map { "\($0.feature) (+\(fixed(Double($0.contribution))))" }.joined(separator: ", ") + "\n")
                }
                if !e.against.isEmpty {
                    out.append("    against: " + e.against.map { "\($0.feature) (\(fixed(Double($0.contribution))))" }.joined(separator: ", ") + "\n")
                }
            }
        case .json, .jsonl:
            if format == .jsonl {
                writeJSON(b, i)
                out.append(UInt8(ascii: "\n"))
            } else {
                out.append(count == 0 ? "[\n  " : ",\n  ")
                writeJSON(b, i)
            }
        case .csv:
            if count == 0 {
                out.append((["id", "text", "label", "confidence"] + labels.map { "p_\($0)" } + ["model"]).map(csvField).joined(separator: ",") + "\n")
            }
            if let id { out.append(decimal: id) }
            out.append(UInt8(ascii: ","))
            withUTF8Bytes(b.texts[i]) { out.append(csvField: $0) }
            out.append(UInt8(ascii: ","))
            out.append(csvLabels[label])
            b.probabilities.withUnsafeBufferPointer { p in
                out.append(UInt8(ascii: ","))
                out.append(number: p[i * k + label])
                for c in 0..<k {
                    out.append(UInt8(ascii: ","))
                    out.append(number: p[i * k + c])
                }
            }
            out.append(UInt8(ascii: ","))
            out.append(csvModel)
            out.append(UInt8(ascii: "\n"))
        }
    }

    /// One JSON object: `{"id":…,"text":…,"label":…,"confidence":…,"probabilities":{…},"model":…}` plus the
    /// explanation when there is one.
    private func writeJSON(_ b: PredictionBatch, _ i: Int) {
        let k = labels.count
        let label = b.labelIndices[i]
        out.append(Self.idKey)
        if let id = b.ids?[i] { out.append(decimal: id) } else { out.append(Self.null) }
        out.append(Self.textKey)
        withUTF8Bytes(b.texts[i]) { out.append(jsonString: $0) }
        out.append(Self.labelKey)
        out.append(jsonLabels[label])
        b.probabilities.withUnsafeBufferPointer { p in
            out.append(Self.confidenceKey)
            out.append(number: p[i * k + label])
            out.append(Self.probabilitiesKey)
            for c in 0..<k {
                if c > 0 { out.append(UInt8(ascii: ",")) }
                out.append(jsonKeys[c])
                out.append(number: p[i * k + c])
            }
        }
        out.append(Self.modelKey)
        out.append(jsonModel)
        if let e = b.explanations?[i] {
            func list(_ items: [Explanation.Contribution]) -> String {
                "[" + items.map { "{\"feature\":\(jsonString($0.feature)),\"contribution\":\(number($0.contribution))}" }.joined(separator: ",") + "]"
            }
            out.append(",\"explanation\":{\"toward\":\(list(e.toward)),\"against\":\(list(e.against))}")
        }
        out.append(UInt8(ascii: "}"))
    }

    private static let idKey = Array("{\"id\":".utf8)
    private static let null = Array("null".utf8)
    private static let textKey = Array(",\"text\":".utf8)
    private static let labelKey = Array(",\"label\":".utf8)
    private static let confidenceKey = Array(",\"confidence\":".utf8)
    private static let probabilitiesKey = Array(",\"probabilities\":{".utf8)
    private static let modelKey = Array("},\"model\":".utf8)

    /// Ends the output (closing a JSON array) and writes what is buffered. `complete: false` (the input failed
    /// part-way) writes what was produced without closing it.
    func finish(complete: Bool = true) {
        if complete && format == .json { out.append(count == 0 ? "[]\n" : "\n]\n") }
        out.flush()
    }
}

/// A probability as a JSON/CSV number, rounded to 6 decimal places (shortest form; no `String(format:)`, which
/// dominated `predict --file` output time).
func number(_ x: Float) -> String {
    guard x.isFinite else { return "0" }
    let v = (Double(x) * 1e6).rounded() / 1e6
    return v == v.rounded() ? String(Int(v)) : v.description
}

/// A JSON string literal with the escapes RFC 8259 requires.
func jsonString(_ s: String) -> String {
    var out = "\""
    out.reserveCapacity(s.utf8.count + 2)
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}
