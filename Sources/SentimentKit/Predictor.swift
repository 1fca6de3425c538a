import ClassifierStore
import CorpusIO
import Foundation
import SentimentClassifier
import Synchronization

/// Receives predicted batches in input order, on one thread at a time (a front end's output: a CLI writer, an
/// HTTP response, a collector).
public protocol PredictionSink: AnyObject {
    func write(_ batch: PredictionBatch)
}

/// Collects predicted batches in memory (for small requests and tests).
public final class CollectedPredictions: PredictionSink, Sendable {
    private let collected = Mutex<[PredictionBatch]>([])
    public init() {}
    public var batches: [PredictionBatch] { collected.withLock { $0 } }
    public func write(_ batch: PredictionBatch) { collected.withLock { $0.append(batch) } }
}

/// One model, loaded, predicting texts or whole files and storing what it predicts.
///
/// Three threads overlap on a file: a reader parses the next batches, the calling thread predicts (on all cores
/// when not storing), and the predictions of earlier batches are stored and then handed to the sink, in order,
/// on background queues. A batch is stored in one transaction: whole or not at all.
public final class Predictor: Sendable {
    public let classifier: SentimentClassifier
    public let model: ModelInfo
    public let storing: Bool
    public let explain: Bool
    /// Texts per batch (and per store transaction).
    public let batchSize: Int
    private let store: any SentimentStoring

    init(store: any SentimentStoring, classifier: SentimentClassifier, model: ModelInfo, storing: Bool, explain: Bool,
         batchSize: Int) {
        self.store = store
        self.classifier = classifier
        self.model = model
        self.storing = storing
        self.explain = explain
        self.batchSize = max(1, batchSize)
    }

    public var labels: [String] { classifier.labels }

    /// Attempts to store one batch while another process holds the store (each waits the store's busy timeout,
    /// 5 s on SQLite): a minute in all.
    static let busyAttempts = 12

    /// Predicts `texts` (one batch; `source` is stored with each).
    public func predict(_ texts: [String], source: String, into sink: PredictionSink) throws {
        try run(sink) { process in
            try process(PredictionBatch(texts: texts, sources: .constant(source)))
        }
    }

    /// Predicts every record of `reader` in batches; `progress` gets the bytes read so far after each batch.
    ///
    /// A row with a problem of its own (an empty text or blank line, a wrong number of fields, …): with
    /// `skipInvalid` it goes to `invalidRow` (on the reader's thread, in file order) and is left out; otherwise it
    /// stops the run with a `PredictionInputError` once the rows before it were predicted, stored and handed to the
    /// sink. So is any other reader error. `isCancelled` (asked after each batch) stops it with `CancellationError`
    /// once the batches before were stored and handed to the sink.
    @discardableResult
    public func predict(_ reader: CorpusReader, into sink: PredictionSink, skipInvalid: Bool = false,
                        invalidRow: @escaping @Sendable (CorpusError) -> Void = { _ in },
                        progress: (Int) -> Void = { _ in },
                        isCancelled: () -> Bool = { false }) throws -> FilePrediction {
        let name = reader.path == "-" ? "stdin" : reader.path
        // Storing a file's predictions is many transactions in a row: the WAL is checkpointed on a thread of its
        // own meanwhile, not inside the store thread's commits.
        func checkpointing(_ body: () throws -> Void) throws {
            if storing { try store.withBulkWrites(body) } else { try body() }
        }
        var rows = 0
        var skipped = 0
        do {
            try checkpointing {
                try run(sink) { process in
                    let batches = BatchReader(reader, sourcePrefix: name + ":", batchSize: batchSize,
                                              skipInvalid: skipInvalid, invalidRow: invalidRow)
                    defer { batches.cancel() }
                    defer { skipped = batches.skipped }
                    while let batch = try batches.next() {
                        try process(batch)
                        rows += batch.count
                        progress(batch.bytesRead)
                        if isCancelled() { throw CancellationError() }
                    }
                }
            }
        } catch let e as BatchReader.InputError {
            throw PredictionInputError(error: e.error, rowsBefore: rows, stored: storing, rowLevel: e.rowLevel)
        }
        return FilePrediction(rows: rows, skipped: skipped)
    }

    /// Sets up the pipeline's stages, feeds it through `body` and waits for every stage; the first error of the
    /// input or of a stage is thrown once the work before it is done.
    private func run(_ sink: PredictionSink, _ body: ((PredictionBatch) throws -> Void) throws -> Void) throws {
        let failure = PipelineFailure()
        let output = OrderedPipeline(label: "sentiment.predict.output", failure: failure)
        let storage = storing ? OrderedPipeline(label: "sentiment.predict.store", failure: failure) : nil
        let sinkBox = SinkBox(sink)
        let (classifier, store, modelId, explain) = (self.classifier, self.store, model.id, self.explain)
        func process(_ batch: PredictionBatch) throws {
            guard batch.count > 0 else { return }
            batch.predict(classifier, serial: storage != nil, explain: explain)
            guard let storage else {
                try output.submit { sinkBox.sink.write(batch) }
                return
            }
            try storage.submit {
                let columns = PredictionColumns(modelId: modelId, texts: batch.texts, labelIndices: batch.labelIndices,
                                                probabilities: batch.probabilities, sources: batch.sources)
                // Each attempt waits the store's busy timeout for the write lock; a long file outlasts another
                // process's write instead of stopping halfway.
                batch.ids = try store.insertPredictions(columns, attempts: Self.busyAttempts)
                try output.submit { sinkBox.sink.write(batch) }
            }
        }
        let input = Result { try body(process) }
        storage?.drain()
        output.drain()
        // A stage's failure first: the rows an input error would count as done may not all have been.
        if let error = failure.current { throw error }
        try input.get()
    }
}

/// What predicting a file did.
public struct FilePrediction: Sendable, Equatable {
    /// Rows predicted, handed to the sink and (when storing) stored.
    public var rows: Int
    /// Rows left out as invalid (`skipInvalid`).
    public var skipped: Int
}

/// A file's input failed part-way. The rows before the failure were predicted, handed to the sink and, when
/// storing, stored: a second run stores them again.
public struct PredictionInputError: Error, CustomStringConvertible {
    /// The reader's error (a `CorpusError` for bad data).
    public var error: any Error
    /// Rows predicted (and stored when `stored`) before it.
    public var rowsBefore: Int
    public var stored: Bool
    /// Whether it was one row's problem, which skipping invalid rows would have left out.
    public var rowLevel: Bool

    public var description: String {
        "\(error); \(rowsBefore) row\(rowsBefore == 1 ? "" : "s") before it \(rowsBefore == 1 ? "was" : "were") "
            + (stored ? "stored" : "predicted")
    }
}

/// The sink, handed to the output queue. @unchecked: a sink need not be Sendable, and the serial output queue
/// calls it from one thread at a time, in order.
private final class SinkBox: @unchecked Sendable {
    let sink: PredictionSink
    init(_ sink: PredictionSink) { self.sink = sink }
}

extension SentimentService {
    /// A predictor for the named model (the active one when nil); files are read, predicted and stored in batches of
    /// `batchSize` texts (one transaction each).
    public func predictor(_ reference: ModelReference?, storing: Bool = true, explain: Bool = false,
                          batchSize: Int = 10_000) throws -> Predictor {
        try AddressSpace.reserve(AddressSpace.baseNeed, for: "predicting")
        let (classifier, info) = try classifier(reference)
        return Predictor(store: store, classifier: classifier, model: info, storing: storing, explain: explain,
                         batchSize: batchSize)
    }
}
