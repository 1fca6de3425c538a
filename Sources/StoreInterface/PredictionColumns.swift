import Foundation

/// A batch of predictions of one model held in columns, for bulk inserts with no per-row objects: the texts, each
/// row's label as an index into the model's labels, and every probability in one row-major array. The confidence
/// stored with a row is the probability of its label.
///
///     let columns = PredictionColumns(modelId: model.id, texts: texts, labelIndices: best,
///                                     probabilities: p, sources: .numbered(prefix: "news.csv:", numbers: lines))
///     let ids = try store.insertPredictions(columns)
public struct PredictionColumns: Sendable {
    /// Where each row's text came from.
    public enum Sources: Sendable, Equatable {
        /// Every row has this source, e.g. "argv" or "api".
        case constant(String)
        /// Row `i` has `prefix` followed by `numbers[i]` in decimal, e.g. "news.csv:" and the line numbers.
        case numbered(prefix: String, numbers: [Int])
        /// One source per row.
        case each([String])
    }

    /// The model that made the predictions (its name and version are copied with them).
    public var modelId: Int64
    public var texts: [String]
    /// Each row's label: an index into the model's labels.
    public var labelIndices: [Int]
    /// `texts.count × labels.count`, row-major, in the order of the model's labels.
    public var probabilities: [Float]
    public var sources: Sources
    /// Defaults to the time of insertion.
    public var createdAt: Date?

    public init(modelId: Int64, texts: [String], labelIndices: [Int], probabilities: [Float], sources: Sources,
                createdAt: Date? = nil) {
        self.modelId = modelId
        self.texts = texts
        self.labelIndices = labelIndices
        self.probabilities = probabilities
        self.sources = sources
        self.createdAt = createdAt
    }

    public var count: Int { texts.count }
}
