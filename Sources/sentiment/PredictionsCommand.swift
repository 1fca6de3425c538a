import Bytes
import ArgumentParser
import Foundation
import SentimentKit

/// Filters shared by `predictions` and `predictions summary`.
struct PredictionFilters: ParsableArguments {
    @Option(help: ArgumentHelp("Only predictions of this model (all its versions unless @VERSION).", valueName: "name[@version]"))
    var model: ModelReference?

    @Option(help: ArgumentHelp("Only this predicted label.", valueName: "label"))
    var label: String?

    @Option(help: ArgumentHelp("Confidence at least X.", valueName: "x"))
    var minConfidence: Double?

    @Option(help: ArgumentHelp("Confidence at most X.", valueName: "x"))
    var maxConfidence: Double?

    @Option(help: ArgumentHelp("Made at or after DATE (YYYY-MM-DD is UTC midnight, or an ISO 8601 time).", valueName: "date"))
    var since: String?

    @Option(help: ArgumentHelp("Made before DATE; a plain date includes that whole day (UTC).", valueName: "date"))
    var until: String?

    @Option(help: ArgumentHelp("Full-text search over the text: every word must occur (punctuation as the index splits it, so S&P 500 or Q3-2024 work); a \"quoted phrase\" stays a phrase.", valueName: "words"))
    var search: String?

    @Flag(help: "Read --search as SQLite FTS5 query syntax instead (AND/OR/NOT, prefix*, NEAR); SQLite stores only.")
    var fts = false

    @Flag(help: "Only corrected predictions.")
    var corrected = false

    @Flag(help: "Only predictions without a correction.")
    var uncorrected = false

    func validate() throws {
        for (flag, v) in [("--min-confidence", minConfidence), ("--max-confidence", maxConfidence)] {
            if let v, !(v >= 0 && v <= 1) { throw ValidationError("\(flag) must be in [0, 1], got \(v)") }
        }
        if let lo = minConfidence, let hi = maxConfidence, lo > hi {
            throw ValidationError("--min-confidence \(lo) is above --max-confidence \(hi)")
        }
        if corrected && uncorrected { throw ValidationError("--corrected and --uncorrected exclude each other") }
        if let search, search.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--search is empty") }
    }

    func query() throws -> PredictionQuery {
        var q = PredictionQuery()
        q.modelName = model?.name
        q.modelVersion = model?.version
        q.label = label
        q.minConfidence = minConfidence
        q.maxConfidence = maxConfidence
        if let since { q.createdFrom = try parseDate(since, flag: "--since").date }
        if let until { q.createdBefore = exclusiveEnd(try parseDate(until, flag: "--until")) }
        q.search = search
        q.searchSyntax = fts ? .fts5 : .words
        q.corrected = corrected ? true : (uncorrected ? false : nil)
        return q
    }
}

struct Predictions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Query stored predictions (newest first); `predictions summary` counts them.",
        discussion: """
            Without a subcommand, lists predictions (see `sentiment predictions list --help` for the filters).

            Examples:
              sentiment predictions --max-confidence 0.6 --uncorrected --limit 20
              sentiment predictions summary --since 2026-11-01
            """,
        subcommands: [List.self, Summary.self, Delete.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List stored predictions (newest first). This is what `sentiment predictions` runs.",
        discussion: """
            Examples:
              sentiment predictions --max-confidence 0.6 --uncorrected --limit 20
              sentiment predictions --search 'S&P 500 "rate cut"' --since 2026-11-01 --format jsonl
              sentiment predictions --search '"rate cut" OR inflation*' --fts
              sentiment predictions --format csv > predictions.csv
              sentiment predictions summary --model news

            csv, json and jsonl stream every matching prediction (no default limit) straight from the store. CSV \
            columns: id, text, label, confidence, one p_LABEL per label of the models in the export (sorted; empty \
            where a row's model has no such label), model, source, created_at, corrected_label, corrected_at: \
            the keys of the JSON objects, in their order.
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var filters: PredictionFilters

    @Option(help: ArgumentHelp("At most N rows (default 50 for table output, all otherwise).", valueName: "n"))
    var limit: Int?

    @Option(help: ArgumentHelp("Skip the first N rows.", valueName: "n"))
    var offset = 0

    @Option(help: "Order: newest, oldest, confidence-descending or confidence-ascending.")
    var order: PredictionQuery.Order = .newest

    @Option(help: "Output format.")
    var format: OutputFormat = .table

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1, got \(limit)") }
        if offset < 0 { throw ValidationError("--offset must be ≥ 0, got \(offset)") }
    }

    func run() throws {
        try reporting {
            var q = try filters.query()
            q.order = order
            q.limit = limit ?? (format == .table ? 50 : nil)
            q.offset = offset
            let service = try store.service(readOnly: true)
            if let export = PredictionExportFormat(rawValue: format.rawValue) {
                // Streamed from the store's rows into large writes.
                let out = OutputBuffer()
                try service.exportPredictions(q, as: export, into: out.bytes) { _ in out.flush() }
                return
            }
            var tableRows: [[String]] = []
            try service.forEachPrediction(q) { p in
                tableRows.append([String(p.id), isoText(p.createdAt), p.modelReference, p.label,
                                  fixed(p.confidence), p.correctedLabel ?? "", preview(p.text, width: 70)])
            }
            var out = StandardOutput()
            out.write(renderTable(header: ["id", "created", "model", "label", "conf", "corrected", "text"], rows: tableRows,
                                  rightAligned: [0, 4]))
            if tableRows.count == q.limit { out.line("(first \(tableRows.count); use --limit and --offset for more)") }
            out.flush()
        }
    }
    }

    struct Summary: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count stored predictions per label, per model and by correction.",
            discussion: """
                Example:
                  sentiment predictions summary --since 2026-11-01 --format json
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var filters: PredictionFilters

        @Option(help: "Output format.")
        var format: ReportFormat = .table

        func run() throws {
            try reporting {
                let q = try filters.query()
                let s = try store.open().summary(q)
                switch format {
                case .json:
                    struct Out: Encodable {
                        var total: Int, by_label: [String: Int], by_model: [String: Int]
                        var corrected: Int, uncorrected: Int, by_corrected_label: [String: Int]
                    }
                    emit(try jsonText(Out(total: s.total, by_label: s.byLabel, by_model: s.byModel, corrected: s.corrected,
                                          uncorrected: s.uncorrected, by_corrected_label: s.byCorrectedLabel),
                                      pretty: true))
                case .table:
                    var rows: [[String]] = [["total", "", String(s.total)]]
                    for (k, v) in s.byLabel.sorted(by: { $0.key < $1.key }) { rows.append(["label", k, String(v)]) }
                    for (k, v) in s.byModel.sorted(by: { $0.key < $1.key }) { rows.append(["model", k, String(v)]) }
                    rows.append(["corrected", "", String(s.corrected)])
                    rows.append(["uncorrected", "", String(s.uncorrected)])
                    for (k, v) in s.byCorrectedLabel.sorted(by: { $0.key < $1.key }) { rows.append(["corrected to", k, String(v)]) }
                    emit(renderTable(header: ["", "", "count"], rows: rows, rightAligned: [2]))
                }
            }
        }
    }
}

extension PredictionQuery.Order: ExpressibleByArgument {
    /// `confidenceAscending` or `confidence-ascending` (any case).
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { ["newest", "oldest", "confidence-descending", "confidence-ascending"] }
}

struct Correct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record the right label for a stored prediction (used by train --include-corrections).",
        discussion: """
            Example:
              sentiment predictions --max-confidence 0.6 --uncorrected
              sentiment correct 1234 negative
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "The prediction id (see sentiment predictions).")
    var id: Int64

    @Argument(help: "The right label (one of the model's labels).")
    var label: String

    func run() throws {
        try reporting {
            let p = try store.service().correct(prediction: id, label: label)
            emitText("prediction \(p.id): \(p.label) → \(label) (\(preview(p.text)))")
        }
    }
}
