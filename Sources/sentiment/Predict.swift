import ArgumentParser
import ClassifierStore
import CorpusIO
import Foundation
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
            // Storing and writing run on a background queue while the next batch is read and predicted.
            let pipeline = OrderedPipeline()
            let batchSize = 10_000
            var batch: [String] = [], sources: [String] = []
            batch.reserveCapacity(batchSize)
            func process() throws {
                guard !batch.isEmpty else { return }
                var rows = zip(batch, classifier.predict(batch)).map { text, prediction in
                    PredictionRow(id: nil, text: text, prediction: prediction,
                                  explanation: explain ? classifier.explain(text) : nil)
                }
                let batchSources = sources
                let store = !noStore
                try pipeline.submit {
                    if store {
                        // One transaction per batch: a batch is stored whole or not at all.
                        let ids = try db.insertPredictions(rows.indices.map { i in
                            NewPrediction(modelId: info.id, text: rows[i].text, label: rows[i].prediction.label,
                                          confidence: Double(rows[i].prediction.confidence),
                                          probabilities: rows[i].prediction.probabilities.map(Double.init),
                                          source: batchSources[i])
                        })
                        for i in rows.indices { rows[i].id = ids[i] }
                    }
                    for r in rows { writer.write(r) }
                }
                batch.removeAll(keepingCapacity: true)
                sources.removeAll(keepingCapacity: true)
            }
            defer { pipeline.drain() }
            if let reader {
                let name = reader.path == "-" ? "stdin" : reader.path
                // Progress by bytes (approximate: the record's text and label plus separators).
                let size = reader.path == "-" ? 0
                    : ((try? FileManager.default.attributesOfItem(atPath: reader.path)[.size] as? NSNumber)??.intValue ?? 0)
                let bar = size > 0 ? ProgressBar("predicting", total: size) : nil
                var bytes = 0
                while let record = try reader.next() {
                    batch.append(record.text)
                    sources.append("\(name):\(record.line)")
                    bytes += record.text.utf8.count + (record.label?.utf8.count ?? 0) + 2
                    if batch.count == batchSize {
                        try process()
                        bar?.update(bytes)
                    }
                }
                bar?.finish()
            } else {
                for (i, t) in texts.enumerated() {
                    guard !t.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                        throw CLIFailure.badInput("argument \(i + 1): empty text")
                    }
                    batch.append(t)
                    sources.append("argv")
                }
            }
            try process()
            try pipeline.finish()
            writer.finish()
        }
    }
}

/// Runs submitted work on one background queue, in submission order, with at most two items in flight. The first
/// error stops the rest; `finish()` waits for everything and rethrows it.
final class OrderedPipeline: @unchecked Sendable {
    private let queue = DispatchQueue(label: "sentiment.predict.output")
    private let slots = DispatchSemaphore(value: 2)
    private let lock = NSLock()
    private var failure: Error?

    private var currentFailure: Error? {
        lock.lock(); defer { lock.unlock() }
        return failure
    }

    func submit(_ work: @escaping () throws -> Void) throws {
        if let failure = currentFailure { throw failure }
        slots.wait()
        queue.async {
            defer { self.slots.signal() }
            guard self.currentFailure == nil else { return }
            do { try work() } catch {
                self.lock.lock(); self.failure = error; self.lock.unlock()
            }
        }
    }

    /// Waits for all submitted work.
    func drain() { queue.sync {} }

    /// Waits for all submitted work and rethrows the first error.
    func finish() throws {
        drain()
        if let failure = currentFailure { throw failure }
    }
}

/// One labelled text on its way to the output.
struct PredictionRow {
    var id: Int64?
    var text: String
    var prediction: Prediction
    var explanation: Explanation?
}

/// Streams predictions in one of the output formats (JSON keys: id, text, label, confidence, probabilities, model).
/// Used from one thread at a time.
final class PredictionOutput {
    let format: OutputFormat
    let labels: [String]
    let model: String
    let explain: Bool
    private var out = StandardOutput()
    private var count = 0
    private var records: JSONRecords

    init(format: OutputFormat, labels: [String], model: String, explain: Bool) {
        self.format = format
        self.labels = labels
        self.model = model
        self.explain = explain
        self.records = JSONRecords(lines: format == .jsonl)
    }

    func write(_ r: PredictionRow) {
        defer { count += 1 }
        switch format {
        case .table:
            if count == 0 {
                out.line(["id", "label", "conf"].joined(separator: "  ") + "  " + labels.map { "p(\($0))" }.joined(separator: "  ") + "  text")
            }
            var cells = [r.id.map(String.init) ?? "-", r.prediction.label, fixed(Double(r.prediction.confidence))]
            for (c, label) in labels.enumerated() {
                let v = fixed(Double(r.prediction.probabilities[c]))
                cells.append(String(repeating: " ", count: max(0, label.count + 3 - v.count)) + v)
            }
            cells.append(preview(r.text))
            out.line(cells.joined(separator: "  "))
            if let e = r.explanation {
                if !e.toward.isEmpty {
                    out.line("    toward \(r.prediction.label): " + e.toward.map { "\($0.feature) (+\(fixed(Double($0.contribution))))" }.joined(separator: ", "))
                }
                if !e.against.isEmpty {
                    out.line("    against: " + e.against.map { "\($0.feature) (\(fixed(Double($0.contribution))))" }.joined(separator: ", "))
                }
            }
        case .json, .jsonl:
            records.write(jsonObject(r), to: &out)
        case .csv:
            if count == 0 {
                out.line((["id", "text", "label", "confidence"] + labels.map { "p_\($0)" } + ["model"]).map(csvField).joined(separator: ","))
            }
            // Written field by field into the output buffer (the hot path of `predict --file --format csv`).
            if let id = r.id { out.write(String(id)) }
            out.write(",")
            out.writeCSVField(r.text)
            out.write(",")
            out.writeCSVField(r.prediction.label)
            out.write(",")
            out.write(number(r.prediction.confidence))
            for p in r.prediction.probabilities {
                out.write(",")
                out.write(number(p))
            }
            out.write(",")
            out.writeCSVField(model)
            out.write("\n")
        }
    }

    private func jsonObject(_ r: PredictionRow) -> String {
        var s = "{\"id\":" + (r.id.map(String.init) ?? "null")
        s += ",\"text\":" + jsonString(r.text)
        s += ",\"label\":" + jsonString(r.prediction.label)
        s += ",\"confidence\":" + number(r.prediction.confidence)
        s += ",\"probabilities\":{" + zip(labels, r.prediction.probabilities).map { jsonString($0) + ":" + number($1) }.joined(separator: ",") + "}"
        s += ",\"model\":" + jsonString(model)
        if let e = r.explanation {
            func list(_ items: [Explanation.Contribution]) -> String {
                "[" + items.map { "{\"feature\":\(jsonString($0.feature)),\"contribution\":\(number($0.contribution))}" }.joined(separator: ",") + "]"
            }
            s += ",\"explanation\":{\"toward\":\(list(e.toward)),\"against\":\(list(e.against))}"
        }
        return s + "}"
    }

    func finish() {
        if format == .json || format == .jsonl { records.finish(&out) }
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
