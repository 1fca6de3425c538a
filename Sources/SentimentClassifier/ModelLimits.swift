import TextFeatures

/// How large a model training may build: its weights are `features × labels` numbers, and the trainers keep more
/// state per weight (L-BFGS in memory: iterate, gradient and a history of corrections; out of core: one AdaGrad
/// accumulator per column), all allocated before the first step. Checked before those allocations.
public enum ModelLimits {
    /// In memory (L-BFGS, cross-validation): 2^22 weights, about 1.4M features for 3 labels.
    public static let maxWeightsInMemory = 1 << 22
    /// Out of core: 2^26 weights, the maximum 2^24 buckets for up to 4 labels (a 256 MB Float32 tensor, well
    /// under SQLite's 1 GB value limit).
    public static let maxWeightsOutOfCore = 1 << 26
    /// Distinct n-grams a vocabulary fit may count in memory (its counting tables take 16–32 bytes per key per
    /// worker).
    public static let maxDistinctNgramsInMemory = 1 << 22

    /// Throws `ModelSizeError.weights` when `features × labels` is over `limit`.
    public static func check(features: Int, labels: Int, limit: Int, hashed: Bool) throws {
        let (weights, overflow) = features.multipliedReportingOverflow(by: labels)
        if overflow || weights > limit {
            throw ModelSizeError.weights(features: features, labels: labels, limit: limit, hashed: hashed)
        }
    }
}

/// A model over `ModelLimits`, found before anything of its size was allocated.
public enum ModelSizeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `features × labels` weights over `limit`; `hashed`: the features are hashing buckets.
    case weights(features: Int, labels: Int, limit: Int, hashed: Bool)
    /// The vocabulary the texts give is over the in-memory limits (`labels` decided its feature limit).
    case vocabulary(VocabularyLimitError, labels: Int)

    public var description: String {
        switch self {
        case let .weights(features, labels, limit, hashed):
            return "\(features) \(hashed ? "hashed " : "")features × \(labels) labels would need more than the \(limit) weights a model may have"
        case let .vocabulary(e, labels):
            if case .tooManyFeatures = e { return "\(e) with \(labels) labels" }
            return e.description
        }
    }
}
