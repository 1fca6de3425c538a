import Foundation

/// An evaluation of a model on a corpus, to store. Metrics and confusion matrix are opaque JSON.
public struct NewEvaluation: Sendable {
    public var modelId: Int64
    public var corpusId: Int64?
    public var metrics: String
    public var confusionMatrix: String
    public init(modelId: Int64, corpusId: Int64?, metrics: String, confusionMatrix: String) {
        self.modelId = modelId
        self.corpusId = corpusId
        self.metrics = metrics
        self.confusionMatrix = confusionMatrix
    }
}

/// A stored evaluation.
public struct EvaluationInfo: Equatable, Sendable {
    public var id: Int64
    public var modelId: Int64
    public var corpusId: Int64?
    public var metrics: String
    public var confusionMatrix: String
    public var createdAt: Date

    public init(id: Int64, modelId: Int64, corpusId: Int64?, metrics: String, confusionMatrix: String, createdAt: Date) {
        self.id = id
        self.modelId = modelId
        self.corpusId = corpusId
        self.metrics = metrics
        self.confusionMatrix = confusionMatrix
        self.createdAt = createdAt
    }
}
