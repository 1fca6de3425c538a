import ClassifierStore
import CorpusIO
import SentimentClassifier
import SoftmaxRegression

/// Texts on their way through prediction: read, predicted, stored, written. Each stage owns the batch in turn.
public final class PredictionBatch: @unchecked Sendable {
    // @unchecked: the pipeline hands a batch from stage to stage (reader → predictor → store → sink); exactly one
    // stage uses it at a time, and each hand-over goes through a lock or a serial queue. For the same reason its
    // fields skip dynamic exclusivity checks, which the output stage would otherwise pay on every row it reads.
    public let texts: [String]
    public let sources: PredictionColumns.Sources
    /// Each row's other input columns, when a file's are kept for output (nil otherwise).
    public let columns: [[CorpusField]]?
    /// Bytes read up to the end of this batch (for progress).
    @exclusivity(unchecked) public internal(set) var bytesRead = 0
    /// `count × labels`, row-major.
    @exclusivity(unchecked) public internal(set) var probabilities: [Float] = []
    @exclusivity(unchecked) public internal(set) var labelIndices: [Int] = []
    @exclusivity(unchecked) public internal(set) var explanations: [Explanation]? = nil
    /// The stored predictions' ids, once stored.
    @exclusivity(unchecked) public internal(set) var ids: [Int64]? = nil

    public init(texts: [String], sources: PredictionColumns.Sources, bytesRead: Int = 0,
                columns: [[CorpusField]]? = nil) {
        self.texts = texts
        self.sources = sources
        self.bytesRead = bytesRead
        self.columns = columns
    }

    public var count: Int { texts.count }

    /// Each row's input line, for rows read from a file (nil otherwise).
    public var lines: [Int]? {
        if case .numbered(_, let numbers) = sources { return numbers }
        return nil
    }

    /// Fills in probabilities, labels and (when asked) explanations.
    func predict(_ classifier: SentimentClassifier, serial: Bool, explain: Bool) {
        // Serial: on this thread only. When storing, the store's writer is the slowest stage and needs a core of its
        // own; predicting on both cores in bursts took turns with it.
        probabilities = classifier.probabilities(texts, parallel: !serial)
        labelIndices = Metrics.argmax(probabilities, classCount: classifier.labels.count)
        if explain { explanations = texts.map { classifier.explain($0) } }
    }
}
