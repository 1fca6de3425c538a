import ArgumentParser
import ClassifierStore
import DefaultModel
import Foundation
import SentimentKit

/// Options every command shares: where the store lives.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Path of the SQLite store. Default: $SENTIMENT_DB, else $XDG_DATA_HOME/sentiment/sentiment.sqlite (~/.local/share/sentiment/sentiment.sqlite).",
        valueName: "path"))
    var db: String?

    @Flag(name: .long, help: "Do not add the shipped default model when this command creates a new store.")
    var noDefaultModel = false

    /// The store path: `--db`, then `SENTIMENT_DB`, then the XDG data directory.
    func resolvedPath() -> String {
        if let db, !db.isEmpty { return db }
        let env = ProcessInfo.processInfo.environment
        if let p = env["SENTIMENT_DB"], !p.isEmpty { return p }
        let dataHome: String
        if let x = env["XDG_DATA_HOME"], !x.isEmpty {
            dataHome = x
        } else {
            dataHome = (env["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        }
        return dataHome + "/sentiment/sentiment.sqlite"
    }

    /// Whether the path is the default location (whose directory is created when missing).
    var isDefaultLocation: Bool {
        (db ?? "").isEmpty && (ProcessInfo.processInfo.environment["SENTIMENT_DB"] ?? "").isEmpty
    }

    /// Opens the store, creating it when missing. A store this call creates gets the shipped default model
    /// (unless `--no-default-model`).
    func open() throws -> SentimentStore {
        let path = resolvedPath()
        let isNew = !FileManager.default.fileExists(atPath: path)
        let store = try SentimentStore(path: path, createDirectory: isDefaultLocation)
        if isNew && !noDefaultModel && !DefaultModel.bytes.isEmpty {
            let info = try store.importModel(data: DefaultModel.bytes, source: DefaultModel.fileName)
            if try store.activeModel() == nil { try store.activate(name: info.name, version: info.version) }
        }
        return store
    }
}
