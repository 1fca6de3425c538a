import ClassifierStore
import Foundation

/// What deleting one model version would remove and leave, said before it happens.
public struct ModelDeletion: Sendable {
    public var model: ModelInfo
    /// Stored predictions of this version, and how many of them carry a correction.
    public var predictions: Int
    public var corrected: Int
    /// Versions of this name that are not deleted (this one included).
    public var versions: Int
    public var isActive: Bool { model.status == .active }
}

/// Which predictions a deletion removes: the ids given, or those a query matches.
public enum PredictionSelection: Sendable {
    case ids([Int64])
    case matching(PredictionQuery)
}

/// What deleting predictions would remove.
public struct PredictionDeletion: Sendable {
    public var selection: PredictionSelection
    public var count: Int
    public var corrected: Int
    /// Per model (`name@version`).
    public var byModel: [String: Int]
    /// Ids given that are not stored.
    public var missing: [Int64]
}

extension SentimentService {
    /// What `deleteModel` would do to `reference` (the newest version when it names none).
    /// - Throws: `ModelNotFound`.
    public func planModelDeletion(_ reference: ModelReference) throws -> ModelDeletion {
        let info = try withModelContext { try store.modelInfo(name: reference.name, version: reference.version) }
        let summary = try store.summary(PredictionQuery(modelName: info.name, modelVersion: info.version))
        let versions = try store.models().filter { $0.name == info.name }
        return ModelDeletion(model: info, predictions: summary.total, corrected: summary.corrected,
                             versions: versions.count)
    }

    /// Deletes the planned model version; its predictions too with `deletePredictions` (then their number).
    @discardableResult
    public func deleteModel(_ plan: ModelDeletion, deletePredictions: Bool) throws -> Int {
        try withModelContext {
            try store.delete(name: plan.model.name, version: plan.model.version, deletePredictions: deletePredictions)
        }
    }

    /// A stored corpus by name (the newest of that name) or id.
    /// - Throws: `StoreError.corpusNotFound`.
    public func corpus(_ nameOrId: String) throws -> CorpusInfo {
        if let id = Int64(nameOrId), let info = try? store.corpus(id: id) { return info }
        return try store.corpus(named: nameOrId)
    }

    /// The corpus to delete, refused while a stored model was trained on it: `train --from` and `models show`
    /// read a model's corpora from the store, so its lineage must stay whole (delete those models first).
    /// - Throws: `StoreError.corpusNotFound`, `CorpusInUse`.
    public func planCorpusDeletion(_ nameOrId: String) throws -> CorpusInfo {
        let info = try corpus(nameOrId)
        let users = try store.models(trainedOn: info.id)
        if !users.isEmpty { throw CorpusInUse(corpus: info, models: users.map(\.reference)) }
        return info
    }

    /// Deletes a corpus and its documents (its evaluations are kept, without their corpus).
    public func deleteCorpus(_ info: CorpusInfo) throws {
        do {
            try store.deleteCorpus(id: info.id)
        } catch StoreError.invalidValue {
            // A model trained on it was stored since the plan.
            throw CorpusInUse(corpus: info, models: try store.models(trainedOn: info.id).map(\.reference))
        }
    }

    /// What deleting `selection` would remove.
    public func planPredictionDeletion(_ selection: PredictionSelection) throws -> PredictionDeletion {
        switch selection {
        case .ids(let ids):
            var found: [PredictionInfo] = [], missing: [Int64] = []
            for id in Array(Set(ids)).sorted() {
                do { found.append(try store.prediction(id: id)) } catch StoreError.predictionNotFound { missing.append(id) }
            }
            var byModel: [String: Int] = [:]
            for p in found { byModel[p.modelReference, default: 0] += 1 }
            return PredictionDeletion(selection: selection, count: found.count,
                                      corrected: found.filter { $0.correctedLabel != nil }.count,
                                      byModel: byModel, missing: missing)
        case .matching(let query):
            let s = try store.summary(query)
            return PredictionDeletion(selection: selection, count: s.total, corrected: s.corrected, byModel: s.byModel,
                                      missing: [])
        }
    }

    /// Deletes the planned predictions (with their full-text and columnar index entries, in one transaction);
    /// returns how many were deleted.
    @discardableResult
    public func deletePredictions(_ plan: PredictionDeletion) throws -> Int {
        switch plan.selection {
        case .ids(let ids): return try store.deletePredictions(ids: ids)
        case .matching(let query): return try store.deletePredictions(query)
        }
    }
}

/// A corpus that stored models were trained on.
public struct CorpusInUse: Error, CustomStringConvertible, Sendable {
    public var corpus: CorpusInfo
    public var models: [String]
    public var description: String {
        "corpus \(corpus.name) (id \(corpus.id)) trained \(models.joined(separator: ", ")): a model's corpora stay while "
            + "it is stored (train --from and models show read them); delete \(models.count == 1 ? "that model" : "those models") first"
    }
}
