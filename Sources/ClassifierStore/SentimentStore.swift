import Foundation
import StoreInterface
import GRDB
import Synchronization

/// The SQLite store of corpora, models, training runs, evaluations and predictions.
///
/// Decisions (see the methods for details):
/// - One active model per store (globally): the default when no model is named. Saving a model activates it
///   unless `activate` is false and another model is active.
/// - Versions increase per model name inside the write transaction and are never reused (deleted models
///   leave a tombstone row).
/// - Deleting a model keeps its predictions (still listed as `name@version`, still correctable) unless
///   `deletePredictions: true`.
/// - Importing a model file keeps the file's version when it is higher than every version of that name,
///   else takes the next one; importing identical content under the same name returns the existing model.
/// - "Newest first" is insertion order (ids grow with every insert), so listing stays index-free and fast.
/// - Probabilities are stored as a JSON object (Float32 precision), queryable with `json_extract`.
/// - Text is stored as given; SQLite text ends at an embedded NUL character.
///
/// Files are opened with a GRDB `DatabasePool` in WAL mode (readers never block the writer), foreign keys on
/// and a 5 s busy timeout. `inMemory()` gives a private store for tests. Every public method is safe to call
/// from several threads; each write is one transaction (all or nothing).
public final class SentimentStore: Sendable {
    /// The store's file path (":memory:" for in-memory stores).
    public let path: String
    let writer: any DatabaseWriter
    /// Opened for reading only (see `init(path:createDirectory:readOnly:)`).
    public let isReadOnly: Bool
    /// Prediction blocks kept in memory between queries (nil: none; see `init(path:createDirectory:readOnly:blockCacheBytes:)`).
    let blockCache: BlockCache?
    /// This store's file in `OpenStores` (nil in memory).
    private let fileID: OpenStores.FileID?

    /// The files SQLite keeps for this store (the database, its WAL and shared-memory index); none in memory.
    public var files: [String] { path == ":memory:" ? [] : [path, path + "-wal", path + "-shm"] }

    /// Opens (creating or upgrading if needed) the store at `path`.
    ///
    /// - Parameter createDirectory: create missing parent directories (for a default location such as
    ///   `~/.local/share/sentiment/`); when false, a missing directory is an error (likely a typo).
    /// - Throws: `StoreError.cannotOpen`, `.readOnlyLocation`, `.corrupted`, `.notASentimentStore`,
    ///   `.newerVersion`.
    /// - Parameter readOnly: for commands that only read: the store is opened without ever taking the write lock
    ///   (GRDB's writable pool writes on open when the WAL file is missing or empty, and would then wait for a
    ///   writer of another process). A store whose schema needs migrating is opened writable instead.
    /// - Parameter blockCacheBytes: for a long-running process that answers many filtered queries (`serve`): keep up
    ///   to this many bytes of prediction blocks (28 bytes a prediction) in memory between queries, so pages, counts
    ///   and summaries do not read them from the database each time. 0 (one-shot commands): none.
    public init(path: String, createDirectory: Bool = false, readOnly: Bool = false, blockCacheBytes: Int = 0) throws {
        self.path = path
        blockCache = blockCacheBytes > 0 ? BlockCache(capacity: blockCacheBytes) : nil
        if createDirectory {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
                do {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                } catch {
                    throw StoreError.cannotOpen(path: path, reason: "cannot create directory \(dir)")
                }
            }
        }
        try Self.precheck(path: path)
        var pool: DatabasePool
        var readOnlyOpen = readOnly && FileManager.default.fileExists(atPath: path)
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration(readOnly: readOnlyOpen))
            if readOnlyOpen, try !pool.read({ try Schema.migrator.hasCompletedMigrations($0) }) {
                try pool.close()
                readOnlyOpen = false
                pool = try DatabasePool(path: path, configuration: Self.configuration())
            }
        } catch {
            throw StoreError.map(error, path: path)
        }
        self.writer = pool
        self.isReadOnly = readOnlyOpen
        fileID = OpenStores.register(path)
        try prepareSchema()
    }

    deinit { if let fileID { OpenStores.unregister(fileID) } }

    private init(path: String, writer: any DatabaseWriter, blockCacheBytes: Int) throws {
        self.path = path
        self.writer = writer
        blockCache = blockCacheBytes > 0 ? BlockCache(capacity: blockCacheBytes) : nil
        self.fileID = nil
        self.isReadOnly = false
        try prepareSchema()
    }

    /// Checkpoints the WAL into the database file and closes every connection: afterwards the file alone holds
    /// the whole store (it may be moved), and this object must not be used again.
    public func close() throws {
        do {
            try writer.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            try writer.close()
        } catch {
            throw StoreError.map(error, path: path)
        }
    }

    /// A fresh store in memory (nothing touches the disk), for tests and one-off runs.
    public static func inMemory(blockCacheBytes: Int = 0) throws -> SentimentStore {
        do {
            return try SentimentStore(path: ":memory:", writer: DatabaseQueue(configuration: configuration()),
                                      blockCacheBytes: blockCacheBytes)
        } catch {
            throw StoreError.map(error, path: ":memory:")
        }
    }

    /// The schema version this build writes (the store's `PRAGMA user_version`).
    public static var schemaVersion: Int { Schema.version }

    static func configuration(readOnly: Bool = false) -> Configuration {
        var config = Configuration()
        config.readonly = readOnly
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(5)
        config.label = "SentimentStore"
        config.prepareDatabase { db in
            if db.configuration.readonly {
                // Pool readers: a smaller page cache each (up to 5 of them).
                try db.execute(sql: "PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY")
                return
            }
            // WAL + NORMAL: a crash or kill never corrupts and never exposes a partial transaction; only the
            // last commits may be lost on power failure. A larger page cache keeps bulk inserts off the disk.
            // page_size only takes effect when the file is created (before WAL is enabled): 16 KiB pages cut the
            // CPU cost of bulk prediction inserts by ~25% (measured) against the 4 KiB default.
            try db.execute(sql: """
                PRAGMA page_size = 16384; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;
                PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = \(autocheckpointPages)
                """)
        }
        return config
    }

    /// Runs `body` with a 4 MB page cache instead of the writer's 64 MB: for writes of large sequential content
    /// (a corpus's documents, a model's payloads) that gain nothing from caching, so a big corpus or model does not
    /// grow the process by the whole cache (dirty pages spill to the WAL instead).
    static func withSmallPageCache<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
        try db.execute(sql: "PRAGMA cache_size = -4096")
        defer { try? db.execute(sql: "PRAGMA cache_size = \(cacheSize)") }
        return try body()
    }

    /// Fails early, with clear messages, for paths SQLite would reject with vague ones.
    private static func precheck(path: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        var info = stat()
        if stat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw StoreError.cannotOpen(path: path, reason: "is a directory")
            // Opening a FIFO would block until a writer came; a device or socket is no database either.
            case S_IFIFO: throw StoreError.cannotOpen(path: path, reason: "is a FIFO, not a regular file")
            case S_IFCHR, S_IFBLK: throw StoreError.cannotOpen(path: path, reason: "is a device, not a regular file")
            default: throw StoreError.cannotOpen(path: path, reason: "is not a regular file")
            }
            guard fm.isReadableFile(atPath: path) else {
                throw StoreError.cannotOpen(path: path, reason: "permission denied")
            }
            guard fm.isWritableFile(atPath: path) else { throw StoreError.readOnlyLocation(path: path) }
            // A non-empty file must start with the SQLite header. Not read when a store of this process has the
            // file open: closing any descriptor of a file drops all of this process's POSIX locks on it, SQLite's
            // included (another process could then delete the WAL under the open store).
            if !OpenStores.contains(OpenStores.FileID(info)), let handle = FileHandle(forReadingAtPath: path) {
                defer { try? handle.close() }
                let head = (try? handle.read(upToCount: 16)) ?? Data()
                if !head.isEmpty && head != Data("SQLite format 3\u{0}".utf8) {
                    throw StoreError.corrupted(path: path, reason: "file is not a database")
                }
            }
        } else {
            let dir = (path as NSString).deletingLastPathComponent
            let parent = dir.isEmpty ? "." : dir
            guard fm.fileExists(atPath: parent, isDirectory: &isDir), isDir.boolValue else {
                throw StoreError.cannotOpen(path: path, reason: "directory \(parent) does not exist")
            }
            guard fm.isWritableFile(atPath: parent) else { throw StoreError.readOnlyLocation(path: path) }
        }
    }

    /// Refuses foreign and newer stores, then runs pending migrations.
    private func prepareSchema() throws {
        let migrator = Schema.migrator
        do {
            let (tables, appID, userVersion, superseded) = try writer.read { db -> ([String], Int32, Int, Bool) in
                let tables = try String.fetchAll(db, sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                    """)
                let appID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let userVersion = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                let superseded = tables.contains("grdb_migrations") ? try migrator.hasBeenSuperseded(db) : false
                return (tables, appID, userVersion, superseded)
            }
            if !tables.isEmpty && appID != Schema.applicationID {
                throw StoreError.notASentimentStore(path: path)
            }
            if userVersion > Schema.version {
                throw StoreError.newerVersion(
                    path: path, detail: "schema version \(userVersion), this build knows up to \(Schema.version)")
            }
            if superseded {
                let unknown = try writer.read { db in
                    try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
                }
                throw StoreError.newerVersion(
                    path: path, detail: "unknown migrations \(unknown.joined(separator: ", "))")
            }
            if !isReadOnly { try migrator.migrate(writer) }
        } catch {
            throw StoreError.map(error, path: path)
        }
    }

    // MARK: - Transaction helpers mapping errors

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try writer.write(body) } catch { throw StoreError.map(error, path: path) }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try writer.read(body) } catch { throw StoreError.map(error, path: path) }
    }
}

// MARK: - Value helpers

package enum Clock {
    /// The current time as it will read back from the store (dates are stored as seconds since 1970).
    package static func now() -> Date { normalized(Date()) }
    package static func normalized(_ date: Date) -> Date { Self.date(seconds(date)) }
    /// Seconds since 1970 rounded to the microsecond, so a date read back from the store compares equal.
    package static func seconds(_ date: Date) -> Double { (date.timeIntervalSince1970 * 1e6).rounded() / 1e6 }
    package static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }
}

package enum JSONText {
    package static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain arrays / dictionaries of strings and numbers cannot fail.
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    package static func decode<T: Decodable>(_ type: T.Type, _ text: String, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError.invalidValue("stored \(what) is not valid JSON: \(text.prefix(80))")
        }
    }

    /// A label list as stored (`["negative","neutral","positive"]`), decoded once per distinct text in the
    /// process: every page of the review queue reads the same few lists, and JSONDecoder is the costly part.
    static func labels(_ text: String, what: String) throws -> [String] {
        if let known = decodedLabels.withLock({ $0[text] }) { return known }
        let labels = try decode([String].self, text, what: what)
        decodedLabels.withLock { cache in
            if cache.count >= 1_024 { cache.removeAll() }
            cache[text] = labels
        }
        return labels
    }

    private static let decodedLabels = Mutex<[String: [String]]>([:])
}

/// The store files this process has open, by device and inode, with how many `SentimentStore`s hold each.
enum OpenStores {
    struct FileID: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
        init(_ s: stat) {
            device = UInt64(s.st_dev)
            inode = UInt64(s.st_ino)
        }
    }

    private static let open = Mutex<[FileID: Int]>([:])

    static func register(_ path: String) -> FileID? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let id = FileID(info)
        open.withLock { $0[id, default: 0] += 1 }
        return id
    }

    static func unregister(_ id: FileID) {
        open.withLock { if let n = $0[id] { $0[id] = n > 1 ? n - 1 : nil } }
    }

    static func contains(_ id: FileID) -> Bool { open.withLock { $0[id] != nil } }
}
