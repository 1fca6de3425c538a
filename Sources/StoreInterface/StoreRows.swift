import Foundation

/// Every row of a store as stored, for copying a whole store between backends (`sentiment store copy`): ids,
/// timestamps (seconds since 1970), versions, statuses (deleted models' tombstones included), payload bytes and
/// checksums exactly as they are, so the copy answers every query as the original does.
public enum StoreRows {
    public struct Corpus: Equatable, Sendable {
        public var id: Int64
        public var name: String
        public var sourcePath: String
        public var format: String
        public var sha256: String
        public var rowCount: Int
        /// JSON object, as stored.
        public var labelCounts: String
        public var importedAt: Double
        public init(id: Int64, name: String, sourcePath: String, format: String, sha256: String, rowCount: Int,
                    labelCounts: String, importedAt: Double) {
            self.id = id; self.name = name; self.sourcePath = sourcePath; self.format = format; self.sha256 = sha256
            self.rowCount = rowCount; self.labelCounts = labelCounts; self.importedAt = importedAt
        }
    }

    public struct Document: Equatable, Sendable {
        public var id: Int64
        public var corpusId: Int64
        public var line: Int
        public var text: String
        public var label: String
        public init(id: Int64, corpusId: Int64, line: Int, text: String, label: String) {
            self.id = id; self.corpusId = corpusId; self.line = line; self.text = text; self.label = label
        }
    }

    /// One named payload of a model (a Float32 tensor or a string list) in its portable encoding.
    public struct Payload: Equatable, Sendable {
        public var name: String
        public var kind: String
        public var shape: String
        public var data: [UInt8]
        public init(name: String, kind: String, shape: String, data: [UInt8]) {
            self.name = name; self.kind = kind; self.shape = shape; self.data = data
        }
    }

    public struct Model: Equatable, Sendable {
        public var id: Int64
        public var name: String
        public var version: Int
        public var createdAt: Double
        public var parentId: Int64?
        public var labels: [String]
        public var featureConfig: String
        public var hyperparameters: String
        public var tuning: String?
        public var metrics: String?
        public var temperature: Double
        /// "active", "inactive", "archived" or "deleted" (a tombstone without payloads).
        public var status: String
        public var checksum: String
        /// By name.
        public var payloads: [Payload]
        /// Ascending.
        public var corpusIds: [Int64]
        public init(id: Int64, name: String, version: Int, createdAt: Double, parentId: Int64?, labels: [String],
                    featureConfig: String, hyperparameters: String, tuning: String?, metrics: String?,
                    temperature: Double, status: String, checksum: String, payloads: [Payload], corpusIds: [Int64]) {
            self.id = id; self.name = name; self.version = version; self.createdAt = createdAt; self.parentId = parentId
            self.labels = labels; self.featureConfig = featureConfig; self.hyperparameters = hyperparameters
            self.tuning = tuning; self.metrics = metrics; self.temperature = temperature; self.status = status
            self.checksum = checksum; self.payloads = payloads; self.corpusIds = corpusIds
        }
    }

    public struct TrainingRun: Equatable, Sendable {
        public var id: Int64
        public var modelId: Int64
        public var startedAt: Double
        public var finishedAt: Double
        public var durationSeconds: Double
        public var iterations: Int
        public var finalLoss: Double
        public var crossValidation: String?
        public init(id: Int64, modelId: Int64, startedAt: Double, finishedAt: Double, durationSeconds: Double,
                    iterations: Int, finalLoss: Double, crossValidation: String?) {
            self.id = id; self.modelId = modelId; self.startedAt = startedAt; self.finishedAt = finishedAt
            self.durationSeconds = durationSeconds; self.iterations = iterations; self.finalLoss = finalLoss
            self.crossValidation = crossValidation
        }
    }

    public struct Evaluation: Equatable, Sendable {
        public var id: Int64
        public var modelId: Int64
        public var corpusId: Int64?
        public var metrics: String
        public var confusionMatrix: String
        public var createdAt: Double
        public init(id: Int64, modelId: Int64, corpusId: Int64?, metrics: String, confusionMatrix: String, createdAt: Double) {
            self.id = id; self.modelId = modelId; self.corpusId = corpusId; self.metrics = metrics
            self.confusionMatrix = confusionMatrix; self.createdAt = createdAt
        }
    }

    public struct Prediction: Equatable, Sendable {
        public var id: Int64
        public var modelId: Int64
        public var text: String
        public var label: String
        public var confidence: Double
        /// One per label of the model, in its order (Float32 as stored; NaN: the stored row has none for it).
        public var probabilities: [Float]
        public var source: String
        public var createdAt: Double
        public var correctedLabel: String?
        public var correctedAt: Double?
        public init(id: Int64, modelId: Int64, text: String, label: String, confidence: Double, probabilities: [Float],
                    source: String, createdAt: Double, correctedLabel: String?, correctedAt: Double?) {
            self.id = id; self.modelId = modelId; self.text = text; self.label = label; self.confidence = confidence
            self.probabilities = probabilities; self.source = source; self.createdAt = createdAt
            self.correctedLabel = correctedLabel; self.correctedAt = correctedAt
        }
    }

    /// A batch of rows of one table. `StoreCopying.readRows` sends them in this order (each table in id order):
    /// corpora, documents, models, training runs, evaluations, predictions.
    public enum Batch: Sendable {
        case corpora([Corpus])
        case documents([Document])
        case models([Model])
        case trainingRuns([TrainingRun])
        case evaluations([Evaluation])
        case predictions([Prediction])

        public var count: Int {
            switch self {
            case .corpora(let r): return r.count
            case .documents(let r): return r.count
            case .models(let r): return r.count
            case .trainingRuns(let r): return r.count
            case .evaluations(let r): return r.count
            case .predictions(let r): return r.count
            }
        }
    }
}

/// Reading and writing a whole store row by row, with ids kept: what `sentiment store copy` needs of a backend.
public protocol StoreCopying {
    /// Whether the store has no row at all (corpora, models including deleted models' tombstones, predictions).
    func isEmptyForCopy() throws -> Bool
    /// Every row, read from one snapshot, in batches of at most `batchSize` documents or predictions (memory does
    /// not grow with the store), in `StoreRows.Batch`'s order.
    func readRows(batchSize: Int, _ body: (StoreRows.Batch) throws -> Void) throws
    /// Writes the batches `body` hands over (in `readRows`' order) with their ids into this store, which must be
    /// empty, in one transaction: all of them or, when anything throws, none. Derived data (search index, counters,
    /// id sequences) is brought up to date before it commits.
    func writeRows(_ body: ((StoreRows.Batch) throws -> Void) throws -> Void) throws
}
