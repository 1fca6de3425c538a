import ClassifierStore
import DefaultModel
import Foundation
import PostgresStore
#if canImport(Glibc)
import Glibc
#endif

/// Where the store lives: an explicit path, else `$SENTIMENT_DB`, else `$XDG_DATA_HOME/sentiment/sentiment.sqlite`
/// (`~/.local/share/sentiment/sentiment.sqlite`). A `postgres://user[:password]@host[:port]/database` address
/// selects the PostgreSQL store; anything else is an SQLite file.
public struct StoreLocation: Sendable, Equatable {
    public var path: String
    /// The per-user default location, whose missing directory is created (elsewhere a missing directory is
    /// likely a typo and an error).
    public var isDefault: Bool

    public init(path: String, isDefault: Bool = false) {
        self.path = path
        self.isDefault = isDefault
    }

    /// The files SQLite keeps for a store at `path`: the database, its WAL and its shared-memory index (none for
    /// PostgreSQL: the server keeps them).
    public var files: [String] { isPostgres ? [] : [path, path + "-wal", path + "-shm"] }

    /// A `postgres://` address rather than an SQLite file.
    public var isPostgres: Bool { PostgresURL.isPostgres(path) }

    /// The location for messages: a PostgreSQL address without its password.
    public var displayName: String { PostgresURL.redacted(path) }

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
    ///
    /// Creation is all or nothing: the store is built under a temporary name beside the final one (schema, then
    /// the shipped model), closed, and linked into place in one step, so a kill, a full disk or a concurrent first
    /// command never leaves a store without its model or half migrated at `location`.
    /// - Throws: `ShippedModelError` (before anything is created) when the shipped model is needed but missing.
    ///
    /// With `readOnly` (for work that only reads: queries, `predict` without storing, export) the store is opened
    /// without ever taking the write lock, so it never waits for a writer of another process.
    ///
    /// `blockCacheBytes`: see `SentimentStore.init(path:createDirectory:readOnly:blockCacheBytes:)` (for servers).
    public convenience init(opening location: StoreLocation, defaultModel: Bool = true, readOnly: Bool = false,
                            blockCacheBytes: Int = 0) throws {
        if location.isPostgres {
            self.init(store: try Self.openPostgres(location, defaultModel: defaultModel))
            return
        }
        if !Self.exists(location.path) {
            try Self.create(location, defaultModel: defaultModel)
        }
        self.init(store: try SentimentStore(path: location.path, readOnly: readOnly, blockCacheBytes: blockCacheBytes))
    }

    /// Connects to a PostgreSQL store, creating its schema in an empty database; the process that created it adds
    /// the shipped default model (unless `defaultModel` is false), as a new SQLite store gets it.
    private static func openPostgres(_ location: StoreLocation, defaultModel: Bool) throws -> PostgresStore {
        let url: PostgresURL
        do {
            url = try PostgresURL(location.path)
        } catch let e as PostgresURLError {
            throw StoreError.cannotOpen(path: location.displayName, reason: e.description)
        }
        let store = try PostgresStore(url: url)
        if store.created && defaultModel {
            let info = try store.importModel(data: try ShippedModel.bytes(), source: DefaultModel.fileName)
            if try store.activeModel() == nil { _ = try store.activate(name: info.name, version: info.version) }
        }
        return store
    }

    /// Prefix of the temporary files of a store being created (in the store's directory).
    static let creatingPrefix = ".sentiment-creating-"

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    private static func create(_ location: StoreLocation, defaultModel: Bool) throws {
        let shipped = defaultModel ? try ShippedModel.bytes() : nil
        let path = location.path
        let dir = (path as NSString).deletingLastPathComponent
        removeAbandonedCreations(in: dir.isEmpty ? "." : dir)
        let temp = (dir.isEmpty ? "" : dir + "/") + creatingPrefix + "\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sqlite"
        defer { for file in StoreLocation(path: temp).files { unlink(file) } }
        do {
            let store: SentimentStore
            do {
                // The temporary file lies beside the store: creating it creates the default location's directory.
                store = try SentimentStore(path: temp, createDirectory: location.isDefault)
            } catch let e as StoreError {
                // Name the user's path, not the temporary one.
                throw StoreError.cannotOpen(path: path, reason: "\(e)".replacingOccurrences(of: temp, with: path))
            }
            if let shipped {
                // Its SHA-256 is pinned (`ShippedModel`), so these are the bytes the tests load: no second check.
                let info = try store.importModel(data: shipped, source: DefaultModel.fileName)
                if try store.activeModel() == nil { try store.activate(name: info.name, version: info.version) }
            }
            try store.close()
        }
        // link() puts the complete file in place, or fails if another command created the store meanwhile (then
        // that one is used); where hard links are not supported, rename() (last writer wins: both are new stores).
        if link(temp, path) != 0 {
            let code = errno
            if code == EEXIST { return }
            if code == EPERM || code == ENOTSUP || code == EXDEV {
                guard rename(temp, path) == 0 else { throw StoreError.cannotOpen(path: path, reason: errnoText()) }
            } else {
                throw StoreError.cannotOpen(path: path, reason: String(cString: strerror(code)))
            }
        }
        OutputFile.syncDirectory(dir.isEmpty ? "." : dir)
    }

    /// Removes the temporary files of creations whose process is gone (killed before it could clean up).
    private static func removeAbandonedCreations(in dir: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where name.hasPrefix(creatingPrefix) {
            let rest = name.dropFirst(creatingPrefix.count)
            guard let pid = Int32(rest.prefix(while: { $0.isNumber })), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + "/" + name) }
        }
    }
}
