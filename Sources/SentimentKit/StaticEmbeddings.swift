import ClassifierStore
import DefaultModel
import Foundation
import SentimentClassifier
import Synchronization
import TextFeatures

/// The shipped static word-embedding table could not be used.
public struct EmbeddingTableUnavailable: Error, CustomStringConvertible, Equatable, Sendable {
    public var searched: [String]
    /// Files that were found but are not the shipped table (their digest differs).
    public var mismatched: [String]

    public var description: String {
        var s = "the static word-embedding table (\(EmbeddingTableFile.fileName)) was not found"
        if !mismatched.isEmpty { s += "; these files differ from it (SHA-256 mismatch): " + mismatched.joined(separator: ", ") }
        return s + "; looked in " + searched.joined(separator: ", ") + ". Set SENTIMENT_EMBEDDINGS to its path"
    }
}

/// The shipped embedding table, read at run time from the first location that holds exactly the shipped file
/// (`EmbeddingTableFile.candidates()`, verified against `EmbeddingTableFile.sha256`), parsed once per process.
public enum StaticEmbeddings {
    private static let cache = Mutex<EmbeddingTable?>(nil)

    /// The shipped table (its identity is the file's SHA-256).
    /// - Throws: `EmbeddingTableUnavailable`, or `EmbeddingTableError` if the shipped bytes do not parse.
    public static func shipped(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> EmbeddingTable {
        if let t = cache.withLock({ $0 }) { return t }
        let table = try load(searching: EmbeddingTableFile.candidates(environment: environment),
                             sha256: EmbeddingTableFile.sha256)
        cache.withLock { $0 = table }
        return table
    }

    /// The shipped table when a fit with `options` on `rows` rows will try the group: it is tuned and some
    /// candidate weight is positive. Nil when it will not, or (unless `required`) when the table is not found.
    /// - Throws: only when `required`: `EmbeddingTableUnavailable` or `EmbeddingTableError`.
    public static func forTraining(_ options: ClassifierOptions, rows: Int, required: Bool) throws -> EmbeddingTable? {
        guard options.tunes(rows: rows), options.embeddingWeights.contains(where: { $0 > 0 }) else { return nil }
        do { return try shipped() } catch {
            if required { throw error }
            return nil
        }
    }

    /// `options` with the candidate weights a fit on `rows` rows tries: above
    /// `SentimentClassifier.embeddingTrialRowLimit` rows the default candidates give way to
    /// `ClassifierOptions.largeCorpusEmbeddingWeights`, unless the request named the group (`asked`).
    public static func sized(_ options: ClassifierOptions, rows: Int, asked: Bool) -> ClassifierOptions {
        var options = options
        if !asked, rows > SentimentClassifier.embeddingTrialRowLimit,
           options.embeddingWeights == ClassifierOptions.defaultEmbeddingWeights {
            options.embeddingWeights = ClassifierOptions.largeCorpusEmbeddingWeights
        }
        return options
    }

    /// The first of `searched` whose SHA-256 is `sha256`, parsed.
    static func load(searching searched: [String], sha256: String) throws -> EmbeddingTable {
        let found = firstPinnedFile(searching: searched, sha256: sha256)
        guard let bytes = found.bytes else { throw EmbeddingTableUnavailable(searched: searched, mismatched: found.mismatched) }
        return try EmbeddingTable(bytes: bytes, identity: sha256)
    }
}
