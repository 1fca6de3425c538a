import ClassifierStore
import Foundation
import SentimentClassifier
import Synchronization

/// Models loaded once and kept for a long-running front end (a server): a request names a model or means the
/// active one, and pays neither a decode nor a store read for it. Which model is active is asked of the store
/// again after `activeTTL` (another process may activate another), and at once after `invalidate()`.
public final class LoadedModels: Sendable {
    private struct State {
        var byId: [Int64: (SentimentClassifier, ModelInfo)] = [:]
        var references: [ModelReference: (id: Int64, until: ContinuousClock.Instant)] = [:]
        var active: (id: Int64, until: ContinuousClock.Instant)? = nil
    }

    private let service: SentimentService
    private let state = Mutex(State())
    /// How long an answer to "which model is `name` / the active one" is trusted.
    public let activeTTL: Duration

    public init(_ service: SentimentService, activeTTL: Duration = .seconds(1)) {
        self.service = service
        self.activeTTL = activeTTL
    }

    /// The model named (its newest version without `@v`), or the active one when nil.
    public func model(_ reference: ModelReference?) throws -> (classifier: SentimentClassifier, info: ModelInfo) {
        let now = ContinuousClock.now
        let cached: (SentimentClassifier, ModelInfo)? = state.withLock { s in
            let id = reference.map { s.references[$0] } ?? s.active
            guard let id, id.until > now else { return nil }
            return s.byId[id.id]
        }
        if let cached { return cached }
        let info: ModelInfo
        if let reference {
            info = try service.withModelContext { try service.store.modelInfo(name: reference.name, version: reference.version) }
        } else {
            guard let active = try service.store.activeModel() else {
                throw SentimentKitError.noActiveModel(store: service.store.path)
            }
            info = active
        }
        let loaded = try state.withLock { $0.byId[info.id] } ?? {
            let (classifier, info) = try service.classifier(ModelReference(name: info.name, version: info.version))
            return (classifier, info)
        }()
        state.withLock { s in
            s.byId[info.id] = loaded
            let until = now + activeTTL
            if let reference { s.references[reference] = (info.id, until) } else { s.active = (info.id, until) }
        }
        return loaded
    }

    /// Forget which model names and "active" mean (after this process activated or trained one).
    public func invalidate() {
        state.withLock { s in
            s.references = [:]
            s.active = nil
        }
    }
}

extension PredictionBatch {
    /// Predicts on the calling thread (for front ends that run many small batches at once, each on its own
    /// thread) and, through `committer`, stores the rows with the other callers' in one transaction; returns once
    /// they are committed, with `ids` set.
    public func predict(_ classifier: SentimentClassifier, model: ModelInfo, explain: Bool,
                        storingThrough committer: GroupCommitter?) async throws {
        predict(classifier, serial: true, explain: explain)
        guard let committer else { return }
        ids = try await committer.store(PredictionColumns(modelId: model.id, texts: texts, labelIndices: labelIndices,
                                                          probabilities: probabilities, sources: sources))
    }
}
