import Foundation

/// Row counts of a store.
public struct StoreStatistics: Equatable, Sendable {
    public var corpora: Int
    public var documents: Int
    public var models: Int
    public var predictions: Int
    public var correctedPredictions: Int
    public var schemaVersion: Int

    public init(corpora: Int, documents: Int, models: Int, predictions: Int, correctedPredictions: Int, schemaVersion: Int) {
        self.corpora = corpora
        self.documents = documents
        self.models = models
        self.predictions = predictions
        self.correctedPredictions = correctedPredictions
        self.schemaVersion = schemaVersion
    }
}
