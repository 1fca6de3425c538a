import ClassifierStore
import Foundation
import NIOCore
import PostgresNIO
import StoreInterface

/// Whole-store copies (`StoreCopying`): every row read from one snapshot in id order, and written with its id
/// (OVERRIDING SYSTEM VALUE) into an empty database, the identity sequences moved past the copied ids before the
/// commit, so rows added later get new ids as they would in the original.
extension PostgresStore: StoreCopying {
    static let emptySQL = """
        SELECT NOT EXISTS (SELECT 1 FROM corpus) AND NOT EXISTS (SELECT 1 FROM model) AND NOT EXISTS (SELECT 1 FROM prediction)
        """

    public func isEmptyForCopy() throws -> Bool {
        try transaction(readOnly: true) { session in try session.row(Self.emptySQL)?.decode(Bool.self) ?? false }
    }

    public func readRows(batchSize: Int, _ body: (StoreRows.Batch) throws -> Void) throws {
        let batchSize = max(1, batchSize)
        try transaction(readOnly: true, replayable: false) { session in
            let corpora = try session.rows("SELECT \(Self.corpusColumns) FROM corpus ORDER BY id").map { r in
                let (id, name, sourcePath, format, sha256, rowCount, labelCounts, importedAt) =
                    try r.decode((Int64, String, String, String, String, Int, String, Double).self)
                return StoreRows.Corpus(id: id, name: name, sourcePath: sourcePath, format: format, sha256: sha256,
                                        rowCount: rowCount, labelCounts: labelCounts, importedAt: importedAt)
            }
            if !corpora.isEmpty { try body(.corpora(corpora)) }

            var documents: [StoreRows.Document] = []
            documents.reserveCapacity(batchSize)
            try session.each("SELECT id, corpus_id, line, text, label FROM document ORDER BY id", fetch: batchSize) { r in
                let (id, corpusId, line, text, label) = try r.decode((Int64, Int64, Int, String, String).self)
                documents.append(StoreRows.Document(id: id, corpusId: corpusId, line: line, text: text, label: label))
                if documents.count == batchSize {
                    try body(.documents(documents))
                    documents.removeAll(keepingCapacity: true)
                }
            }
            if !documents.isEmpty { try body(.documents(documents)) }

            for r in try session.rows("""
                SELECT id, name, version, created_at, parent_id, labels, feature_config, hyperparameters, tuning, metrics,
                       temperature, status, checksum FROM model ORDER BY id
                """) {
                let (id, name, version, createdAt, parentId, labels, featureConfig, hyper, tuning, metrics, temperature, status, checksum) =
                    try r.decode((Int64, String, Int, Double, Int64?, [String], String, String, String?, String?, Double, String, String).self)
                let payloads = try session.rows("""
                    SELECT name, kind, shape, data FROM model_payload WHERE model_id = $1 ORDER BY name COLLATE "C"
                    """, binds(id)).map { p in
                    let (name, kind, shape, data) = try p.decode((String, String, String, ByteBuffer).self)
                    return StoreRows.Payload(name: name, kind: kind, shape: shape, data: Array(buffer: data))
                }
                let corpusIds = try session.rows("SELECT corpus_id FROM model_corpus WHERE model_id = $1 ORDER BY corpus_id",
                                                 binds(id)).map { try $0.decode(Int64.self) }
                try body(.models([StoreRows.Model(
                    id: id, name: name, version: version, createdAt: createdAt, parentId: parentId, labels: labels,
                    featureConfig: featureConfig, hyperparameters: hyper, tuning: tuning, metrics: metrics,
                    temperature: temperature, status: status, checksum: checksum, payloads: payloads, corpusIds: corpusIds)]))
            }

            let runs = try session.rows("""
                SELECT id, model_id, started_at, finished_at, duration_seconds, iterations, final_loss, cross_validation
                FROM training_run ORDER BY id
                """).map { r in
                let (id, modelId, started, finished, duration, iterations, loss, cv) =
                    try r.decode((Int64, Int64, Double, Double, Double, Int, Double, String?).self)
                return StoreRows.TrainingRun(id: id, modelId: modelId, startedAt: started, finishedAt: finished,
                                             durationSeconds: duration, iterations: iterations, finalLoss: loss, crossValidation: cv)
            }
            if !runs.isEmpty { try body(.trainingRuns(runs)) }
            let evaluations = try session.rows("""
                SELECT id, model_id, corpus_id, metrics, confusion_matrix, created_at FROM evaluation ORDER BY id
                """).map { r in
                let (id, modelId, corpusId, metrics, matrix, createdAt) = try r.decode((Int64, Int64, Int64?, String, String, Double).self)
                return StoreRows.Evaluation(id: id, modelId: modelId, corpusId: corpusId, metrics: metrics,
                                            confusionMatrix: matrix, createdAt: createdAt)
            }
            if !evaluations.isEmpty { try body(.evaluations(evaluations)) }

            var predictions: [StoreRows.Prediction] = []
            predictions.reserveCapacity(batchSize)
            try session.each("""
                SELECT id, model_id, text, label, confidence, probabilities, source, created_at, corrected_label, corrected_at
                FROM prediction ORDER BY id
                """, fetch: batchSize) { r in
                let (id, modelId, text, label, confidence, probabilities, source, createdAt, correctedLabel, correctedAt) =
                    try r.decode((Int64, Int64, String, String, Double, [Float], String, Double, String?, Double?).self)
                predictions.append(StoreRows.Prediction(id: id, modelId: modelId, text: text, label: label, confidence: confidence,
                                                        probabilities: probabilities, source: source, createdAt: createdAt,
                                                        correctedLabel: correctedLabel, correctedAt: correctedAt))
                if predictions.count == batchSize {
                    try body(.predictions(predictions))
                    predictions.removeAll(keepingCapacity: true)
                }
            }
            if !predictions.isEmpty { try body(.predictions(predictions)) }
        }
    }

    public func writeRows(_ body: ((StoreRows.Batch) throws -> Void) throws -> Void) throws {
        try transaction(replayable: false) { session in
            // No prediction, model status or migration changes meanwhile.
            try session.execute("SELECT pg_advisory_xact_lock($1)", binds(PostgresSchema.predictionLock))
            try session.execute("SELECT pg_advisory_xact_lock($1)", binds(PostgresSchema.statusLock))
            guard try session.row(Self.emptySQL)?.decode(Bool.self) ?? false else {
                throw StoreError.invalidValue("\(path) is not empty: a store is copied into an empty one only")
            }
            try body { batch in
                switch batch {
                case .corpora(let rows):
                    try session.execute("""
                        INSERT INTO corpus (id, name, source_path, format, sha256, row_count, label_counts, imported_at)
                        OVERRIDING SYSTEM VALUE
                        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::float8[])
                        """, binds(rows.map(\.id), rows.map(\.name), rows.map(\.sourcePath), rows.map(\.format),
                                   rows.map(\.sha256), rows.map { Int64($0.rowCount) }, rows.map(\.labelCounts), rows.map(\.importedAt)))
                case .documents(let rows):
                    try session.execute("""
                        INSERT INTO document (id, corpus_id, line, text, label) OVERRIDING SYSTEM VALUE
                        SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])
                        """, binds(rows.map(\.id), rows.map(\.corpusId), rows.map { Int64($0.line) },
                                   rows.map { Text.storable($0.text) }, rows.map(\.label)))
                case .models(let rows):
                    for m in rows {
                        try session.execute("""
                            INSERT INTO model (id, name, version, created_at, parent_id, labels, feature_config, hyperparameters,
                                               tuning, metrics, temperature, status, checksum)
                            OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                            """, binds(m.id, m.name, m.version, m.createdAt, m.parentId, m.labels, m.featureConfig,
                                       m.hyperparameters, m.tuning, m.metrics, m.temperature, m.status, m.checksum))
                        for p in m.payloads {
                            try session.execute("INSERT INTO model_payload (model_id, name, kind, shape, data) VALUES ($1, $2, $3, $4, $5)",
                                                binds(m.id, p.name, p.kind, p.shape, ByteBuffer(bytes: p.data)))
                        }
                        for c in m.corpusIds {
                            try session.execute("INSERT INTO model_corpus (model_id, corpus_id) VALUES ($1, $2)", binds(m.id, c))
                        }
                    }
                case .trainingRuns(let rows):
                    for r in rows {
                        try session.execute("""
                            INSERT INTO training_run (id, model_id, started_at, finished_at, duration_seconds, iterations, final_loss, cross_validation)
                            OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                            """, binds(r.id, r.modelId, r.startedAt, r.finishedAt, r.durationSeconds, r.iterations, r.finalLoss, r.crossValidation))
                    }
                case .evaluations(let rows):
                    for e in rows {
                        try session.execute("""
                            INSERT INTO evaluation (id, model_id, corpus_id, metrics, confusion_matrix, created_at)
                            OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6)
                            """, binds(e.id, e.modelId, e.corpusId, e.metrics, e.confusionMatrix, e.createdAt))
                    }
                case .predictions(let rows):
                    // Each row's probabilities are the slice [start, start + count) of one flat array.
                    var flat: [Float] = [], starts: [Int32] = [], counts: [Int32] = []
                    flat.reserveCapacity(rows.count * 3)
                    for p in rows {
                        starts.append(Int32(flat.count + 1))
                        counts.append(Int32(p.probabilities.count))
                        flat.append(contentsOf: p.probabilities)
                    }
                    let texts = rows.map { Text.storable($0.text) }
                    try session.execute("""
                        INSERT INTO prediction (id, model_id, text, label, confidence, probabilities, source, created_at,
                                                corrected_label, corrected_at, words)
                        OVERRIDING SYSTEM VALUE
                        SELECT u.id, u.model_id, u.text, u.label, u.confidence, ($5::real[])[u.start : u.start + u.n - 1],
                               u.source, u.created_at, CASE WHEN u.has_label THEN u.corrected_label END,
                               CASE WHEN u.has_at THEN u.corrected_at END, u.words::tsvector
                        FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $6::float8[], $7::int[], $8::int[],
                                    $9::text[], $10::float8[], $11::text[], $12::float8[], $13::text[], $14::bool[], $15::bool[])
                             AS u(id, model_id, text, label, confidence, start, n, source, created_at, corrected_label,
                                  corrected_at, words, has_label, has_at)
                        """, binds(rows.map(\.id), rows.map(\.modelId), texts, rows.map(\.label), flat,
                                   rows.map(\.confidence), starts, counts, rows.map(\.source), rows.map(\.createdAt),
                                   rows.map { $0.correctedLabel ?? "" }, rows.map { $0.correctedAt ?? 0 },
                                   texts.map(SearchWords.vector), rows.map { $0.correctedLabel != nil },
                                   rows.map { $0.correctedAt != nil }))
                }
            }
            for table in ["corpus", "document", "model", "training_run", "evaluation", "prediction"] {
                try session.execute("""
                    SELECT setval(pg_get_serial_sequence('\(table)', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM \(table)
                    """)
            }
        }
    }
}
