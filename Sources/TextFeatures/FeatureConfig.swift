/// How features are counted into columns.
public enum VocabularyMode: Codable, Equatable, Sendable {
    /// A learned vocabulary: features seen in at least `minDocumentFrequency` training texts; with `maxFeatures`
    /// only the most frequent ones (document frequency descending, ties by ascending 64-bit key).
    /// Column ids: word n-grams first, then character n-grams, each by document frequency descending, ties by key.
    case vocabulary(minDocumentFrequency: Int, maxFeatures: Int?)
    /// Feature hashing: a stable 64-bit key mapped into `buckets` columns per feature group
    /// (word n-grams in `0..<buckets`, character n-grams in `buckets..<2*buckets`).
    case hashing(buckets: Int)
}

/// Per-entry weighting.
public enum Weighting: String, Codable, Equatable, Sendable {
    /// Term count (or `1 + ln(count)` with `sublinearTF`).
    case count
    /// 1 for every present feature.
    case binary
    /// Term frequency × smooth idf, `idf = ln((1 + n) / (1 + df)) + 1` (scikit-learn's `smooth_idf`).
    case tfidf
}

/// How L2 normalization treats the feature groups (word n-grams and character n-grams).
public enum GroupNormalization: String, Codable, Equatable, Sendable {
    /// One space: the whole row is scaled to unit length.
    case combined
    /// Each group is scaled to unit length on its own, then the row is divided by √(non-empty groups), so both
    /// groups weigh the same and the row still has unit length (scikit-learn `FeatureUnion` up to that factor).
    case perGroup
}

/// Character n-gram lengths (inclusive), counted in Unicode scalars of `<word>` (with boundary markers).
public struct CharNgramRange: Codable, Equatable, Sendable {
    public var min: Int
    public var max: Int
    public init(min: Int, max: Int) {
        self.min = min
        self.max = max
    }
}

/// A configuration the vectorizer rejects.
public struct FeatureConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// One line naming the offending setting.
    public var description: String
}

/// Everything that decides which features a text gets. Stored with every model.
public struct FeatureConfig: Codable, Equatable, Sendable {
    public var tokenizer: TokenizerConfig
    /// Largest word n-gram length (1 = unigrams only).
    public var wordNgrams: Int
    /// Character n-grams inside words (like scikit-learn `char_wb` / fastText subwords); `nil` = off.
    public var charNgrams: CharNgramRange?
    public var vocabulary: VocabularyMode
    public var weighting: Weighting
    /// Replace a count `tf` by `1 + ln(tf)` (for `.count` and `.tfidf`).
    public var sublinearTF: Bool
    /// Scale rows to unit L2 length.
    public var l2Normalize: Bool
    /// How normalization treats word and character n-gram groups.
    public var groupNormalization: GroupNormalization
    /// The static word-embedding group appended after the sparse columns (`nil` = off; configurations stored
    /// without it decode as off, and it is left out of the JSON when off, so older models' bytes do not change).
    public var embeddings: EmbeddingGroupConfig?
    /// A parent model's features after the model's own (`nil` = none; left out of the JSON when absent, as the
    /// embedding group is).
    public var parentBlock: ParentBlockConfig?

    public init(tokenizer: TokenizerConfig = .default, wordNgrams: Int = 2, charNgrams: CharNgramRange? = nil,
                vocabulary: VocabularyMode = .hashing(buckets: 1 << 20), weighting: Weighting = .tfidf,
                sublinearTF: Bool = true, l2Normalize: Bool = true, groupNormalization: GroupNormalization = .perGroup,
                embeddings: EmbeddingGroupConfig? = nil) {
        self.tokenizer = tokenizer
        self.wordNgrams = wordNgrams
        self.charNgrams = charNgrams
        self.vocabulary = vocabulary
        self.weighting = weighting
        self.sublinearTF = sublinearTF
        self.l2Normalize = l2Normalize
        self.groupNormalization = groupNormalization
        self.embeddings = embeddings
    }

    private enum CodingKeys: String, CodingKey {
        case tokenizer, wordNgrams, charNgrams, vocabulary, weighting, sublinearTF, l2Normalize, groupNormalization,
             embeddings, parentBlock
        /// A group pooled otherwise than as a unit-length mean is stored under its own key: builds from before
        /// the pooling existed do not know the key, see a model whose weights outnumber its features, and refuse
        /// it, instead of pooling its texts the old way and predicting something else.
        case pooledEmbeddings
        /// A tokenizer with an option newer than the original set (Arabic normalization, emoticons) is stored under
        /// its own key for the same reason: builds from before them lack the key `tokenizer` and refuse the model
        /// instead of tokenizing its texts the old way.
        case extendedTokenizer
        /// The same for elongation, the next generation of options (`TokenizerConfig.generation`); a tokenizer under
        /// this key is refused when it has a key this build does not know, so options after it need no new key.
        case strictTokenizer
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let plain = try c.decodeIfPresent(TokenizerConfig.self, forKey: .tokenizer)
        let extended = try c.decodeIfPresent(TokenizerConfig.self, forKey: .extendedTokenizer)
        let strict = try c.decodeIfPresent(StrictTokenizer.self, forKey: .strictTokenizer)?.config
        switch (plain, extended, strict) {
        case (let t?, nil, nil) where t.generation == 0: tokenizer = t
        case (nil, let t?, nil) where t.generation == 1: tokenizer = t
        case (nil, nil, let t?) where t.generation == 2: tokenizer = t
        case (nil, nil, nil): tokenizer = try c.decode(TokenizerConfig.self, forKey: .tokenizer)  // the missing-key error
        default:
            throw DecodingError.dataCorruptedError(forKey: .strictTokenizer, in: c,
                debugDescription: "one tokenizer, under the key of the newest option it uses")
        }
        wordNgrams = try c.decode(Int.self, forKey: .wordNgrams)
        charNgrams = try c.decodeIfPresent(CharNgramRange.self, forKey: .charNgrams)
        vocabulary = try c.decode(VocabularyMode.self, forKey: .vocabulary)
        weighting = try c.decode(Weighting.self, forKey: .weighting)
        sublinearTF = try c.decode(Bool.self, forKey: .sublinearTF)
        l2Normalize = try c.decode(Bool.self, forKey: .l2Normalize)
        groupNormalization = try c.decode(GroupNormalization.self, forKey: .groupNormalization)
        let unit = try c.decodeIfPresent(EmbeddingGroupConfig.self, forKey: .embeddings)
        let pooled = try c.decodeIfPresent(EmbeddingGroupConfig.self, forKey: .pooledEmbeddings)
        if let unit, unit.pooling != .unitLength {
            throw DecodingError.dataCorruptedError(forKey: .embeddings, in: c,
                debugDescription: "an embedding group pooled by \(unit.pooling.rawValue) is stored under pooledEmbeddings")
        }
        if unit != nil && pooled != nil {
            throw DecodingError.dataCorruptedError(forKey: .pooledEmbeddings, in: c,
                debugDescription: "a feature configuration has one embedding group, not two")
        }
        embeddings = unit ?? pooled
        parentBlock = try c.decodeIfPresent(ParentBlockConfig.self, forKey: .parentBlock)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch tokenizer.generation {
        case 0: try c.encode(tokenizer, forKey: .tokenizer)
        case 1: try c.encode(tokenizer, forKey: .extendedTokenizer)
        default: try c.encode(tokenizer, forKey: .strictTokenizer)
        }
        try c.encode(wordNgrams, forKey: .wordNgrams)
        try c.encodeIfPresent(charNgrams, forKey: .charNgrams)
        try c.encode(vocabulary, forKey: .vocabulary)
        try c.encode(weighting, forKey: .weighting)
        try c.encode(sublinearTF, forKey: .sublinearTF)
        try c.encode(l2Normalize, forKey: .l2Normalize)
        try c.encode(groupNormalization, forKey: .groupNormalization)
        if let e = embeddings { try c.encode(e, forKey: e.pooling == .unitLength ? .embeddings : .pooledEmbeddings) }
        try c.encodeIfPresent(parentBlock, forKey: .parentBlock)
    }

    /// Most hashing buckets: 2^24 columns already make a 200 MB weight matrix with 3 labels (and the out-of-core
    /// trainer keeps one more accumulator per column); more would be allocated before any check on the labels.
    public static let maxBuckets = 1 << 24

    /// Word 1–2-grams hashed into 2^20 buckets, sublinear TF-IDF, L2-normalized, negation marking on.
    public static let `default` = FeatureConfig()

    /// Throws a `FeatureConfigError` naming the first invalid setting.
    public func validate() throws {
        if wordNgrams < 1 || wordNgrams > 16 {
            throw FeatureConfigError(description: "wordNgrams must be in 1...16, got \(wordNgrams)")
        }
        if let c = charNgrams, c.min < 1 || c.max < c.min || c.max > 32 {
            throw FeatureConfigError(description: "charNgrams must satisfy 1 <= min <= max <= 32, got \(c.min)...\(c.max)")
        }
        switch vocabulary {
        case .hashing(let b) where b < 1 || b > Self.maxBuckets:
            throw FeatureConfigError(description: "hashing buckets must be in 1...\(Self.maxBuckets), got \(b)")
        case .vocabulary(let minDF, let maxFeatures):
            if minDF < 1 { throw FeatureConfigError(description: "minDocumentFrequency must be >= 1, got \(minDF)") }
            if let m = maxFeatures, m < 1 { throw FeatureConfigError(description: "maxFeatures must be >= 1, got \(m)") }
        default: break
        }
        if let e = embeddings { try e.validate() }
        if let b = parentBlock { try b.validate() }
        let p = tokenizer.negationPrefix
        if p.contains(" ") || p.contains(":") {
            throw FeatureConfigError(description: "negationPrefix must not contain spaces or ':', got \"\(p)\"")
        }
    }

    /// The configuration with out-of-range values clamped (what `Vectorizer.fit` uses).
    var sanitized: FeatureConfig {
        var c = self
        c.wordNgrams = Swift.min(Swift.max(c.wordNgrams, 1), 16)
        if let r = c.charNgrams {
            let lo = Swift.min(Swift.max(r.min, 1), 32)
            c.charNgrams = CharNgramRange(min: lo, max: Swift.min(Swift.max(r.max, lo), 32))
        }
        switch c.vocabulary {
        case .hashing(let b): c.vocabulary = .hashing(buckets: Swift.min(Swift.max(b, 1), Self.maxBuckets))
        case .vocabulary(let minDF, let maxFeatures):
            c.vocabulary = .vocabulary(minDocumentFrequency: Swift.max(minDF, 1), maxFeatures: maxFeatures.map { Swift.max($0, 1) })
        }
        c.tokenizer.negationPrefix = c.tokenizer.negationPrefix.filter { $0 != " " && $0 != ":" }
        return c
    }
}

/// A tokenizer stored under `strictTokenizer`: decoded only when this build knows every key it has, since an option
/// added later would otherwise be dropped without a word and the model's texts tokenized the old way.
private struct StrictTokenizer: Decodable {
    var config: TokenizerConfig

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        let keys = try decoder.container(keyedBy: AnyKey.self).allKeys
        if let unknown = keys.first(where: { !TokenizerConfig.knownKeys.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [unknown],
                debugDescription: "tokenizer option \"\(unknown.stringValue)\" is newer than this build"))
        }
        config = try TokenizerConfig(from: decoder)
    }
}
