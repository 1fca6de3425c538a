import ClassifierStore
import Foundation
import SentimentClassifier

/// The application layer: every use case of the product (train, predict, evaluate, query, correct, manage models
/// and corpora) over one store, for the command line, the HTTP server and other Swift programs alike. Front ends
/// parse and format; what happens lives here, once.
public final class SentimentService: Sendable {
    public let store: any SentimentStoring

    public init(store: any SentimentStoring) {
        self.store = store
    }

    /// The schema version of the SQLite stores this build writes (a store of a newer one is refused).
    public static var storeSchemaVersion: Int { SentimentStore.schemaVersion }

    /// The named model, or the active one when `reference` is nil.
    /// - Throws: `SentimentKitError.noActiveModel`, `StoreError.modelNotFound`, `.checksumMismatch`.
    public func classifier(_ reference: ModelReference?) throws -> (SentimentClassifier, ModelInfo) {
        let stored: StoredModel
        if let reference {
            stored = try withModelContext { try store.loadModel(name: reference.name, version: reference.version) }
        } else {
            guard let active = try store.loadActiveModel() else { throw SentimentKitError.noActiveModel(store: store.path) }
            stored = active
        }
        return (try SentimentClassifier(stored: stored), stored.info)
    }
}

/// Errors of the application layer's own (the modules below have theirs). One line a user can act on.
public enum SentimentKitError: Error, CustomStringConvertible, Equatable, Sendable {
    case noActiveModel(store: String)
    case fileNotFound(String)
    /// Input that cannot be used (a text, a corpus, a label), already naming where it is.
    case invalidInput(String)

    public var description: String {
        switch self {
        case .noActiveModel(let store):
            return "no active model in \(store); train one (sentiment train --corpus FILE) or name one with --model"
        case .invalidInput(let m):
            return m
        case .fileNotFound(let path):
            return "\(path): no such file"
        }
    }
}
