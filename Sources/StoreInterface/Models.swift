import Foundation

/// Lifecycle state of a stored model. At most one model per store is `active`: the default when no model
/// is named. Saving or activating another model makes the previous active one `inactive`.
public enum ModelStatus: String, Codable, Sendable {
    case active, inactive, archived
}

/// A training run to record with a model.
public struct NewTrainingRun: Sendable {
    public var startedAt: Date
    public var finishedAt: Date
    public var iterations: Int
    public var finalLoss: Double
    /// Cross-validation scores, opaque JSON.
    public var crossValidation: String?
    public init(startedAt: Date, finishedAt: Date, iterations: Int, finalLoss: Double, crossValidation: String? = nil) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.iterations = iterations
        self.finalLoss = finalLoss
        self.crossValidation = crossValidation
    }
}

/// A stored training run.
public struct TrainingRunInfo: Equatable, Sendable {
    public var id: Int64
    public var modelId: Int64
    public var startedAt: Date
    public var finishedAt: Date
    public var durationSeconds: Double
    public var iterations: Int
    public var finalLoss: Double
    public var crossValidation: String?

    public init(id: Int64, modelId: Int64, startedAt: Date, finishedAt: Date, durationSeconds: Double, iterations: Int, finalLoss: Double, crossValidation: String?) {
        self.id = id
        self.modelId = modelId
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationSeconds = durationSeconds
        self.iterations = iterations
        self.finalLoss = finalLoss
        self.crossValidation = crossValidation
    }
}

/// A model to save. Configs, tuning and metrics are opaque JSON text owned by the caller.
public struct NewModel: Sendable {
    public var name: String
    /// Class labels in the order of the tensors' class dimension.
    public var labels: [String]
    public var featureConfig: String
    public var hyperparameters: String
    public var tuning: String?
    public var metrics: String?
    public var temperature: Double
    /// Named tensors, e.g. "weights" [featureCount, classCount], "bias" [classCount], "idf" [featureCount].
    public var tensors: [String: Tensor]
    public var vocabulary: [String]
    /// The model this one was retrained from (lineage).
    public var parentId: Int64?
    /// Corpora it was trained on.
    public var corpusIds: [Int64]
    public var run: NewTrainingRun?
    /// Make it the active model (it also becomes active when no model is active).
    public var activate: Bool

    public init(name: String, labels: [String], featureConfig: String, hyperparameters: String,
                tuning: String? = nil, metrics: String? = nil, temperature: Double = 1,
                tensors: [String: Tensor], vocabulary: [String], parentId: Int64? = nil,
                corpusIds: [Int64] = [], run: NewTrainingRun? = nil, activate: Bool = true) {
        self.name = name
        self.labels = labels
        self.featureConfig = featureConfig
        self.hyperparameters = hyperparameters
        self.tuning = tuning
        self.metrics = metrics
        self.temperature = temperature
        self.tensors = tensors
        self.vocabulary = vocabulary
        self.parentId = parentId
        self.corpusIds = corpusIds
        self.run = run
        self.activate = activate
    }
}

/// A stored model's description (no payloads).
public struct ModelInfo: Equatable, Sendable {
    public var id: Int64
    public var name: String
    public var version: Int
    public var createdAt: Date
    public var parentId: Int64?
    public var labels: [String]
    public var status: ModelStatus
    public var temperature: Double
    /// Metrics summary, opaque JSON.
    public var metrics: String?
    /// Hex SHA-256 over everything needed to predict.
    public var checksum: String
    /// "name@version".
    public var reference: String { "\(name)@\(version)" }

    public init(id: Int64, name: String, version: Int, createdAt: Date, parentId: Int64?, labels: [String], status: ModelStatus, temperature: Double, metrics: String?, checksum: String) {
        self.id = id
        self.name = name
        self.version = version
        self.createdAt = createdAt
        self.parentId = parentId
        self.labels = labels
        self.status = status
        self.temperature = temperature
        self.metrics = metrics
        self.checksum = checksum
    }
}

/// A fully loaded model: everything needed to predict, checksum verified.
public struct StoredModel: Equatable, Sendable {
    public var info: ModelInfo
    public var featureConfig: String
    public var hyperparameters: String
    public var tuning: String?
    public var tensors: [String: Tensor]
    public var vocabulary: [String]
    public var corpusIds: [Int64]
    public var runs: [TrainingRunInfo]

    public init(info: ModelInfo, featureConfig: String, hyperparameters: String, tuning: String?, tensors: [String: Tensor], vocabulary: [String], corpusIds: [Int64], runs: [TrainingRunInfo]) {
        self.info = info
        self.featureConfig = featureConfig
        self.hyperparameters = hyperparameters
        self.tuning = tuning
        self.tensors = tensors
        self.vocabulary = vocabulary
        self.corpusIds = corpusIds
        self.runs = runs
    }
}
