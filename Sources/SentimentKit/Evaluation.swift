import ClassifierStore
import CorpusIO
import Foundation
import SentimentClassifier
import SoftmaxRegression

/// A stored evaluation of one model on one labelled corpus.
public struct EvaluationResult: Sendable {
    public var model: ModelInfo
    /// The stored corpus: the one with this content, which may have been imported earlier from another file.
    public var corpus: CorpusInfo
    /// The file evaluated on, as an absolute path (`<stdin>` for standard input).
    public var file: String
    public var rows: Int
    public var report: ClassificationReport
}

extension SentimentService {
    /// Evaluates a model (the active one when nil) on a labelled corpus file; the corpus and the evaluation are
    /// stored.
    public func evaluate(_ reference: ModelReference?, corpus path: String, reading: CorpusOptions = CorpusOptions()) throws
        -> EvaluationResult {
        let data = try readLabelledCorpus(path, reading)
        let (classifier, info) = try classifier(reference)
        let report = try Self.evaluate(classifier, on: data)
        let corpus = try importCorpus(data)
        try saveEvaluation(report, model: info, corpus: corpus)
        return EvaluationResult(model: info, corpus: corpus, file: corpusNameAndPath(path).sourcePath, rows: data.count,
                                report: report)
    }

    /// Evaluates two models on the same labelled corpus file; both evaluations are stored.
    public func compare(_ a: ModelReference, _ b: ModelReference, corpus path: String,
                        reading: CorpusOptions = CorpusOptions()) throws -> (EvaluationResult, EvaluationResult) {
        let data = try readLabelledCorpus(path, reading)
        let (ca, ia) = try classifier(a)
        let (cb, ib) = try classifier(b)
        let ra = try Self.evaluate(ca, on: data), rb = try Self.evaluate(cb, on: data)
        let corpus = try importCorpus(data)
        try saveEvaluation(ra, model: ia, corpus: corpus)
        try saveEvaluation(rb, model: ib, corpus: corpus)
        let file = corpusNameAndPath(path).sourcePath
        return (EvaluationResult(model: ia, corpus: corpus, file: file, rows: data.count, report: ra),
                EvaluationResult(model: ib, corpus: corpus, file: file, rows: data.count, report: rb))
    }

    /// Stores an evaluation: the report and its confusion matrix as JSON.
    func saveEvaluation(_ report: ClassificationReport, model: ModelInfo, corpus: CorpusInfo) throws {
        _ = try store.saveEvaluation(NewEvaluation(modelId: model.id, corpusId: corpus.id,
                                                   metrics: canonicalJSON(report),
                                                   confusionMatrix: canonicalJSON(report.confusion)))
    }

    /// The report of `classifier` on a labelled corpus; an unknown label is reported with its file and line.
    static func evaluate(_ classifier: SentimentClassifier, on data: Corpus) throws -> ClassificationReport {
        do {
            return try classifier.evaluate(texts: data.texts, labels: data.labels)
        } catch ClassifierError.unknownLabel(let label, let row, let known) {
            let file = data.path == "-" ? "<stdin>" : data.path
            throw SentimentKitError.invalidInput("\(file):\(data.lines[row]): label \"\(label)\" is not one of the model's labels (\(known.joined(separator: ", ")))")
        }
    }
}
