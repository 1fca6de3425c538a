import ArgumentParser
import Foundation
import SentimentKit

/// Options every command shares: where the store lives.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Path of the SQLite store, or a PostgreSQL database as postgres://user[:password]@host[:port]/database. Default: $SENTIMENT_DB, else $XDG_DATA_HOME/sentiment/sentiment.sqlite (~/.local/share/sentiment/sentiment.sqlite); on a terminal, a note on standard error names the default store when it is used.",
        valueName: "path"))
    var db: String?

    @Flag(name: .long, help: "Do not add the shipped default model when this command creates a new store.")
    var noDefaultModel = false

    func validate() throws {
        // An empty value is almost always an unset shell variable (`--db "$STORE"`): never the default store.
        if let db, db.isEmpty {
            throw ValidationError("--db is empty; give the store's path (leave --db out for $SENTIMENT_DB or the default store)")
        }
    }

    /// `--db`, then `SENTIMENT_DB`, then the XDG data directory.
    var location: StoreLocation { StoreLocation.resolve(db) }

    /// The application layer over the store, which is created when missing (with the shipped default model
    /// unless `--no-default-model`).
    /// `readOnly` for commands that only read: they never wait for another process's write transaction.
    func service(readOnly: Bool = false, blockCacheBytes: Int = 0) throws -> SentimentService {
        let location = location
        noteDefaultStore(location)
        return try SentimentService(opening: location, defaultModel: !noDefaultModel, readOnly: readOnly,
                                    blockCacheBytes: blockCacheBytes)
    }

    /// The store itself, for queries the store answers directly (read-only).
    func open() throws -> any SentimentStoring { try service(readOnly: true).store }
}

/// Whether the note on the default store was written (once per process).
nonisolated(unsafe) private var notedDefaultStore = false

/// Forgetting `--db` silently meant the per-user store: on a terminal, one line on stderr names it. Not when stderr
/// is redirected, so scripts and logs stay as they were (their output names the store where it names models).
func noteDefaultStore(_ location: StoreLocation) {
    guard location.isDefault, !notedDefaultStore, isatty(2) != 0 else { return }
    notedDefaultStore = true
    printError("sentiment: using the default store \(location.path) (--db PATH or $SENTIMENT_DB for another)")
}
