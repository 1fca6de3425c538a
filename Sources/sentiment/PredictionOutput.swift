import Bytes
import CorpusIO
import Foundation
import SentimentClassifier
import SentimentKit

/// Streams predictions in one of the output formats (JSON keys: id, text, label, confidence, probabilities, model).
/// Used from one thread at a time. CSV and JSON rows are written byte by byte into a large buffer.
final class PredictionOutput: PredictionSink {
    let format: OutputFormat
    let labels: [String]
    let model: String
    let explain: Bool
    private let out = OutputBuffer()
    private var count = 0
    // Encoded once: the model and labels as CSV fields and JSON strings, and the probabilities' JSON keys.
    private let csvModel: [UInt8]
    private let csvLabels: [[UInt8]]
    private let json: PredictionJSON

    /// A line above the table (which model, which store), so nobody mistakes the shipped model or the default
    /// store for theirs.
    var caption: String? = nil
    /// CSV: the input's other columns, as named by the first row (in the header under `csvInputHeader`).
    private var inputNames: [String] = []
    private var warnedAboutColumns = false

    init(format: OutputFormat, labels: [String], model: String, explain: Bool) {
        self.format = format
        self.labels = labels
        self.model = model
        self.explain = explain
        csvModel = Array(csvField(model).utf8)
        csvLabels = labels.map { Array(csvField($0).utf8) }
        json = PredictionJSON(labels: labels, model: model)
    }

    func write(_ batch: PredictionBatch) {
        for i in 0..<batch.count { write(batch, i) }
    }

    private func write(_ b: PredictionBatch, _ i: Int) {
        defer { count += 1; out.endRow() }
        let k = labels.count
        let label = b.labelIndices[i]
        let id = b.ids?[i]
        switch format {
        case .table:
            let probabilities = b.probabilities
            let lines = b.lines
            if count == 0 {
                if let caption { out.append(terminalSafe(caption) + "\n") }
                let lineHead: String = lines != nil ? "line  " : ""
                let probabilityHeads: String = labels.map { "p(\(terminalSafe($0)))" }.joined(separator: "  ")
                out.append(lineHead + "id  label  conf  " + probabilityHeads + "  text\n")
            }
            var cells = [id.map(String.init) ?? "-", terminalSafe(labels[label]), fixed(Double(probabilities[i * k + label]))]
            if let lines { cells.insert(String(lines[i]), at: 0) }
            for (c, name) in labels.map { terminalSafe($0) }.enumerated() {
                let v = fixed(Double(probabilities[i * k + c]))
                cells.append(String(repeating: " ", count: max(0, name.count + 3 - v.count)) + v)
            }
            cells.append(preview(b.texts[i]))
            out.append(cells.joined(separator: "  ") + "\n")
            if let e = b.explanations?[i] {
                if !e.toward.isEmpty {
                    out.append("    toward \(terminalSafe(labels[label])): " + e.toward.map { "\(terminalSafe($0.feature)) (+\(fixed(Double($0.contribution))))" }.joined(separator: ", ") + "\n")
                }
                if !e.against.isEmpty {
                    out.append("    against: " + e.against.map { "\(terminalSafe($0.feature)) (\(fixed(Double($0.contribution))))" }.joined(separator: ", ") + "\n")
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
                let own = ["id", "text", "label", "confidence"] + labels.map { "p_\($0)" } + ["model"]
                let lineColumn = b.lines != nil ? ["line"] : []
                inputNames = b.columns?[i].map(\.name) ?? []
                out.append((own + lineColumn + Self.inputHeader(inputNames, taken: own + lineColumn)).map(csvField).joined(separator: ",") + "\n")
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
            if let lines = b.lines {
                out.append(UInt8(ascii: ","))
                out.append(decimal: Int64(lines[i]))
            }
            if !inputNames.isEmpty { writeInputCSV(b.columns?[i] ?? []) }
            out.append(UInt8(ascii: "\n"))
        }
    }

    /// CSV names for the input's columns: their own, prefixed `input_` where they clash with an output column.
    static func inputHeader(_ names: [String], taken: [String]) -> [String] {
        var used = Set(taken)
        return names.map { name in
            var n = name
            while used.contains(n) { n = "input_" + n }
            used.insert(n)
            return n
        }
    }

    /// A row's input columns under the header's names (a JSON Lines row may have other keys, or fewer).
    private func writeInputCSV(_ row: [CorpusField]) {
        let sameShape = row.count == inputNames.count && zip(row, inputNames).allSatisfy { $0.name == $1 }
        for (n, name) in inputNames.enumerated() {
            out.append(UInt8(ascii: ","))
            let field = sameShape ? row[n] : row.first { $0.name == name }
            if let field { withUTF8Bytes(field.value) { out.append(csvField: $0) } }
        }
        if !sameShape && !warnedAboutColumns, let extra = row.first(where: { !inputNames.contains($0.name) }) {
            warnedAboutColumns = true
            printError("sentiment: warning: CSV output has the columns of the first row; \"\(extra.name)\" and other "
                       + "keys first seen later are left out (--format jsonl keeps every key)")
        }
    }

    /// One JSON object, in the product's one JSON form of a prediction.
    private func writeJSON(_ b: PredictionBatch, _ i: Int) {
        json.append(b, i, to: out.bytes)
    }

    /// Ends the output (closing a JSON array) and writes what is buffered. `complete: false` (the input failed
    /// part-way) writes what was produced without closing it.
    func finish(complete: Bool = true) {
        if complete && format == .json { out.append(count == 0 ? "[]\n" : "\n]\n") }
        out.flush()
    }
}

