/// Bounds on what fitting a vocabulary may hold, so a corpus of unique tokens cannot make it count (and then name,
/// and the trainer weigh) tens of millions of n-grams.
public struct VocabularyLimits: Sendable, Equatable {
    /// Most distinct n-gram keys counted (all groups). A counting worker stops once its own table holds more, so
    /// the outcome does not depend on how many workers there are.
    public var maxDistinctKeys: Int
    /// Most features kept (after the document-frequency threshold).
    public var maxFeatures: Int

    public init(maxDistinctKeys: Int, maxFeatures: Int) {
        self.maxDistinctKeys = maxDistinctKeys
        self.maxFeatures = maxFeatures
    }

    /// No bound.
    public static let none = VocabularyLimits(maxDistinctKeys: .max, maxFeatures: .max)
}

/// A vocabulary over `VocabularyLimits`.
public enum VocabularyLimitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// More than `limit` distinct n-grams in the texts.
    case tooManyDistinctKeys(limit: Int)
    /// `found` features occur in at least `minDocumentFrequency` texts; at most `limit` may be kept.
    case tooManyFeatures(found: Int, limit: Int, minDocumentFrequency: Int)

    public var description: String {
        switch self {
        case .tooManyDistinctKeys(let limit):
            return "more than \(limit) distinct n-grams, too many to count in memory"
        case let .tooManyFeatures(found, limit, minDF):
            return "\(found) n-grams occur in at least \(minDF) text\(minDF == 1 ? "" : "s"), more than the \(limit) features a model may keep in memory"
        }
    }
}
