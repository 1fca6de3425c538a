import ClassifierStore
import Foundation
import PostgresNIO
import StoreInterface

extension PostgresStore {
    static let modelColumns = "id, name, version, created_at, parent_id, labels, status, temperature, metrics, checksum"

    public func saveModel(_ model: NewModel) throws -> ModelInfo {
        try saveModel(model, importing: []).model
    }

    public func saveModel(_ model: NewModel, importing corpora: [NewCorpus]) throws -> (model: ModelInfo, corpora: [CorpusInfo]) {
        try SentimentStore.validate(name: model.name, labels: model.labels, temperature: model.temperature)
        let payloads = try ModelContent.payloads(tensors: model.tensors, vocabulary: model.vocabulary)
        let content = ModelContent(labels: model.labels, featureConfig: model.featureConfig,
                                   hyperparameters: model.hyperparameters, temperature: model.temperature,
                                   payloads: payloads)
        return try transaction { session in
            let importer = PostgresCorpusImporter(session: session)
            let imported = try corpora.map { try importer.importCorpus($0, renamingIfTaken: true) }
            let version = try Self.nextVersion(session, name: model.name, requested: nil)
            let info = try Self.insertModel(session, name: model.name, version: version, content: content,
                                            tuning: model.tuning, metrics: model.metrics, parentId: model.parentId,
                                            activate: model.activate)
            for corpusId in Set(model.corpusIds + imported.map(\.id)).sorted() {
                guard try session.row("SELECT 1 FROM corpus WHERE id = $1", binds(corpusId)) != nil else {
                    throw StoreError.invalidValue("unknown corpus id \(corpusId)")
                }
                try session.execute("INSERT INTO model_corpus (model_id, corpus_id) VALUES ($1, $2)", binds(info.id, corpusId))
            }
            if let run = model.run { try Self.insertRun(session, modelId: info.id, run: run) }
            return (info, imported)
        }
    }

    /// The next version of `name`, assigned under a transaction-scoped advisory lock on the name: two processes
    /// saving the same name at once get distinct versions (the second waits for the first to commit).
    static func nextVersion(_ session: Session, name: String, requested: Int?) throws -> Int {
        try lockName(session, name)
        let last = try session.row("SELECT COALESCE(MAX(version), 0) FROM model WHERE name = $1", binds(name))?.decode(Int.self) ?? 0
        guard let next = ModelName.nextVersion(after: last, requested: requested) else {
            throw StoreError.invalidValue("model \"\(name)\" has used every version up to \(ModelName.maxVersion); choose another name")
        }
        return next
    }

    /// Holds the name's advisory lock until the transaction ends (taking it again in the same transaction is free).
    static func lockName(_ session: Session, _ name: String) throws {
        try session.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", binds(name))
    }

    /// Which model is active changes under one advisory lock: statements after it see the last change committed
    /// (a row lock would not show a model another transaction made active meanwhile), so saves and activations
    /// running at once on several machines end with exactly one active model.
    static func lockStatus(_ session: Session) throws {
        try session.execute("SELECT pg_advisory_xact_lock($1)", binds(PostgresSchema.statusLock))
    }

    static func insertModel(_ session: Session, name: String, version: Int, content: ModelContent, tuning: String?,
                            metrics: String?, parentId: Int64?, activate: Bool) throws -> ModelInfo {
        if let parentId, try session.row("SELECT 1 FROM model WHERE id = $1 AND status <> 'deleted'", binds(parentId)) == nil {
            throw StoreError.invalidValue("unknown parent model id \(parentId)")
        }
        try Self.lockStatus(session)
        let hasActive = try session.row("SELECT 1 FROM model WHERE status = 'active'") != nil
        let status: ModelStatus = (activate || !hasActive) ? .active : .inactive
        if status == .active { try session.execute("UPDATE model SET status = 'inactive' WHERE status = 'active'") }
        let now = Clock.now()
        let checksum = content.checksum
        guard let row = try session.row("""
            INSERT INTO model (name, version, created_at, parent_id, labels, feature_config, hyperparameters, tuning,
                               metrics, temperature, status, checksum)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id
            """, binds(name, version, Clock.seconds(now), parentId, content.labels, content.featureConfig,
                       content.hyperparameters, tuning, metrics, content.temperature, status.rawValue, checksum)) else {
            throw StoreError.database(path: "", message: "INSERT returned no id")
        }
        let id = try row.decode(Int64.self)
        for p in content.payloads {
            try session.execute("INSERT INTO model_payload (model_id, name, kind, shape, data) VALUES ($1, $2, $3, $4, $5)",
                                binds(id, p.name, p.kind, PayloadCodec.shapeText(p.shape), ByteBuffer(bytes: p.data)))
        }
        return ModelInfo(id: id, name: name, version: version, createdAt: now, parentId: parentId, labels: content.labels,
                         status: status, temperature: content.temperature, metrics: metrics, checksum: checksum)
    }

    @discardableResult
    static func insertRun(_ session: Session, modelId: Int64, run: NewTrainingRun) throws -> Int64 {
        let duration = run.finishedAt.timeIntervalSince(run.startedAt)
        return try session.row("""
            INSERT INTO training_run (model_id, started_at, finished_at, duration_seconds, iterations, final_loss, cross_validation)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
            """, binds(modelId, Clock.seconds(run.startedAt), Clock.seconds(run.finishedAt), duration, run.iterations,
                       run.finalLoss, run.crossValidation))?.decode(Int64.self) ?? 0
    }

    public func models() throws -> [ModelInfo] {
        try transaction(readOnly: true) { session in
            try session.rows("SELECT \(Self.modelColumns) FROM model WHERE status <> 'deleted' ORDER BY name COLLATE \"C\", version")
                .map(Self.modelInfo)
        }
    }

    public func loadModel(name: String, version: Int?) throws -> StoredModel {
        try transaction(readOnly: true) { session in
            try Self.loadPayloads(session, info: try Self.findModel(session, name: name, version: version))
        }
    }

    public func loadActiveModel() throws -> StoredModel? {
        try transaction(readOnly: true) { session in
            guard let row = try session.row("SELECT \(Self.modelColumns) FROM model WHERE status = 'active'") else { return nil }
            return try Self.loadPayloads(session, info: try Self.modelInfo(row))
        }
    }

    public func activeModel() throws -> ModelInfo? {
        try transaction(readOnly: true) { session in
            try session.row("SELECT \(Self.modelColumns) FROM model WHERE status = 'active'").map(Self.modelInfo)
        }
    }

    public func modelInfo(name: String, version: Int?) throws -> ModelInfo {
        try transaction(readOnly: true) { try Self.findModel($0, name: name, version: version) }
    }

    public func modelInfo(id: Int64) throws -> ModelInfo {
        try transaction(readOnly: true) { session in
            guard let row = try session.row("SELECT \(Self.modelColumns) FROM model WHERE id = $1 AND status <> 'deleted'",
                                            binds(id)) else { throw StoreError.modelNotFound("#\(id)") }
            return try Self.modelInfo(row)
        }
    }

    /// Both rows change in one transaction: every reader sees one active model, the old or the new.
    public func activate(name: String, version: Int?) throws -> ModelInfo {
        try transaction { session in
            var info = try Self.findModel(session, name: name, version: version)
            try Self.lockStatus(session)
            try session.execute("UPDATE model SET status = 'inactive' WHERE status = 'active' AND id <> $1", binds(info.id))
            try session.execute("UPDATE model SET status = 'active' WHERE id = $1", binds(info.id))
            info.status = .active
            return info
        }
    }

    public func archive(name: String, version: Int?) throws -> ModelInfo {
        try transaction { session in
            var info = try Self.findModel(session, name: name, version: version)
            try session.execute("UPDATE model SET status = 'archived' WHERE id = $1", binds(info.id))
            info.status = .archived
            return info
        }
    }

    public func delete(name: String, version: Int?, deletePredictions: Bool) throws -> Int {
        try transaction { session in
            let info = try Self.findModel(session, name: name, version: version)
            var deleted = 0
            if deletePredictions {
                deleted = try session.execute("DELETE FROM prediction WHERE model_id = $1", binds(info.id))
            }
            for table in ["model_payload", "model_corpus", "training_run", "evaluation"] {
                try session.execute("DELETE FROM \(table) WHERE model_id = $1", binds(info.id))
            }
            try session.execute("""
                UPDATE model SET status = 'deleted', feature_config = '', hyperparameters = '', tuning = NULL,
                                 metrics = NULL, checksum = '' WHERE id = $1
                """, binds(info.id))
            return deleted
        }
    }

    public func exportData(name: String, version: Int?) throws -> [UInt8] {
        try transaction(readOnly: true) { session in
            let info = try Self.findModel(session, name: name, version: version)
            let (content, featureConfig, hyper, tuning) = try Self.content(session, info: info)
            let header = ModelFile.Header(
                name: info.name, version: info.version, labels: info.labels, featureConfig: featureConfig,
                hyperparameters: hyper, tuning: tuning, metrics: info.metrics, temperature: info.temperature,
                payloads: content.payloads.map {
                    ModelFile.Descriptor(name: $0.name, kind: $0.kind, shape: $0.shape, byteLength: $0.data.count)
                })
            return ModelFile.encode(header: header, payloads: content.payloads)
        }
    }

    public func importModel(data: [UInt8], source: String, accept: (StoredModel) throws -> Void) throws -> ModelInfo {
        let (header, content, model) = try ModelFile.read(data, source: source)
        try accept(model)
        let checksum = content.checksum
        return try transaction { session in
            // The name's lock first: an identical import running at the same time is then seen, not duplicated.
            try Self.lockName(session, header.name)
            if let row = try session.row("""
                SELECT \(Self.modelColumns) FROM model WHERE name = $1 AND checksum = $2 ORDER BY version DESC LIMIT 1
                """, binds(header.name, checksum)) {
                return try Self.modelInfo(row)
            }
            let version = try Self.nextVersion(session, name: header.name, requested: header.version)
            return try Self.insertModel(session, name: header.name, version: version, content: content,
                                        tuning: header.tuning, metrics: header.metrics, parentId: nil, activate: false)
        }
    }

    static func findModel(_ session: Session, name: String, version: Int?) throws -> ModelInfo {
        let row: PostgresRow?
        if let version {
            row = try session.row("SELECT \(modelColumns) FROM model WHERE name = $1 AND version = $2 AND status <> 'deleted'",
                                  binds(name, version))
        } else {
            row = try session.row("""
                SELECT \(modelColumns) FROM model WHERE name = $1 AND status <> 'deleted' ORDER BY version DESC LIMIT 1
                """, binds(name))
        }
        guard let row else { throw StoreError.modelNotFound(version.map { "\(name)@\($0)" } ?? name) }
        return try modelInfo(row)
    }

    static func modelInfo(_ row: PostgresRow) throws -> ModelInfo {
        let (id, name, version, createdAt, parentId, labels, status, temperature, metrics, checksum) =
            try row.decode((Int64, String, Int, Double, Int64?, [String], String, Double, String?, String).self)
        return ModelInfo(id: id, name: name, version: version, createdAt: Clock.date(createdAt), parentId: parentId,
                         labels: labels, status: ModelStatus(rawValue: status) ?? .archived, temperature: temperature,
                         metrics: metrics, checksum: checksum)
    }

    static func content(_ session: Session, info: ModelInfo) throws -> (ModelContent, featureConfig: String, hyper: String, tuning: String?) {
        guard let row = try session.row("SELECT feature_config, hyperparameters, tuning FROM model WHERE id = $1", binds(info.id)) else {
            throw StoreError.modelNotFound(info.reference)
        }
        let (featureConfig, hyper, tuning) = try row.decode((String, String, String?).self)
        let payloads = try session.rows("SELECT name, kind, shape, data FROM model_payload WHERE model_id = $1 ORDER BY name COLLATE \"C\"",
                                        binds(info.id)).map { row -> EncodedPayload in
            let (name, kind, shapeText, data) = try row.decode((String, String, String, ByteBuffer).self)
            guard let shape = PayloadCodec.parseShape(shapeText) else { throw StoreError.checksumMismatch(model: info.reference) }
            return EncodedPayload(name: name, kind: kind, shape: shape, data: Array(buffer: data))
        }
        let content = ModelContent(labels: info.labels, featureConfig: featureConfig, hyperparameters: hyper,
                                   temperature: info.temperature, payloads: payloads)
        guard content.checksum == info.checksum else { throw StoreError.checksumMismatch(model: info.reference) }
        return (content, featureConfig, hyper, tuning)
    }

    static func loadPayloads(_ session: Session, info: ModelInfo) throws -> StoredModel {
        let (content, featureConfig, hyper, tuning) = try content(session, info: info)
        guard let decoded = ModelContent.decode(content.payloads) else { throw StoreError.checksumMismatch(model: info.reference) }
        let corpusIds = try session.rows("SELECT corpus_id FROM model_corpus WHERE model_id = $1 ORDER BY corpus_id", binds(info.id))
            .map { try $0.decode(Int64.self) }
        let runs = try session.rows("""
            SELECT id, model_id, started_at, finished_at, duration_seconds, iterations, final_loss, cross_validation
            FROM training_run WHERE model_id = $1 ORDER BY id
            """, binds(info.id)).map { row -> TrainingRunInfo in
            let (id, modelId, started, finished, duration, iterations, loss, cv) =
                try row.decode((Int64, Int64, Double, Double, Double, Int, Double, String?).self)
            return TrainingRunInfo(id: id, modelId: modelId, startedAt: Clock.date(started), finishedAt: Clock.date(finished),
                                   durationSeconds: duration, iterations: iterations, finalLoss: loss, crossValidation: cv)
        }
        return StoredModel(info: info, featureConfig: featureConfig, hyperparameters: hyper, tuning: tuning,
                           tensors: decoded.tensors, vocabulary: decoded.vocabulary, corpusIds: corpusIds, runs: runs)
    }
}
