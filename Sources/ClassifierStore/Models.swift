import Foundation
import StoreInterface
import GRDB

extension SentimentStore {
    /// Saves a model with its tensors, vocabulary, corpus links and training run in one transaction, assigning
    /// the next version for its name (versions are never reused). It becomes active if `activate` is set or no
    /// model is active.
    /// - Throws: `StoreError.invalidValue` (bad name, labels, shapes, unknown corpus or parent).
    public func saveModel(_ model: NewModel) throws -> ModelInfo {
        try saveModel(model, importing: []).model
    }

    /// Imports `corpora` (content already stored is found, not duplicated; a taken name gets `NAME-2`…) and saves
    /// the model trained on them — with their ids added to `model.corpusIds` — in one transaction: both or
    /// neither.
    public func saveModel(_ model: NewModel, importing corpora: [NewCorpus]) throws -> (model: ModelInfo, corpora: [CorpusInfo]) {
        try Self.validate(name: model.name, labels: model.labels, temperature: model.temperature)
        let payloads = try ModelContent.payloads(tensors: model.tensors, vocabulary: model.vocabulary)
        let content = ModelContent(labels: model.labels, featureConfig: model.featureConfig,
                                   hyperparameters: model.hyperparameters, temperature: model.temperature,
                                   payloads: payloads)
        return try write { db in try Self.withSmallPageCache(db) {
            let session = CorpusImportSession(db: db)
            let imported = try corpora.map { try session.importCorpus($0, renamingIfTaken: true) }
            let version = try Self.nextVersion(db, name: model.name, requested: nil)
            let info = try Self.insertModel(db, name: model.name, version: version, content: content,
                                            tuning: model.tuning, metrics: model.metrics, parentId: model.parentId,
                                            activate: model.activate)
            for corpusId in Set(model.corpusIds + imported.map(\.id)).sorted() {
                do {
                    try db.execute(sql: "INSERT INTO model_corpus (modelId, corpusId) VALUES (?, ?)",
                                   arguments: [info.id, corpusId])
                } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
                    throw StoreError.invalidValue("unknown corpus id \(corpusId)")
                }
            }
            if let run = model.run {
                _ = try Self.insertRun(db, modelId: info.id, run: run)
            }
            return (info, imported)
        }}
    }

    package static func validate(name: String, labels: [String], temperature: Double) throws {
        if let problem = ModelName.problem(name) {
            throw StoreError.invalidValue("model name \"\(name)\" \(problem)")
        }
        guard !labels.isEmpty, Set(labels).count == labels.count, !labels.contains("") else {
            throw StoreError.invalidValue("model labels must be non-empty and unique: \(labels)")
        }
        // Stored predictions keep their label as a 16-bit index (`PredictionBlocks`).
        guard labels.count <= Int(UInt16.max) else {
            throw StoreError.invalidValue("a model has at most \(UInt16.max) labels, got \(labels.count)")
        }
        guard temperature.isFinite, temperature > 0 else {
            throw StoreError.invalidValue("temperature must be a positive number, got \(temperature)")
        }
    }

    /// Next version for `name` (deleted models keep a tombstone, so versions are never reused);
    /// `requested` is kept when it is higher than every version used for the name.
    static func nextVersion(_ db: Database, name: String, requested: Int?) throws -> Int {
        let last = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM model WHERE name = ?", arguments: [name]) ?? 0
        guard let next = ModelName.nextVersion(after: last, requested: requested) else {
            throw StoreError.invalidValue("model \"\(name)\" has used every version up to \(ModelName.maxVersion); choose another name")
        }
        return next
    }

    static func insertModel(_ db: Database, name: String, version: Int, content: ModelContent, tuning: String?,
                            metrics: String?, parentId: Int64?, activate: Bool) throws -> ModelInfo {
        if let parentId, try Bool.fetchOne(db, sql: "SELECT 1 FROM model WHERE id = ? AND status <> 'deleted'",
                                           arguments: [parentId]) == nil {
            throw StoreError.invalidValue("unknown parent model id \(parentId)")
        }
        let hasActive = try Bool.fetchOne(db, sql: "SELECT 1 FROM model WHERE status = 'active'") != nil
        let status: ModelStatus = (activate || !hasActive) ? .active : .inactive
        if status == .active {
            try db.execute(sql: "UPDATE model SET status = 'inactive' WHERE status = 'active'")
        }
        let now = Clock.now()
        let checksum = content.checksum
        try db.execute(sql: """
            INSERT INTO model (name, version, createdAt, parentId, labels, featureConfig, hyperparameters, tuning,
                               metrics, temperature, status, checksum)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [name, version, Clock.seconds(now), parentId, JSONText.encode(content.labels),
                             content.featureConfig, content.hyperparameters, tuning, metrics, content.temperature,
                             status.rawValue, checksum])
        let id = db.lastInsertedRowID
        let statement = try db.cachedStatement(
            sql: "INSERT INTO model_payload (modelId, name, kind, shape, data) VALUES (?, ?, ?, ?, ?)")
        for p in content.payloads {
            try statement.execute(arguments: [id, p.name, p.kind, PayloadCodec.shapeText(p.shape), Data(p.data)])
        }
        return ModelInfo(id: id, name: name, version: version, createdAt: now, parentId: parentId,
                         labels: content.labels, status: status, temperature: content.temperature, metrics: metrics,
                         checksum: checksum)
    }

    static func insertRun(_ db: Database, modelId: Int64, run: NewTrainingRun) throws -> TrainingRunInfo {
        let duration = run.finishedAt.timeIntervalSince(run.startedAt)
        try db.execute(sql: """
            INSERT INTO training_run (modelId, startedAt, finishedAt, durationSeconds, iterations, finalLoss, crossValidation)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [modelId, Clock.seconds(run.startedAt), Clock.seconds(run.finishedAt), duration,
                             run.iterations, run.finalLoss, run.crossValidation])
        return TrainingRunInfo(id: db.lastInsertedRowID, modelId: modelId, startedAt: Clock.normalized(run.startedAt),
                               finishedAt: Clock.normalized(run.finishedAt), durationSeconds: duration, iterations: run.iterations,
                               finalLoss: run.finalLoss, crossValidation: run.crossValidation)
    }

    /// Records another training run for an existing model.
    public func saveTrainingRun(modelId: Int64, run: NewTrainingRun) throws -> TrainingRunInfo {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM model WHERE id = ? AND status <> 'deleted'",
                                    arguments: [modelId]) != nil else {
                throw StoreError.modelNotFound("#\(modelId)")
            }
            return try Self.insertRun(db, modelId: modelId, run: run)
        }
    }

    /// A model's training runs, oldest first.
    public func trainingRuns(modelId: Int64) throws -> [TrainingRunInfo] {
        try read { db in try Self.runs(db, modelId: modelId) }
    }

    static func runs(_ db: Database, modelId: Int64) throws -> [TrainingRunInfo] {
        try Row.fetchAll(db, sql: "SELECT * FROM training_run WHERE modelId = ? ORDER BY id", arguments: [modelId]).map {
            TrainingRunInfo(id: $0["id"], modelId: $0["modelId"], startedAt: Clock.date($0["startedAt"]),
                            finishedAt: Clock.date($0["finishedAt"]), durationSeconds: $0["durationSeconds"],
                            iterations: $0["iterations"], finalLoss: $0["finalLoss"],
                            crossValidation: $0["crossValidation"])
        }
    }

    /// All models, by name then version.
    public func models() throws -> [ModelInfo] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM model WHERE status <> 'deleted' ORDER BY name, version")
                .map(Self.modelInfo)
        }
    }

    /// Loads a model by name and version (the latest version when nil), verifying its checksum.
    /// - Throws: `StoreError.modelNotFound`, `.checksumMismatch`.
    public func loadModel(name: String, version: Int? = nil) throws -> StoredModel {
        try read { db in
            let info = try Self.findModel(db, name: name, version: version)
            return try Self.loadPayloads(db, info: info)
        }
    }

    /// Loads the active model (checksum verified), or nil when no model is active.
    public func loadActiveModel() throws -> StoredModel? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM model WHERE status = 'active'") else { return nil }
            return try Self.loadPayloads(db, info: Self.modelInfo(row))
        }
    }

    /// The active model's description, or nil.
    public func activeModel() throws -> ModelInfo? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM model WHERE status = 'active'").map(Self.modelInfo)
        }
    }

    /// A model's description by name and version (latest when nil).
    public func modelInfo(name: String, version: Int? = nil) throws -> ModelInfo {
        try read { db in try Self.findModel(db, name: name, version: version) }
    }

    /// A model's description by database id.
    public func modelInfo(id: Int64) throws -> ModelInfo {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM model WHERE id = ? AND status <> 'deleted'",
                                             arguments: [id]) else {
                throw StoreError.modelNotFound("#\(id)")
            }
            return try Self.modelInfo(row)
        }
    }

    /// Makes a model the active one (the previously active model becomes inactive; an archived one is revived).
    @discardableResult
    public func activate(name: String, version: Int? = nil) throws -> ModelInfo {
        try write { db in
            var info = try Self.findModel(db, name: name, version: version)
            try db.execute(sql: "UPDATE model SET status = 'inactive' WHERE status = 'active' AND id <> ?", arguments: [info.id])
            try db.execute(sql: "UPDATE model SET status = 'active' WHERE id = ?", arguments: [info.id])
            info.status = .active
            return info
        }
    }

    /// Archives a model. Archiving the active model leaves the store without an active model.
    @discardableResult
    public func archive(name: String, version: Int? = nil) throws -> ModelInfo {
        try write { db in
            var info = try Self.findModel(db, name: name, version: version)
            try db.execute(sql: "UPDATE model SET status = 'archived' WHERE id = ?", arguments: [info.id])
            info.status = .archived
            return info
        }
    }

    /// Deletes a model: its payloads, training runs, evaluations and corpus links are removed and it can no
    /// longer be loaded, listed or used.
    ///
    /// Its predictions are KEPT by default (they are the user's data and corrections): a small tombstone row
    /// keeps the model's name, version and labels for them, so they stay queryable by `name@version` and
    /// correctable. Pass `deletePredictions: true` to delete them too. Versions of a deleted model are never
    /// reused for that name. Returns the number of predictions deleted.
    @discardableResult
    public func delete(name: String, version: Int?, deletePredictions: Bool = false) throws -> Int {
        try write { db in
            let info = try Self.findModel(db, name: name, version: version)
            var deleted = 0
            if deletePredictions {
                try db.execute(sql: "DELETE FROM prediction WHERE modelId = ?", arguments: [info.id])
                deleted = db.changesCount
                // Blocks hold one model's rows each.
                try db.execute(sql: "DELETE FROM prediction_block WHERE modelId = ?", arguments: [info.id])
            }
            for table in ["model_payload", "model_corpus", "training_run", "evaluation"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE modelId = ?", arguments: [info.id])
            }
            try db.execute(sql: """
                UPDATE model SET status = 'deleted', featureConfig = '', hyperparameters = '', tuning = NULL,
                                 metrics = NULL, checksum = '' WHERE id = ?
                """, arguments: [info.id])
            return deleted
        }
    }

    static func findModel(_ db: Database, name: String, version: Int?) throws -> ModelInfo {
        let row: Row?
        if let version {
            row = try Row.fetchOne(db, sql: "SELECT * FROM model WHERE name = ? AND version = ? AND status <> 'deleted'",
                                   arguments: [name, version])
        } else {
            row = try Row.fetchOne(db, sql: """
                SELECT * FROM model WHERE name = ? AND status <> 'deleted' ORDER BY version DESC LIMIT 1
                """, arguments: [name])
        }
        guard let row else { throw StoreError.modelNotFound(version.map { "\(name)@\($0)" } ?? name) }
        return try modelInfo(row)
    }

    static func modelInfo(_ row: Row) throws -> ModelInfo {
        let statusText: String = try row.value("status", table: "model")
        return ModelInfo(id: try row.value("id", table: "model"), name: try row.value("name", table: "model"), version: try row.value("version", table: "model"),
                         createdAt: Clock.date(try row.value("createdAt", table: "model")), parentId: try row.value("parentId", table: "model"),
                         labels: try JSONText.decode([String].self, try row.value("labels", table: "model"), what: "labels"),
                         status: ModelStatus(rawValue: statusText) ?? .archived, temperature: try row.value("temperature", table: "model"),
                         metrics: try row.value("metrics", table: "model"), checksum: try row.value("checksum", table: "model"))
    }

    static func encodedPayloads(_ db: Database, modelId: Int64, reference: String) throws -> [EncodedPayload] {
        try Row.fetchAll(db, sql: "SELECT name, kind, shape, data FROM model_payload WHERE modelId = ? ORDER BY name",
                         arguments: [modelId]).map { row in
            let shapeText: String = try row.value("shape", table: "model_payload")
            guard let shape = PayloadCodec.parseShape(shapeText) else { throw StoreError.checksumMismatch(model: reference) }
            let data: Data = try row.value("data", table: "model_payload") ?? Data()
            return EncodedPayload(name: try row.value("name", table: "model_payload"), kind: try row.value("kind", table: "model_payload"), shape: shape, data: [UInt8](data))
        }
    }

    static func content(_ db: Database, info: ModelInfo) throws -> (ModelContent, featureConfig: String, hyper: String, tuning: String?) {
        guard let row = try Row.fetchOne(db, sql: "SELECT featureConfig, hyperparameters, tuning FROM model WHERE id = ?",
                                         arguments: [info.id]) else { throw StoreError.modelNotFound(info.reference) }
        let payloads = try encodedPayloads(db, modelId: info.id, reference: info.reference)
        let content = ModelContent(labels: info.labels, featureConfig: try row.value("featureConfig", table: "model"),
                                   hyperparameters: try row.value("hyperparameters", table: "model"), temperature: info.temperature,
                                   payloads: payloads)
        guard content.checksum == info.checksum else { throw StoreError.checksumMismatch(model: info.reference) }
        return (content, try row.value("featureConfig", table: "model"), try row.value("hyperparameters", table: "model"), try row.value("tuning", table: "model"))
    }

    static func loadPayloads(_ db: Database, info: ModelInfo) throws -> StoredModel {
        let (content, featureConfig, hyper, tuning) = try content(db, info: info)
        guard let decoded = ModelContent.decode(content.payloads) else {
            throw StoreError.checksumMismatch(model: info.reference)
        }
        let corpusIds = try Int64.fetchAll(db, sql: "SELECT corpusId FROM model_corpus WHERE modelId = ? ORDER BY corpusId",
                                           arguments: [info.id])
        return StoredModel(info: info, featureConfig: featureConfig, hyperparameters: hyper, tuning: tuning,
                           tensors: decoded.tensors, vocabulary: decoded.vocabulary, corpusIds: corpusIds,
                           runs: try runs(db, modelId: info.id))
    }
}
