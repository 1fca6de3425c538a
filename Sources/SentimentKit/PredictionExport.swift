import Bytes
import Foundation

/// The formats stored predictions are exported in, streamed.
public enum PredictionExportFormat: String, Sendable, CaseIterable {
    /// A header, then one row per prediction: `id,text,label,confidence,p_LABEL…,model,source,created_at,
    /// corrected_label,corrected_at` (the keys of the JSON form, one `p_` column per label as `predict` writes).
    case csv
    /// One JSON array of `PredictionJSON` objects.
    case json
    /// One `PredictionJSON` object per line.
    case jsonl
}

extension SentimentService {
    /// Writes the stored predictions matching `query` (filters, order, paging) in `format` into `out`, straight
    /// from the store's rows (no per-row `String`s or dictionaries), calling `drain` whenever `out` holds 1 MiB or
    /// more and once at the end; `drain` writes the bytes somewhere and empties `out`. The number of predictions.
    /// - Throws: `StoreError.invalidSearch`, `.unreadableValue`; what `drain` throws.
    @discardableResult
    public func exportPredictions(_ query: PredictionQuery, as format: PredictionExportFormat, into out: ByteBuffer,
                                  drain: (ByteBuffer) throws -> Void) throws -> Int {
        var encoder: StoredPredictionEncoder? = nil
        try store.streamPredictions(query, models: { models in
            encoder = StoredPredictionEncoder(format: format, models: models)
            encoder!.begin(out)
        }, row: { row in
            encoder!.append(row, to: out)
            if out.count >= 1 << 20 { try drain(out) }
        })
        guard let encoder else { return 0 }
        encoder.end(out)
        try drain(out)
        return encoder.count
    }

    /// The page of stored predictions `query` asks for (its filters, order, offset and limit) as the elements of
    /// a JSON array (objects separated by commas, in `PredictionJSON`'s form), at most `limit` of them written
    /// into `out`, straight from the store's rows. Returns how many rows the query gave (more than `limit`: a next
    /// page follows), all read in one snapshot.
    /// - Throws: `StoreError.invalidSearch`, `.unreadableValue`.
    public func appendPredictionPage(_ query: PredictionQuery, limit: Int, into out: ByteBuffer) throws -> Int {
        var encoder: StoredPredictionEncoder? = nil
        var rows = 0
        try store.streamPredictions(query, models: { models in
            encoder = StoredPredictionEncoder(format: .json, models: models)
        }, row: { row in
            rows += 1
            guard rows <= limit else { return }
            if rows > 1 { out.append(UInt8(ascii: ",")) }
            encoder!.appendJSON(row, out)
        })
        return rows
    }
}

/// Encodes streamed predictions as CSV, a JSON array or JSON Lines, in the product's one JSON form of a stored
/// prediction (`PredictionJSON.append(_ p: PredictionInfo, …)` writes the same bytes from a `PredictionInfo`).
struct StoredPredictionEncoder {
    let format: PredictionExportFormat
    /// Per model: its reference as a JSON string and as a CSV field.
    private let jsonModels: [[UInt8]]
    private let csvModels: [[UInt8]]
    /// Per model: each label's `"label":` in JSON, and its labels' indices sorted by name (the JSON key order).
    private let jsonKeys: [[[UInt8]]]
    private let jsonOrder: [[Int]]
    /// The CSV's `p_` columns: the labels of every model, sorted; per model, the label index of each column (-1: the
    /// model has no such label, an empty cell).
    let csvLabels: [String]
    private let csvColumns: [[Int]]
    private(set) var count = 0
    // The last timestamp written: rows stored together share it.
    private var lastSecond = Int64.min
    private var lastStamp: [UInt8] = []

    init(format: PredictionExportFormat, models: [StreamedModel]) {
        self.format = format
        jsonModels = models.map { Array(jsonString($0.reference).utf8) }
        csvModels = models.map { Array(csvField($0.reference).utf8) }
        jsonKeys = models.map { $0.labels.map { Array((jsonString($0) + ":").utf8) } }
        jsonOrder = models.map { m in m.labels.indices.sorted { m.labels[$0] < m.labels[$1] } }
        var seen = Set<[UInt8]>()
        var union: [String] = []
        for m in models { for l in m.labels where seen.insert(Array(l.utf8)).inserted { union.append(l) } }
        union.sort { $0 < $1 || (!($1 < $0) && Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8))) }
        csvLabels = union
        csvColumns = models.map { m in
            union.map { l in m.labels.firstIndex { $0.utf8.elementsEqual(l.utf8) } ?? -1 }
        }
    }

    /// The CSV header (a CSV export always has one) or the JSON array's start.
    func begin(_ out: ByteBuffer) {
        switch format {
        case .csv:
            let names = ["id", "text", "label", "confidence"] + csvLabels.map { "p_" + $0 }
                + ["model", "source", "created_at", "corrected_label", "corrected_at"]
            out.append(names.map(csvField).joined(separator: ",") + "\n")
        case .json, .jsonl:
            break
        }
    }

    func end(_ out: ByteBuffer) {
        if format == .json { out.append(count == 0 ? "[]\n" : "\n]\n") }
    }

    mutating func append(_ p: StreamedPrediction, to out: ByteBuffer) {
        switch format {
        case .csv: appendCSV(p, out)
        case .jsonl:
            appendJSON(p, out)
            out.append(UInt8(ascii: "\n"))
        case .json:
            out.append(count == 0 ? "[\n  " : ",\n  ")
            appendJSON(p, out)
        }
        count += 1
    }

    private mutating func appendCSV(_ p: StreamedPrediction, _ out: ByteBuffer) {
        let comma = UInt8(ascii: ",")
        out.append(decimal: p.id)
        out.append(comma)
        withValidUTF8(p.text) { out.append(csvField: $0) }
        out.append(comma)
        withValidUTF8(p.label) { out.append(csvField: $0) }
        out.append(comma)
        out.append(number: Float(p.confidence))
        for c in csvColumns[p.model] {
            out.append(comma)
            if c >= 0, !p.probabilities[c].isNaN { out.append(number: Float(p.probabilities[c])) }
        }
        out.append(comma)
        out.append(csvModels[p.model])
        out.append(comma)
        withValidUTF8(p.source) { out.append(csvField: $0) }
        out.append(comma)
        appendTimestamp(p.createdAt, out)
        out.append(comma)
        if let l = p.correctedLabel { withValidUTF8(l) { out.append(csvField: $0) } }
        out.append(comma)
        if let t = p.correctedAt { appendTimestamp(t, out) }
        out.append(UInt8(ascii: "\n"))
    }

    mutating func appendJSON(_ p: StreamedPrediction, _ out: ByteBuffer) {
        out.append(PredictionJSON.idKey)
        out.append(decimal: p.id)
        out.append(PredictionJSON.textKey)
        withValidUTF8(p.text) { out.append(jsonString: $0) }
        out.append(PredictionJSON.labelKey)
        withValidUTF8(p.label) { out.append(jsonString: $0) }
        out.append(PredictionJSON.confidenceKey)
        out.append(number: Float(p.confidence))
        out.append(PredictionJSON.probabilitiesKey)
        var first = true
        for c in jsonOrder[p.model] where !p.probabilities[c].isNaN {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(jsonKeys[p.model][c])
            out.append(number: Float(p.probabilities[c]))
        }
        out.append(PredictionJSON.modelKey)
        out.append(jsonModels[p.model])
        out.append(Self.sourceKey)
        withValidUTF8(p.source) { out.append(jsonString: $0) }
        out.append(Self.createdKey)
        out.append(UInt8(ascii: "\""))
        appendTimestamp(p.createdAt, out)
        out.append(UInt8(ascii: "\""))
        out.append(Self.correctedLabelKey)
        if let l = p.correctedLabel { withValidUTF8(l) { out.append(jsonString: $0) } } else { out.append(PredictionJSON.null) }
        out.append(Self.correctedAtKey)
        if let t = p.correctedAt {
            out.append(UInt8(ascii: "\""))
            appendTimestamp(t, out)
            out.append(UInt8(ascii: "\""))
        } else {
            out.append(PredictionJSON.null)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `isoTimestamp` of the time, formatted once per distinct second.
    private mutating func appendTimestamp(_ seconds: Double, _ out: ByteBuffer) {
        let s = seconds.rounded(.down)
        let key = s.magnitude < 1e17 ? Int64(s) : Int64.max
        if key != lastSecond || lastStamp.isEmpty {
            lastSecond = key
            lastStamp = Array(isoTimestamp(Date(timeIntervalSince1970: seconds)).utf8)
        }
        out.append(lastStamp)
    }

    private static let sourceKey = Array(",\"source\":".utf8)
    private static let createdKey = Array(",\"created_at\":".utf8)
    private static let correctedLabelKey = Array(",\"corrected_label\":".utf8)
    private static let correctedAtKey = Array(",\"corrected_at\":".utf8)
}

/// The bytes as they are when they are valid UTF-8 (checked a word at a time for ASCII), else repaired as
/// `String(decoding:as:)` repairs them (U+FFFD), as the store's `String`s read them.
@inline(__always)
func withValidUTF8(_ b: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
    if ByteScan.isValidUTF8(b) { return body(b) }
    var repaired = String(decoding: b, as: UTF8.self)
    repaired.withUTF8(body)
}

/// One CSV field, quoted when needed (RFC 4180).
func csvField(_ s: String) -> String {
    let buffer = ByteBuffer(capacity: s.utf8.count + 8)
    withUTF8Bytes(s) { buffer.append(csvField: $0) }
    return String(decoding: buffer.bytes, as: UTF8.self)
}
