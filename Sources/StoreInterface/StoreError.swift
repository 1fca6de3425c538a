
/// Errors thrown by `SentimentStore`. Each description is one line a user can act on.
public enum StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The store file could not be opened or created.
    case cannotOpen(path: String, reason: String)
    /// The file is a SQLite database of another application (it has tables, but not ours).
    case notASentimentStore(path: String)
    /// The file is not a SQLite database, or it is truncated / damaged.
    case corrupted(path: String, reason: String)
    /// The store was written by a newer version of this program.
    case newerVersion(path: String, detail: String)
    /// No model `name` / `name@version`.
    case modelNotFound(String)
    /// No corpus with that name or id.
    case corpusNotFound(String)
    /// No prediction with that id.
    case predictionNotFound(Int64)
    /// A full-text query with invalid FTS5 syntax.
    case invalidSearch(query: String, message: String)
    /// A model's stored payload does not match its checksum (tampered or damaged), e.g. `name@3`.
    case checksumMismatch(model: String)
    /// The store (or its directory) is not writable.
    case readOnlyLocation(path: String)
    /// A value given by the caller is invalid (bad label, shape mismatch, …).
    case invalidValue(String)
    /// A portable model file is truncated, corrupt or of an unsupported format.
    case invalidModelFile(source: String, reason: String)
    /// A stored value of the wrong type (written around the store), e.g. a text where a number belongs.
    case unreadableValue(table: String, row: Int64?, column: String)
    /// Any other database failure.
    case database(path: String, message: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "\(path): cannot open store: \(reason)"
        case let .notASentimentStore(path):
            return "\(path): not a sentiment store (this SQLite database belongs to another application)"
        case let .corrupted(path, reason):
            return "\(path): store file is corrupted or not a database (\(reason))"
        case let .newerVersion(path, detail):
            return "\(path): store was written by a newer version of sentiment (\(detail)); upgrade the program"
        case let .modelNotFound(ref):
            return "model not found: \(ref)"
        case let .corpusNotFound(ref):
            return "corpus not found: \(ref)"
        case let .predictionNotFound(id):
            return "prediction not found: \(id)"
        case let .invalidSearch(query, message):
            return "invalid search \"\(query)\": \(message)"
        case let .checksumMismatch(model):
            return "model \(model): checksum mismatch, stored payload is damaged or was modified"
        case let .readOnlyLocation(path):
            return "\(path): store location is read-only"
        case let .invalidValue(message):
            return "invalid value: \(message)"
        case let .invalidModelFile(source, reason):
            return "\(source): invalid model file: \(reason)"
        case let .unreadableValue(table, row, column):
            return "store value cannot be read: table \(table)\(row.map { ", row \($0)" } ?? ""), column \(column) has a value of the wrong type (changed outside sentiment?)"
        case let .database(path, message):
            return "\(path): database error: \(message)"
        }
    }

    /// How a backend starts the message of `.database` when another process held the store longer than the
    /// busy timeout.
    public static let busyPrefix = "store is busy (locked by another process): "

    /// Another process held the store's write lock longer than the busy timeout: the same write may succeed later.
    public var isBusy: Bool {
        if case let .database(_, message) = self { return message.hasPrefix(Self.busyPrefix) }
        return false
    }

    /// True for errors caused by user input (bad label, bad search, unknown ids) rather than the store itself.
    public var isInputError: Bool {
        switch self {
        case .modelNotFound, .corpusNotFound, .predictionNotFound, .invalidSearch, .invalidValue, .invalidModelFile:
            return true
        default:
            return false
        }
    }
}
