import ClassifierStore

extension SentimentService {
    /// Records the right label of a stored prediction (used by `train` with `includeCorrections`); the prediction
    /// as stored now.
    /// - Throws: `StoreError.predictionNotFound`, `.invalidValue` (not one of its model's labels).
    @discardableResult
    public func correct(prediction id: Int64, label: String) throws -> PredictionInfo {
        try store.correct(predictionId: id, label: label)
        return try store.prediction(id: id)
    }

    /// Stored predictions matching `query` (filters, search, order, paging), streamed to `body` in order.
    public func forEachPrediction(_ query: PredictionQuery, _ body: (PredictionInfo) throws -> Void) throws {
        try store.forEachPrediction(query, body)
    }

    /// Stored predictions matching `query`, in order.
    public func predictions(_ query: PredictionQuery) throws -> [PredictionInfo] {
        try store.predictions(query)
    }

    /// Counts per label, model and correction of the predictions matching `query`.
    public func summary(_ query: PredictionQuery) throws -> PredictionSummary {
        try store.summary(query)
    }
}
