import Foundation

/// A prediction to store.
public struct NewPrediction: Sendable {
    /// The model that made it (its name and version are copied with the prediction).
    public var modelId: Int64
    public var text: String
    /// Predicted label; must be one of the model's labels.
    public var label: String
    public var confidence: Double
    /// Probability of every label, in the order of the model's `labels` (stored with Float32 precision).
    public var probabilities: [Double]
    /// Where the text came from, e.g. "file.csv:12", "argv", "stdin:5", "api".
    public var source: String
    /// Defaults to the time of insertion.
    public var createdAt: Date?

    public init(modelId: Int64, text: String, label: String, confidence: Double, probabilities: [Double],
                source: String, createdAt: Date? = nil) {
        self.modelId = modelId
        self.text = text
        self.label = label
        self.confidence = confidence
        self.probabilities = probabilities
        self.source = source
        self.createdAt = createdAt
    }
}

/// A stored prediction.
public struct PredictionInfo: Equatable, Sendable {
    public var id: Int64
    public var modelId: Int64
    public var modelName: String
    public var modelVersion: Int
    public var text: String
    public var label: String
    public var confidence: Double
    public var probabilities: [String: Double]
    public var source: String
    public var createdAt: Date
    public var correctedLabel: String?
    public var correctedAt: Date?
    /// "name@version" of the model.
    public var modelReference: String { "\(modelName)@\(modelVersion)" }

    public init(id: Int64, modelId: Int64, modelName: String, modelVersion: Int, text: String, label: String, confidence: Double, probabilities: [String: Double], source: String, createdAt: Date, correctedLabel: String?, correctedAt: Date?) {
        self.id = id
        self.modelId = modelId
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.text = text
        self.label = label
        self.confidence = confidence
        self.probabilities = probabilities
        self.source = source
        self.createdAt = createdAt
        self.correctedLabel = correctedLabel
        self.correctedAt = correctedAt
    }
}

/// Filters, order and paging for prediction queries. Every value is bound as an SQL parameter.
public struct PredictionQuery: Sendable {
    public enum Order: String, Sendable, CaseIterable {
        case newest, oldest, confidenceDescending, confidenceAscending
    }
    public var modelName: String?
    /// Only with `modelName`.
    public var modelVersion: Int?
    /// Predicted label.
    public var label: String?
    /// Inclusive bounds.
    public var minConfidence: Double?
    public var maxConfidence: Double?
    /// Inclusive lower bound on `createdAt`.
    public var createdFrom: Date?
    /// Exclusive upper bound on `createdAt`.
    public var createdBefore: Date?
    /// Full-text search over the text. As `.words` (the default): every word must occur, punctuation splits words
    /// as the index does (`S&P 500`, `Q3-2024`, `U.S.`, `Nokia's` all work), and a "quoted phrase" stays a phrase.
    /// As `.fts5`: SQLite's FTS5 query syntax (`profit AND NOT loss`, `bank*`, `NEAR(...)`).
    public var search: String?
    public var searchSyntax: SearchSyntax = .words

    public enum SearchSyntax: String, Sendable, CaseIterable {
        case words, fts5
    }
    /// true: only corrected, false: only uncorrected, nil: both.
    public var corrected: Bool?
    /// Only predictions with an id up to this: pages of one snapshot stay the same while more are stored (a
    /// paging cursor carries it).
    public var maxId: Int64?
    public var order: Order
    public var limit: Int?
    public var offset: Int
    /// false: the backend answers from its plain table even where a faster structure could (tests compare the two).
    public var allowsBlocks = true

    public init(modelName: String? = nil, modelVersion: Int? = nil, label: String? = nil,
                minConfidence: Double? = nil, maxConfidence: Double? = nil, createdFrom: Date? = nil,
                createdBefore: Date? = nil, search: String? = nil, corrected: Bool? = nil,
                order: Order = .newest, limit: Int? = nil, offset: Int = 0) {
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.label = label
        self.minConfidence = minConfidence
        self.maxConfidence = maxConfidence
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
        self.search = search
        self.corrected = corrected
        self.order = order
        self.limit = limit
        self.offset = offset
    }
}

/// Counts of the predictions matching a query (order, limit and offset are ignored).
public struct PredictionSummary: Equatable, Sendable {
    public var total: Int
    /// Per predicted label.
    public var byLabel: [String: Int]
    /// Per model, keyed "name@version".
    public var byModel: [String: Int]
    public var corrected: Int
    public var uncorrected: Int
    /// Per corrected label (corrected predictions only).
    public var byCorrectedLabel: [String: Int]

    public init(total: Int, byLabel: [String: Int], byModel: [String: Int], corrected: Int, uncorrected: Int, byCorrectedLabel: [String: Int]) {
        self.total = total
        self.byLabel = byLabel
        self.byModel = byModel
        self.corrected = corrected
        self.uncorrected = uncorrected
        self.byCorrectedLabel = byCorrectedLabel
    }
}

/// Predictions of one UTC day (`YYYY-MM-DD`) per predicted label.
public struct DailyCount: Equatable, Sendable {
    public var day: String
    public var byLabel: [String: Int]
    public init(day: String, byLabel: [String: Int]) {
        self.day = day
        self.byLabel = byLabel
    }
}
