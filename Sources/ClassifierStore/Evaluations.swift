import Foundation
import StoreInterface
import GRDB

extension SentimentStore {
    /// Stores an evaluation.
    /// - Throws: `StoreError.modelNotFound`, `.corpusNotFound`.
    public func saveEvaluation(_ evaluation: NewEvaluation) throws -> EvaluationInfo {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM model WHERE id = ?", arguments: [evaluation.modelId]) != nil else {
                throw StoreError.modelNotFound("#\(evaluation.modelId)")
            }
            if let c = evaluation.corpusId,
               try Bool.fetchOne(db, sql: "SELECT 1 FROM corpus WHERE id = ?", arguments: [c]) == nil {
                throw StoreError.corpusNotFound("#\(c)")
            }
            let now = Clock.now()
            try db.execute(sql: """
                INSERT INTO evaluation (modelId, corpusId, metrics, confusionMatrix, createdAt) VALUES (?, ?, ?, ?, ?)
                """, arguments: [evaluation.modelId, evaluation.corpusId, evaluation.metrics,
                                 evaluation.confusionMatrix, Clock.seconds(now)])
            return EvaluationInfo(id: db.lastInsertedRowID, modelId: evaluation.modelId, corpusId: evaluation.corpusId,
                                  metrics: evaluation.metrics, confusionMatrix: evaluation.confusionMatrix,
                                  createdAt: now)
        }
    }

    /// A model's evaluations, oldest first.
    public func evaluations(modelId: Int64) throws -> [EvaluationInfo] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM evaluation WHERE modelId = ? ORDER BY id", arguments: [modelId]).map {
                EvaluationInfo(id: $0["id"], modelId: $0["modelId"], corpusId: $0["corpusId"], metrics: $0["metrics"],
                               confusionMatrix: $0["confusionMatrix"], createdAt: Clock.date($0["createdAt"]))
            }
        }
    }
}
