import Foundation
import Sparse

/// Texts → sparse feature rows (`CSRMatrix`), following a `FeatureConfig`.
///
/// `config`, `featureNames` and `idf` are everything needed to rebuild a fitted vectorizer
/// (`init(config:featureNames:idf:)`). All batch operations run on every core over fixed contiguous row blocks
/// and give the same output bit for bit as a serial run.
public struct Vectorizer: Codable, Equatable, Sendable {
    /// The configuration (with out-of-range values clamped at fit time).
    public internal(set) var config: FeatureConfig
    /// Column id → feature name (vocabulary mode); empty in hashing mode.
    public internal(set) var featureNames: [String]
    /// Column weights of TF-IDF (empty unless `weighting == .tfidf`): the smooth idf, times any supervised factor
    /// applied with ``scalingColumns(by:)``.
    public internal(set) var idf: [Float]
    /// Number of columns of the produced matrices.
    public let featureCount: Int
    /// Columns `0..<wordColumnCount` hold word n-grams, the rest character n-grams.
    let wordColumnCount: Int
    /// Key → column (vocabulary mode).
    let lookup: KeyTable
    /// Hashing buckets per group (0 in vocabulary mode); hoisted out of `config` for the row kernel.
    let buckets: Int
    /// Whether character n-grams are on.
    let hasCharGroup: Bool
    /// Bits needed for a column index (the row sort's radix passes cover them).
    let columnBits: Int
    /// Weighting flags hoisted out of `config`.
    let tfidf: Bool, binary: Bool, sublinear: Bool, l2: Bool, perGroup: Bool
    /// The embedding group's table and weight (see `attaching(_:weight:pooling:)`); nil when the group is off.
    public internal(set) var embeddingTable: EmbeddingTable? = nil
    var embeddingWeight: Float = 0
    var embeddingPooling = EmbeddingPooling.unitLength
    /// With `projectingEmbedding(through:width:)`: the group's part of a row as `projectionWidth` columns, the
    /// weighted pooled vector times this `dimensions × projectionWidth` matrix (row-major); empty: the group's own columns.
    var embeddingProjection: [Float] = []
    var projectionWidth = 0
    /// Under root-count pooling and a projection: each table row's vector times the weight times the projection
    /// (`count × projectionWidth`); empty otherwise.
    var projectedRows: [Float] = []
    /// The parent block's vectorizer (see `besides(parent:)`); nil when there is none.
    var parentBox: ParentBlockBox? = nil

    private enum CodingKeys: String, CodingKey { case config, featureNames, idf }

    /// Rebuilds a vectorizer from stored values. Names must come from a fitted vectorizer (word n-grams first,
    /// then `c:` character n-grams); in hashing mode pass no names. Missing idf values count as 1.
    public init(config: FeatureConfig, featureNames: [String], idf: [Float]) {
        var keys: [UInt64] = []
        if case .vocabulary = config.vocabulary { keys = featureNames.map(StableHash.featureKey(name:)) }
        self.init(config: config, featureNames: featureNames, keys: keys, idf: idf)
    }

    /// `keys[id]` is the feature key of `featureNames[id]` (vocabulary mode), as `fit` computed it.
    init(config: FeatureConfig, featureNames: [String], keys: [UInt64], idf: [Float]) {
        var config = config.sanitized
        config.embeddings = nil  // on only with its table: `attaching(_:weight:pooling:)`
        config.parentBlock = nil  // on only with the parent's vectorizer: `besides(parent:)`
        self.config = config
        self.featureNames = featureNames
        hasCharGroup = config.charNgrams != nil
        tfidf = config.weighting == .tfidf
        binary = config.weighting == .binary
        sublinear = config.sublinearTF
        l2 = config.l2Normalize
        perGroup = config.groupNormalization == .perGroup && config.charNgrams != nil
        switch config.vocabulary {
        case .hashing(let buckets):
            self.buckets = buckets
            featureCount = buckets * (config.charNgrams == nil ? 1 : 2)
            wordColumnCount = buckets
            self.featureNames = []
            lookup = KeyTable()
        case .vocabulary:
            buckets = 0
            featureCount = featureNames.count
            var table = KeyTable(minimumCapacity: featureNames.count)
            var words = featureNames.count
            for (id, name) in featureNames.enumerated() {
                if words == featureNames.count && name.hasPrefix(FeatureExtractor.charPrefix) { words = id }
                table.insert(keys[id], Int32(truncatingIfNeeded: id))
            }
            wordColumnCount = words
            lookup = table
        }
        columnBits = Int.bitWidth - Swift.max(featureCount - 1, 1).leadingZeroBitCount
        if config.weighting == .tfidf {
            var v = Array(idf.prefix(featureCount))
            if v.count < featureCount { v.append(contentsOf: repeatElement(1, count: featureCount - v.count)) }
            self.idf = v
        } else {
            self.idf = []
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let config = try c.decode(FeatureConfig.self, forKey: .config)
        if config.embeddings != nil || config.parentBlock != nil {
            // The table is not part of the encoding: such a vectorizer is rebuilt with `attaching(_:weight:pooling:)`.
            throw DecodingError.dataCorruptedError(forKey: .config, in: c,
                debugDescription: "a vectorizer with the embedding group or a parent block is rebuilt with its table or parent, not decoded")
        }
        self.init(config: config,
                  featureNames: try c.decode([String].self, forKey: .featureNames),
                  idf: try c.decode([Float].self, forKey: .idf))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(config, forKey: .config)
        try c.encode(featureNames, forKey: .featureNames)
        try c.encode(idf, forKey: .idf)
    }

    public static func == (a: Vectorizer, b: Vectorizer) -> Bool {
        a.config == b.config && a.featureNames == b.featureNames && a.idf == b.idf && a.parentBlock == b.parentBlock
    }
}
