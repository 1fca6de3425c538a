import Foundation
import GRDB
import GRDBSQLite
import StoreInterface

/// Whole-store copies (`StoreCopying`): every row read from one snapshot in id order, and written with its id into
/// an empty store, the full-text index and the columnar prediction blocks rebuilt before the commit.
extension SentimentStore: StoreCopying {
    public func isEmptyForCopy() throws -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: """
                SELECT NOT EXISTS (SELECT 1 FROM corpus) AND NOT EXISTS (SELECT 1 FROM model)
                       AND NOT EXISTS (SELECT 1 FROM prediction)
                """) ?? false
        }
    }

    public func readRows(batchSize: Int, _ body: (StoreRows.Batch) throws -> Void) throws {
        let batchSize = max(1, batchSize)
        try read { db in
            let corpora = try Row.fetchAll(db, sql: """
                SELECT id, name, sourcePath, format, sha256, rowCount, labelCounts, importedAt FROM corpus ORDER BY id
                """).map { r in
                StoreRows.Corpus(id: r[0], name: r[1], sourcePath: r[2], format: r[3], sha256: r[4], rowCount: r[5],
                                 labelCounts: r[6], importedAt: r[7])
            }
            if !corpora.isEmpty { try body(.corpora(corpora)) }

            var documents: [StoreRows.Document] = []
            documents.reserveCapacity(batchSize)
            let cursor = try Row.fetchCursor(db, sql: "SELECT id, corpusId, line, text, label FROM document ORDER BY id")
            while let r = try cursor.next() {
                documents.append(StoreRows.Document(id: r[0], corpusId: r[1], line: r[2], text: r[3], label: r[4]))
                if documents.count == batchSize {
                    try body(.documents(documents))
                    documents.removeAll(keepingCapacity: true)
                }
            }
            if !documents.isEmpty { try body(.documents(documents)) }

            // One model a batch: payloads can be large.
            var labelsOf: [Int64: [String]] = [:]
            for r in try Row.fetchAll(db, sql: """
                SELECT id, name, version, createdAt, parentId, labels, featureConfig, hyperparameters, tuning, metrics,
                       temperature, status, checksum FROM model ORDER BY id
                """) {
                let id: Int64 = r[0]
                let labels = try JSONText.labels(r[5], what: "labels")
                labelsOf[id] = labels
                let payloads = try Row.fetchAll(db, sql: """
                    SELECT name, kind, shape, data FROM model_payload WHERE modelId = ? ORDER BY name
                    """, arguments: [id]).map { p in
                    StoreRows.Payload(name: p[0], kind: p[1], shape: p[2], data: [UInt8](p[3] as Data))
                }
                let corpusIds = try Int64.fetchAll(db, sql: "SELECT corpusId FROM model_corpus WHERE modelId = ? ORDER BY corpusId",
                                                   arguments: [id])
                try body(.models([StoreRows.Model(
                    id: id, name: r[1], version: r[2], createdAt: r[3], parentId: r[4], labels: labels, featureConfig: r[6],
                    hyperparameters: r[7], tuning: r[8], metrics: r[9], temperature: r[10], status: r[11], checksum: r[12],
                    payloads: payloads, corpusIds: corpusIds)]))
            }

            let runs = try Row.fetchAll(db, sql: """
                SELECT id, modelId, startedAt, finishedAt, durationSeconds, iterations, finalLoss, crossValidation
                FROM training_run ORDER BY id
                """).map { r in
                StoreRows.TrainingRun(id: r[0], modelId: r[1], startedAt: r[2], finishedAt: r[3], durationSeconds: r[4],
                                      iterations: r[5], finalLoss: r[6], crossValidation: r[7])
            }
            if !runs.isEmpty { try body(.trainingRuns(runs)) }
            let evaluations = try Row.fetchAll(db, sql: """
                SELECT id, modelId, corpusId, metrics, confusionMatrix, createdAt FROM evaluation ORDER BY id
                """).map { r in
                StoreRows.Evaluation(id: r[0], modelId: r[1], corpusId: r[2], metrics: r[3], confusionMatrix: r[4], createdAt: r[5])
            }
            if !evaluations.isEmpty { try body(.evaluations(evaluations)) }

            var predictions: [StoreRows.Prediction] = []
            predictions.reserveCapacity(batchSize)
            let rows = try Row.fetchCursor(db, sql: """
                SELECT id, modelId, text, label, confidence, probabilities, source, createdAt, correctedLabel, correctedAt
                FROM prediction ORDER BY id
                """)
            while let r = try rows.next() {
                let modelId: Int64 = r[1]
                let byLabel = try Self.probabilities(r[5])
                let labels = labelsOf[modelId] ?? byLabel.keys.sorted()
                predictions.append(StoreRows.Prediction(
                    id: r[0], modelId: modelId, text: r[2], label: r[3], confidence: r[4],
                    probabilities: labels.map { byLabel[$0].map(Float.init) ?? .nan }, source: r[6], createdAt: r[7],
                    correctedLabel: r[8], correctedAt: r[9]))
                if predictions.count == batchSize {
                    try body(.predictions(predictions))
                    predictions.removeAll(keepingCapacity: true)
                }
            }
            if !predictions.isEmpty { try body(.predictions(predictions)) }
        }
    }

    public func writeRows(_ body: ((StoreRows.Batch) throws -> Void) throws -> Void) throws {
        try write { db in
            guard try Bool.fetchOne(db, sql: """
                SELECT NOT EXISTS (SELECT 1 FROM corpus) AND NOT EXISTS (SELECT 1 FROM model)
                       AND NOT EXISTS (SELECT 1 FROM prediction)
                """) ?? false else { throw StoreError.invalidValue("\(path) is not empty: a store is copied into an empty one only") }
            // A model may name a parent copied after it; every reference is checked at the commit.
            try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
            var keyPrefixes: [Int64: [[UInt8]]] = [:]
            let json = ByteScratch(capacity: 256)
            try body { batch in
                switch batch {
                case .corpora(let rows):
                    for c in rows {
                        try db.execute(sql: """
                            INSERT INTO corpus (id, name, sourcePath, format, sha256, rowCount, labelCounts, importedAt)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            """, arguments: [c.id, c.name, c.sourcePath, c.format, c.sha256, c.rowCount, c.labelCounts, c.importedAt])
                    }
                case .documents(let rows):
                    let statement = try db.cachedStatement(sql: "INSERT INTO document (id, corpusId, line, text, label) VALUES (?, ?, ?, ?, ?)")
                    for d in rows { try statement.execute(arguments: [d.id, d.corpusId, d.line, d.text, d.label]) }
                case .models(let rows):
                    for m in rows {
                        try db.execute(sql: """
                            INSERT INTO model (id, name, version, createdAt, parentId, labels, featureConfig, hyperparameters,
                                               tuning, metrics, temperature, status, checksum)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """, arguments: [m.id, m.name, m.version, m.createdAt, m.parentId, JSONText.encode(m.labels),
                                             m.featureConfig, m.hyperparameters, m.tuning, m.metrics, m.temperature,
                                             m.status, m.checksum])
                        for p in m.payloads {
                            try db.execute(sql: "INSERT INTO model_payload (modelId, name, kind, shape, data) VALUES (?, ?, ?, ?, ?)",
                                           arguments: [m.id, p.name, p.kind, p.shape, Data(p.data)])
                        }
                        for c in m.corpusIds {
                            try db.execute(sql: "INSERT INTO model_corpus (modelId, corpusId) VALUES (?, ?)", arguments: [m.id, c])
                        }
                        keyPrefixes[m.id] = m.labels.enumerated().map { i, l in Array(((i == 0 ? "{" : ",") + JSONText.encode(l) + ":").utf8) }
                    }
                case .trainingRuns(let rows):
                    for r in rows {
                        try db.execute(sql: """
                            INSERT INTO training_run (id, modelId, startedAt, finishedAt, durationSeconds, iterations, finalLoss, crossValidation)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            """, arguments: [r.id, r.modelId, r.startedAt, r.finishedAt, r.durationSeconds, r.iterations,
                                             r.finalLoss, r.crossValidation])
                    }
                case .evaluations(let rows):
                    for e in rows {
                        try db.execute(sql: """
                            INSERT INTO evaluation (id, modelId, corpusId, metrics, confusionMatrix, createdAt) VALUES (?, ?, ?, ?, ?, ?)
                            """, arguments: [e.id, e.modelId, e.corpusId, e.metrics, e.confusionMatrix, e.createdAt])
                    }
                case .predictions(let rows):
                    let statement = try db.cachedStatement(sql: """
                        INSERT INTO prediction (id, modelId, text, label, confidence, probabilities, source, createdAt,
                                                correctedLabel, correctedAt)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                    for p in rows {
                        guard let prefixes = keyPrefixes[p.modelId], prefixes.count == p.probabilities.count else {
                            throw StoreError.invalidValue("prediction \(p.id) names model #\(p.modelId), which was not copied before it")
                        }
                        // As `PredictionInserter` writes them: {"label":shortest Float32 form,…}.
                        json.count = 0
                        for (c, v) in p.probabilities.enumerated() where !v.isNaN {
                            if json.count == 0 && c > 0 {
                                json.append(UInt8(ascii: "{"))
                                json.append(Array(prefixes[c].dropFirst()))
                            } else {
                                json.append(prefixes[c])
                            }
                            json.append(v)
                        }
                        if json.count == 0 { json.append(UInt8(ascii: "{")) }
                        json.append(UInt8(ascii: "}"))
                        let probabilities = String(decoding: json.buffer, as: UTF8.self)
                        try statement.execute(arguments: [p.id, p.modelId, p.text, p.label, p.confidence, probabilities,
                                                          p.source, p.createdAt, p.correctedLabel, p.correctedAt])
                    }
                }
            }
            try db.execute(sql: "INSERT INTO prediction_fts(prediction_fts) VALUES ('rebuild')")
            try PredictionBlocks.rebuild(db)
        }
    }
}
