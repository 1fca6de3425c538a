import ClassifierStore
import DefaultModel
import Foundation

/// Where the store lives: an explicit path, else `$SENTIMENT_DB`, else `$XDG_DATA_HOME/sentiment/sentiment.sqlite`
/// (`~/.local/share/sentiment/sentiment.sqlite`).
public struct StoreLocation: Sendable, Equatable {
    public var path: String
    /// The per-user default location, whose missing directory is created (elsewhere a missing directory is
    /// likely a typo and an error).
    public var isDefault: Bool

    public init(path: String, isDefault: Bool = false) {
        self.path = path
        self.isDefault = isDefault
    }

    /// The location from an explicit path (nil or empty: none) and the environment.
    public static func resolve(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> StoreLocation {
        if let explicit, !explicit.isEmpty { return StoreLocation(path: explicit) }
        if let p = environment["SENTIMENT_DB"], !p.isEmpty { return StoreLocation(path: p) }
        let dataHome: String
        if let x = environment["XDG_DATA_HOME"], !x.isEmpty {
            dataHome = x
        } else {
            dataHome = (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        }
        return StoreLocation(path: dataHome + "/sentiment/sentiment.sqlite", isDefault: true)
    }
}

extension SentimentService {
    /// Opens the store at `location`, creating it when missing. A store this call creates gets the shipped
    /// default model as its active model unless `defaultModel` is false.
    /// - Throws: `ShippedModelError` (before anything is created) when the shipped model is needed but missing.
    public convenience init(opening location: StoreLocation, defaultModel: Bool = true) throws {
        let isNew = !FileManager.default.fileExists(atPath: location.path)
        let shipped = isNew && defaultModel ? try ShippedModel.bytes() : nil
        let store = try SentimentStore(path: location.path, createDirectory: location.isDefault)
        if let shipped {
            let info = try store.importModel(data: shipped, source: DefaultModel.fileName) {
                try Self.checkUsable($0, source: DefaultModel.fileName)
            }
            if try store.activeModel() == nil { try store.activate(name: info.name, version: info.version) }
        }
        self.init(store: store)
    }
}
