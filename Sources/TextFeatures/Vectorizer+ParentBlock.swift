import Sparse

/// A parent model's features beside a model's own (`train --from` a model that brings no corpora): every text's
/// row as the parent makes it, placed after the model's own columns (and its embedding group). A linear model over
/// these rows scores a text as the parent did plus what the corpus adds, so the parent's weights are a prior that
/// means on the block exactly what it meant in the parent, whatever the corpus's own vocabulary and weighting.
public struct ParentBlockConfig: Codable, Equatable, Sendable {
    /// Names of the stored vocabulary (after the model's own) and column weights (after its own) that are the
    /// block's: how a stored model is split back into its parts.
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

    func validate() throws {
        guard names >= 0, columnWeights >= 0 else {
            throw FeatureConfigError(description: "parent block sizes must be ≥ 0, got \(names) names and \(columnWeights) column weights")
        }
        guard features.embeddings == nil, features.parentBlock == nil else {
            throw FeatureConfigError(description: "a parent block holds only sparse features (no embedding group, no block of its own)")
        }
        try features.validate()
    }
}

/// The block's vectorizer, boxed: a vectorizer cannot hold one directly.
final class ParentBlockBox: Sendable {
    let vectorizer: Vectorizer
    /// Whether the block's word n-gram keys are the model's own (the same tokenizer and n-gram length, and no
    /// character group in the block): then a text is tokenized once for both.
    let sharesWordKeys: Bool
    init(_ vectorizer: Vectorizer, besides own: FeatureConfig) {
        self.vectorizer = vectorizer
        sharesWordKeys = vectorizer.config.tokenizer == own.tokenizer && vectorizer.config.wordNgrams == own.wordNgrams
            && !vectorizer.hasCharGroup
    }
}

extension Vectorizer {
    /// The parent's vectorizer whose rows follow this one's own columns (nil: no block).
    public var parentBlock: Vectorizer? { parentBox?.vectorizer }

    /// The first column of the parent block (`columnCount` when there is none).
    public var parentBlockStart: Int { columnCount - (parentBlock?.featureCount ?? 0) }

    /// This vectorizer with `parent`'s rows after its own columns and embedding group. Nil when `parent` has an
    /// embedding group or a block of its own (a block holds sparse features only), or this one already has a block.
    public func besides(parent: Vectorizer) -> Vectorizer? {
        guard parentBox == nil, parent.embeddingTable == nil, parent.parentBox == nil else { return nil }
        var v = self
        v.parentBox = ParentBlockBox(parent, besides: config)
        v.config.parentBlock = ParentBlockConfig(features: parent.config, names: parent.featureNames.count,
                                                 columnWeights: parent.idf.count)
        return v
    }

    /// The stored form's vocabulary and column weights: this vectorizer's own, then the block's.
    public var storedFeatureNames: [String] { featureNames + (parentBlock?.featureNames ?? []) }
    public var storedColumnWeights: [Float] { idf + (parentBlock?.idf ?? []) }

    /// Rebuilds a vectorizer from its stored form (`storedFeatureNames`, `storedColumnWeights`), the block included
    /// when `config` has one. Nil when the sizes disagree with the configuration.
    public init?(stored config: FeatureConfig, featureNames: [String], columnWeights: [Float]) {
        guard let block = config.parentBlock else {
            self.init(config: config, featureNames: featureNames, idf: columnWeights)
            return
        }
        guard block.names <= featureNames.count, block.columnWeights <= columnWeights.count else { return nil }
        let ownNames = featureNames.count - block.names, ownWeights = columnWeights.count - block.columnWeights
        let parent = Vectorizer(config: block.features, featureNames: Array(featureNames[ownNames...]),
                                idf: Array(columnWeights[ownWeights...]))
        guard parent.featureNames.count == block.names, parent.idf.count == block.columnWeights else { return nil }
        var own = config
        own.parentBlock = nil
        let v = Vectorizer(config: own, featureNames: Array(featureNames[..<ownNames]), idf: Array(columnWeights[..<ownWeights]))
        guard v.idf.count == ownWeights, let joined = v.besides(parent: parent) else { return nil }
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
        } else {
            block.countRow(text, &rb.parent[0])
        }
        block.weigh(UnsafeBufferPointer(rb.parent[0].cols.buffer), rb.parent[0].vals.buffer)
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
