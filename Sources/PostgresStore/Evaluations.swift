import ClassifierStore
import Foundation
import PostgresNIO
import StoreInterface

extension PostgresStore {
    public func saveEvaluation(_ evaluation: NewEvaluation) throws -> EvaluationInfo {
        try transaction { session in
            guard try session.row("SELECT 1 FROM model WHERE id = $1", binds(evaluation.modelId)) != nil else {
                throw StoreError.modelNotFound("#\(evaluation.modelId)")
            }
            if let c = evaluation.corpusId, try session.row("SELECT 1 FROM corpus WHERE id = $1", binds(c)) == nil {
                throw StoreError.corpusNotFound("#\(c)")
            }
            let now = Clock.now()
            let id = try session.row("""
                INSERT INTO evaluation (model_id, corpus_id, metrics, confusion_matrix, created_at) VALUES ($1, $2, $3, $4, $5)
                RETURNING id
                """, binds(evaluation.modelId, evaluation.corpusId, Text.storable(evaluation.metrics),
                           Text.storable(evaluation.confusionMatrix), Clock.seconds(now)))?.decode(Int64.self) ?? 0
            return EvaluationInfo(id: id, modelId: evaluation.modelId, corpusId: evaluation.corpusId, metrics: evaluation.metrics,
                                  confusionMatrix: evaluation.confusionMatrix, createdAt: now)
        }
    }

    public func evaluations(modelId: Int64) throws -> [EvaluationInfo] {
        try transaction(readOnly: true) { session in
            try session.rows("""
                SELECT id, model_id, corpus_id, metrics, confusion_matrix, created_at FROM evaluation WHERE model_id = $1 ORDER BY id
                """, binds(modelId)).map { row in
                let (id, model, corpus, metrics, matrix, created) = try row.decode((Int64, Int64, Int64?, String, String, Double).self)
                return EvaluationInfo(id: id, modelId: model, corpusId: corpus, metrics: metrics, confusionMatrix: matrix,
                                      createdAt: Clock.date(created))
            }
        }
    }
}
