import ArgumentParser
import CorpusIO
import Foundation
import SentimentKit
import SentimentClassifier
import SoftmaxRegression

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a model on a labelled corpus and store the evaluation.",
        discussion: """
            Prints per-label precision, recall, F1 and support, accuracy, macro and weighted F1, log loss, the \
            expected calibration error (15 bins) and the confusion matrix (rows = true labels).

            Example:
              sentiment evaluate --model news@2 --corpus held-out.csv --format json
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var reading: CorpusReadingOptions

    @Option(help: ArgumentHelp("The model (default: the active model).", valueName: "name[@version]"))
    var model: ModelReference?

    @Option(help: ArgumentHelp("The labelled corpus file.", valueName: "file"))
    var corpus: String

    @Option(help: "Output format.")
    var format: ReportFormat = .table

    func run() throws {
        try reporting {
            let result = try store.service().evaluate(model, corpus: corpus, reading: reading.corpusOptions())
            switch format {
            case .json:
                // The report's keys at the top level, with the model, corpus and row count beside them.
                var merged = try JSONSerialization.jsonObject(with: Data(jsonText(result.report, pretty: false).utf8)) as? [String: Any] ?? [:]
                merged["model"] = result.model.reference
                merged["corpus"] = result.file
                merged["stored_corpus"] = result.corpus.name
                merged["rows"] = result.rows
                let bytes = try JSONSerialization.data(withJSONObject: merged, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                emit(String(decoding: bytes, as: UTF8.self))
            case .table:
                emitText("model \(result.model.reference) on \(result.file) (\(result.rows) rows\(sameContent(result))), store \(store.location.displayName)\n\n"
                         + result.report.rendered())
            }
        }
    }
}

/// When the file's content was imported before from another file, which stored corpus it is.
func sameContent(_ result: EvaluationResult) -> String {
    result.corpus.sourcePath == result.file ? ""
        : "; same content as corpus \(result.corpus.name), imported from \(result.corpus.sourcePath)"
}
