import ArgumentParser
import ClassifierStore
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

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    func validate() throws {
        if format == .jsonl || format == .csv { throw ValidationError("--format must be table or json for evaluate") }
    }

    func run() throws {
        try reporting {
            let data = try readLabelledCorpus(corpus, reading)
            let db = try store.open()
            let (classifier, info) = try loadClassifier(db, model)
            let report = try evaluate(classifier, on: data)
            let corpusInfo = try importCorpus(db, newCorpus(data))
            try saveEvaluation(db, report, model: info, corpus: corpusInfo)
            switch format {
            case .json:
                // The report's keys at the top level, with the model, corpus and row count beside them.
                var merged = try JSONSerialization.jsonObject(with: Data(jsonText(report, pretty: false).utf8)) as? [String: Any] ?? [:]
                merged["model"] = info.reference
                merged["corpus"] = corpusInfo.sourcePath
                merged["rows"] = data.count
                let bytes = try JSONSerialization.data(withJSONObject: merged, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                emit(String(decoding: bytes, as: UTF8.self))
            default:
                emit("model \(info.reference) on \(corpusInfo.sourcePath) (\(data.count) rows)\n\n" + report.rendered())
            }
        }
    }
}

/// Stores an evaluation: the report and its confusion matrix as JSON.
func saveEvaluation(_ db: SentimentStore, _ report: ClassificationReport, model: ModelInfo, corpus: CorpusInfo) throws {
    _ = try db.saveEvaluation(NewEvaluation(modelId: model.id, corpusId: corpus.id,
                                            metrics: jsonText(report, pretty: false),
                                            confusionMatrix: jsonText(report.confusion, pretty: false)))
}

/// The report of `classifier` on a labelled corpus; an unknown label is reported with its file and line.
func evaluate(_ classifier: SentimentClassifier, on data: Corpus) throws -> ClassificationReport {
    do {
        return try classifier.evaluate(texts: data.texts, labels: data.labels)
    } catch ClassifierError.unknownLabel(let label, let row, let known) {
        let file = data.path == "-" ? "<stdin>" : data.path
        throw CLIFailure.badInput("\(file):\(data.lines[row]): label \"\(label)\" is not one of the model's labels (\(known.joined(separator: ", ")))")
    }
}
