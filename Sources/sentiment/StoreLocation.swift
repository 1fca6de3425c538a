import ArgumentParser
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

    /// `--db`, then `SENTIMENT_DB`, then the XDG data directory.
    var location: StoreLocation { StoreLocation.resolve(db) }

    /// The application layer over the store, which is created when missing (with the shipped default model
    /// unless `--no-default-model`).
    /// `readOnly` for commands that only read: they never wait for another process's write transaction.
    func service(readOnly: Bool = false, blockCacheBytes: Int = 0) throws -> SentimentService {
        try SentimentService(opening: location, defaultModel: !noDefaultModel, readOnly: readOnly,
                             blockCacheBytes: blockCacheBytes)
    }

    /// The store itself, for queries the store answers directly (read-only).
    func open() throws -> any SentimentStoring { try service(readOnly: true).store }
}
