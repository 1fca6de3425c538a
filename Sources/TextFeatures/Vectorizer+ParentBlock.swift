import Sparse

/// A parent model's features beside a model's own (`train --from` a model that brings no corpora): every text's
/// row as the parent makes it, placed after the model's own columns (and its embedding group). A linear model over
/// these rows scores a text as the parent did plus what the corpus adds, so the parent's weights are a prior that
/// means on the block exactly what it meant in the parent, whatever the corpus's own vocabulary and weighting.
public struct ParentBlockConfig: Codable, Equatable, Sendable {
    /// Names of the stored vocabulary (after the model's own) and column weights (after its own) that are the
    /// block's, its own block's included: how a stored model is split back into its parts.
    public var names: Int
    public var columnWeights: Int
    /// The parent's feature configuration (in an array: a configuration cannot hold one directly).
    private var parent: [FeatureConfig]
    public var features: FeatureConfig { parent[0] }

    public init(features: FeatureConfig, names: Int, columnWeights: Int) {
        parent = [features]
        self.names = names
        self.columnWeights = columnWeights
    }

    private enum CodingKeys: String, CodingKey { case features, names, columnWeights = "column_weights" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        parent = [try c.decode(FeatureConfig.self, forKey: .features)]
        names = try c.decode(Int.self, forKey: .names)
        columnWeights = try c.decode(Int.self, forKey: .columnWeights)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(features, forKey: .features)
        try c.encode(names, forKey: .names)
        try c.encode(columnWeights, forKey: .columnWeights)
    }

    /// Generations of parents a model may carry (a model adapted from a model adapted from …): each costs a row
    /// per prediction, and a stored configuration is checked to this depth, not further.
    public static let maxDepth = 8

    /// Blocks nested in this one, this one included.
    public var depth: Int { 1 + (features.parentBlock?.depth ?? 0) }

    func validate() throws {
        guard names >= 0, columnWeights >= 0 else {
            throw FeatureConfigError(description: "parent block sizes must be ≥ 0, got \(names) names and \(columnWeights) column weights")
        }
        guard depth <= Self.maxDepth else {
            throw FeatureConfigError(description: "more than \(Self.maxDepth) generations of parent blocks")
        }
        try features.validate()
    }
}

/// The block's vectorizer, boxed: a vectorizer cannot hold one directly.
final class ParentBlockBox: Sendable {
    let vectorizer: Vectorizer
    /// Whether the block's word n-gram keys are the model's own (the same tokenizer and n-gram length, and no
    /// character group, embedding group or block in the block): then a text is tokenized once for both.
    let sharesWordKeys: Bool
    init(_ vectorizer: Vectorizer, besides own: FeatureConfig) {
        self.vectorizer = vectorizer
        sharesWordKeys = vectorizer.config.tokenizer == own.tokenizer && vectorizer.config.wordNgrams == own.wordNgrams
            && !vectorizer.hasCharGroup && vectorizer.embeddingTable == nil && vectorizer.parentBox == nil
    }
}

extension Vectorizer {
    /// How explanations name a parent block's feature (apart from the model's own feature of the same name).
    public static func parentFeatureName(_ name: String) -> String { "parent:" + name }

    /// The parent's vectorizer whose rows follow this one's own columns (nil: no block).
    public var parentBlock: Vectorizer? { parentBox?.vectorizer }

    /// The first column of the parent block (`columnCount` when there is none).
    public var parentBlockStart: Int { columnCount - (parentBlock?.columnCount ?? 0) }

    /// This vectorizer with `parent`'s rows (its embedding group's and its own block's included) after its own
    /// columns and embedding group. Nil when `parent` already carries `ParentBlockConfig.maxDepth` generations, or
    /// this one already has a block.
    public func besides(parent: Vectorizer) -> Vectorizer? {
        guard parentBox == nil, (parent.config.parentBlock?.depth ?? 0) < ParentBlockConfig.maxDepth else { return nil }
        var v = self
        v.parentBox = ParentBlockBox(parent, besides: config)
        v.config.parentBlock = ParentBlockConfig(features: parent.config, names: parent.storedFeatureNames.count,
                                                 columnWeights: parent.storedColumnWeights.count)
        return v
    }

    /// The stored form's vocabulary and column weights: this vectorizer's own, then the block's (and so on).
    public var storedFeatureNames: [String] { featureNames + (parentBlock?.storedFeatureNames ?? []) }
    public var storedColumnWeights: [Float] { idf + (parentBlock?.storedColumnWeights ?? []) }

    /// Rebuilds a vectorizer from its stored form (`storedFeatureNames`, `storedColumnWeights`), with its embedding
    /// group over `table` and its block (and the block's, and so on) when `config` has them. Nil when the sizes
    /// disagree with the configuration, or a group is configured and `table` is nil or of other dimensions (the
    /// caller checks the table's identity).
    public init?(stored config: FeatureConfig, featureNames: [String], columnWeights: [Float],
                 table: EmbeddingTable? = nil) {
        let block = config.parentBlock
        let blockNames = block?.names ?? 0, blockWeights = block?.columnWeights ?? 0
        guard blockNames <= featureNames.count, blockWeights <= columnWeights.count else { return nil }
        let ownNames = featureNames.count - blockNames, ownWeights = columnWeights.count - blockWeights
        var own = config
        own.parentBlock = nil
        var v = Vectorizer(config: own, featureNames: Array(featureNames[..<ownNames]),
                           idf: Array(columnWeights[..<ownWeights]))
        if let group = config.embeddings {
            guard let table, table.dimensions == group.dimensions else { return nil }
            v = v.attaching(table, weight: group.weight, pooling: group.pooling)
        }
        guard let block else {
            self = v
            return
        }
        guard v.idf.count == ownWeights,
              let parent = Vectorizer(stored: block.features, featureNames: Array(featureNames[ownNames...]),
                                      columnWeights: Array(columnWeights[ownWeights...]), table: table),
              parent.storedFeatureNames.count == block.names, parent.storedColumnWeights.count == block.columnWeights,
              let joined = v.besides(parent: parent)
        else { return nil }
        self = joined
    }

    /// Appends the parent block's entries of `text` into `rb` (after the weighted own part and the embedding group).
    @inline(__always)
    func appendParentBlock(_ text: String, _ rb: inout RowBuilder) {
        guard let box = parentBox else { return }
        let block = box.vectorizer
        if rb.parent.isEmpty { rb.parent.append(RowBuilder(block.config)) }
        if box.sharesWordKeys {
            let keys = UnsafeBufferPointer(rb.extractor.wordKeys.buffer)
            block.countWords(keys, &rb.parent[0])
            block.weigh(UnsafeBufferPointer(rb.parent[0].cols.buffer), rb.parent[0].vals.buffer)
        } else {
            block.buildRow(text, &rb.parent[0])
        }
        let base = Int32(truncatingIfNeeded: parentBlockStart)
        let n = rb.parent[0].cols.count
        rb.cols.reserve(more: n)
        rb.vals.reserve(more: n)
        for e in 0..<n {
            rb.cols.appendUnchecked(base &+ rb.parent[0].cols[e])
            rb.vals.appendUnchecked(rb.parent[0].vals[e])
        }
    }
}
