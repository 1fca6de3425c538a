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
            } else {
                for (i, t) in texts.enumerated() where t.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    throw CLIFailure.badInput("argument \(i + 1): empty text")
                }
            }
            let predictor = try store.service(readOnly: noStore).predictor(model, storing: !noStore, explain: explain)
            let writer = PredictionOutput(format: format, labels: predictor.labels, model: predictor.model.reference,
                                          explain: explain)
            writer.caption = "model \(predictor.model.reference), store \(store.location.path)" + (noStore ? " (not stored)" : "")
            var interrupted = false
            do {
                if let reader {
                    interrupted = try predictWithProgress(predictor, reader, into: writer)
                } else {
                    try predictor.predict(texts, source: "argv", into: writer)
                }
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
