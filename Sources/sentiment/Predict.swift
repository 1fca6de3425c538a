import ArgumentParser
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
            not at all). A file shows its progress on a terminal (rows, rate, time left) and ends with a one-line \
            summary on standard error; Ctrl-C stops once the batches in flight are stored and says how many were \
            (exit 130).

            Output of a file joins back to it: one row per input row, in input order, with the input's line \
            (csv column and JSON key "line") and its other columns (csv: under their own names, prefixed input_ \
            where they clash with an output column such as id or label; JSON: an "input" object; --no-keep-columns \
            leaves them out). A blank line and an empty text are invalid rows, as are rows with a wrong number of \
            fields, invalid UTF-8 or a bad JSON line: the first one stops the run (the rows before it were stored; \
            the error says how many), unless --skip-invalid, which leaves such rows out of the output and the \
            store and reports them on stderr with their line. Blank lines at the end of a file are not rows.

            Examples:
              sentiment predict "Shares soar after record profit"
              sentiment predict --file headlines.csv --format csv --no-store > labelled.csv
              sentiment predict --file export.csv --encoding windows-1252 --skip-invalid --format csv
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

    @Flag(help: ArgumentHelp("""
        Skip invalid rows of a file (empty text or blank line, wrong number of fields, invalid UTF-8, bad JSON \
        line): they are reported on stderr with FILE:LINE (the first \(Self.reportedInvalidRows)), counted at the \
        end, and absent from the output and the store; exit 0.
        """))
    var skipInvalid = false

    @Flag(inversion: .prefixedNo, help: "Keep the input file's other columns in the output (csv, json, jsonl).")
    var keepColumns = true

    /// Invalid rows reported one by one; the rest are counted.
    static let reportedInvalidRows = 20

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
                var options = reading.corpusOptions(requireLabels: false, defaultFormat: fallback)
                options.blankLinesAreRows = true
                options.keepColumns = keepColumns
                options.ignoreLabels = true
                reader = try CorpusReader(path: input, options: options)
            } else {
                if skipInvalid { throw CLIFailure.usage("--skip-invalid applies to --file (or standard input)") }
                for (i, t) in texts.enumerated() where t.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    throw CLIFailure.badInput("argument \(i + 1): empty text")
                }
            }
            let predictor = try store.service(readOnly: noStore).predictor(model, storing: !noStore, explain: explain)
            let writer = PredictionOutput(format: format, labels: predictor.labels, model: predictor.model.reference,
                                          explain: explain)
            writer.caption = "model \(predictor.model.reference), store \(store.location.displayName)" + (noStore ? " (not stored)" : "")
            var interrupted = false
            do {
                if let reader {
                    interrupted = try predictWithProgress(predictor, reader, into: writer, skipInvalid: skipInvalid,
                                                          reportLimit: Self.reportedInvalidRows)
                } else {
                    try predictor.predict(texts, source: "argv", into: writer)
                }
            } catch let e as PredictionInputError {
                writer.finish(complete: false)
                let failure = classify(e.error)
                let done = e.rowsBefore == 0 ? "no row before it was \(noStore ? "predicted" : "stored")"
                    : "the \(e.rowsBefore) row\(e.rowsBefore == 1 ? "" : "s") before it \(e.rowsBefore == 1 ? "was" : "were") "
                        + (noStore ? "written" : "stored (a second run stores \(e.rowsBefore == 1 ? "it" : "them") again)")
                throw CLIFailure(code: failure.code, message: "\(failure.message); \(done)"
                                 + (e.rowLevel ? "; --skip-invalid skips such rows" : ""))
            } catch {
                // What was predicted (and stored) before the error is written, without closing a JSON array.
                writer.finish(complete: false)
                throw error
            }
            writer.finish()
            if interrupted { throw ExitCode(Exit.interrupted) }
        }
    }
}
