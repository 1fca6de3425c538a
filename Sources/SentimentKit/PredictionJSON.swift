import Bytes
import Foundation
import SentimentClassifier

/// The one JSON form of a prediction, for every front end (CLI `--format json|jsonl`, the HTTP API):
/// `{"id","text","label","confidence","probabilities":{label: p},"model"}`, then for rows of a file `"line"` and
/// (when kept) `"input"` (the row's other columns), for stored predictions
/// `"source","created_at","corrected_label","corrected_at"`, and `"explanation":{"toward","against"}` when asked.
/// Written byte by byte into a `ByteBuffer`: no per-row `String`s on the paths that write millions.
public struct PredictionJSON: Sendable {
    // Encoded once: the model and labels as JSON strings, and the probabilities' keys.
    private let model: [UInt8]
    private let labels: [[UInt8]]
    private let keys: [[UInt8]]

    /// For the predictions of one model (`labels` in the model's order).
    public init(labels: [String], model: String) {
        self.model = Array(jsonString(model).utf8)
        self.labels = labels.map { Array(jsonString($0).utf8) }
        keys = labels.map { Array((jsonString($0) + ":").utf8) }
    }

    /// Row `i` of a predicted batch (its id when stored, else null).
    public func append(_ b: PredictionBatch, _ i: Int, to out: ByteBuffer) {
        let k = labels.count
        let label = b.labelIndices[i]
        out.append(Self.idKey)
        if let id = b.ids?[i] { out.append(decimal: id) } else { out.append(Self.null) }
        out.append(Self.textKey)
        withUTF8Bytes(b.texts[i]) { out.append(jsonString: $0) }
        out.append(Self.labelKey)
        out.append(labels[label])
        b.probabilities.withUnsafeBufferPointer { p in
            out.append(Self.confidenceKey)
            out.append(number: p[i * k + label])
            out.append(Self.probabilitiesKey)
            for c in 0..<k {
                if c > 0 { out.append(UInt8(ascii: ",")) }
                out.append(keys[c])
                out.append(number: p[i * k + c])
            }
        }
        out.append(Self.modelKey)
        out.append(model)
        if let lines = b.lines {
            out.append(Self.lineKey)
            out.append(decimal: Int64(lines[i]))
        }
        if let columns = b.columns?[i] {
            out.append(Self.inputKey)
            for (n, c) in columns.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                withUTF8Bytes(c.name) { out.append(jsonString: $0) }
                out.append(UInt8(ascii: ":"))
                if c.isJSON { out.append(c.value) } else { withUTF8Bytes(c.value) { out.append(jsonString: $0) } }
            }
            out.append(UInt8(ascii: "}"))
        }
        if let e = b.explanations?[i] { Self.append(e, to: out) }
        out.append(UInt8(ascii: "}"))
    }

    /// A stored prediction, with where it came from, when, and its correction.
    public static func append(_ p: PredictionInfo, to out: ByteBuffer) {
        out.append(idKey)
        out.append(decimal: p.id)
        out.append(textKey)
        withUTF8Bytes(p.text) { out.append(jsonString: $0) }
        out.append(labelKey)
        out.append(jsonString(p.label))
        out.append(confidenceKey)
        out.append(number: Float(p.confidence))
        out.append(probabilitiesKey)
        for (n, key) in p.probabilities.keys.sorted().enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out.append(jsonString(key))
            out.append(UInt8(ascii: ":"))
            out.append(number: Float(p.probabilities[key]!))
        }
        out.append(modelKey)
        out.append(jsonString(p.modelReference))
        out.append(",\"source\":")
        withUTF8Bytes(p.source) { out.append(jsonString: $0) }
        out.append(",\"created_at\":")
        out.append(jsonString(isoTimestamp(p.createdAt)))
        out.append(",\"corrected_label\":")
        out.append(p.correctedLabel.map(jsonString) ?? "null")
        out.append(",\"corrected_at\":")
        out.append(p.correctedAt.map { jsonString(isoTimestamp($0)) } ?? "null")
        out.append(UInt8(ascii: "}"))
    }

    static func append(_ e: Explanation, to out: ByteBuffer) {
        func list(_ items: [Explanation.Contribution]) {
            out.append(UInt8(ascii: "["))
            for (n, c) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                out.append("{\"feature\":")
                withUTF8Bytes(c.feature) { out.append(jsonString: $0) }
                out.append(",\"contribution\":")
                out.append(number(c.contribution))
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(",\"explanation\":{\"toward\":")
        list(e.toward)
        out.append(",\"against\":")
        list(e.against)
        out.append(UInt8(ascii: "}"))
    }

    // The keys of a prediction object, shared with the streamed export (`StoredPredictionEncoder`).
    static let idKey = Array("{\"id\":".utf8)
    static let null = Array("null".utf8)
    static let textKey = Array(",\"text\":".utf8)
    static let labelKey = Array(",\"label\":".utf8)
    static let confidenceKey = Array(",\"confidence\":".utf8)
    static let probabilitiesKey = Array(",\"probabilities\":{".utf8)
    static let modelKey = Array("},\"model\":".utf8)
    private static let lineKey = Array(",\"line\":".utf8)
    private static let inputKey = Array(",\"input\":{".utf8)
}

/// A date as ISO 8601 in UTC with seconds (`2026-12-03T18:00:00Z`): the one timestamp form of every output.
public func isoTimestamp(_ date: Date) -> String {
    var t = time_t(date.timeIntervalSince1970.rounded(.down))
    var parts = tm()
    gmtime_r(&t, &parts)
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : String(v) }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
}

extension PredictionQuery.Order {
    /// `newest`, `oldest`, `confidence-ascending`, `confidence-descending`, in any case, with `-`, `_` or in camel
    /// case: the one reading of an order's name (CLI `--order`, API `order=`).
    public init?(name: String) {
        let folded = name.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "").lowercased()
        guard let order = Self.allCases.first(where: { $0.rawValue.lowercased() == folded }) else { return nil }
        self = order
    }
}

/// The exclusive end a user means by an "until" date: a bare day (`dateOnly`) includes that whole day.
public func exclusiveEnd(_ parsed: (date: Date, dateOnly: Bool)) -> Date {
    parsed.dateOnly ? parsed.date.addingTimeInterval(86_400) : parsed.date
}

/// Reads `YYYY-MM-DD` (`dateOnly`: the day's start, UTC) or an ISO 8601 date-time (`2026-12-03T18:00:00Z`,
/// fractional seconds allowed): the one way every front end reads a date.
public func parseTimestamp(_ text: String) -> (date: Date, dateOnly: Bool)? {
    let full = ISO8601DateFormatter()
    if let d = full.date(from: text) { return (d, false) }
    let frac = ISO8601DateFormatter()
    frac.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let d = frac.date(from: text) { return (d, false) }
    let day = ISO8601DateFormatter()
    day.formatOptions = [.withFullDate]
    if text.count == 10, let d = day.date(from: text) { return (d, true) }
    return nil
}
