import Sparse

/// How a text's known-token vectors become its embedding-group features.
public enum EmbeddingPooling: String, Codable, Equatable, Sendable {
    /// The mean scaled to unit length (every model with the group trained before `rootCount` existed).
    case unitLength = "unit-length"
    /// The sum divided by √(known token occurrences). Linear in the tokens' vectors, so at prediction a model's
    /// weights on the group fold into a few values per table word (`Vectorizer.projectingEmbedding`); the length
    /// of the result grows with how much the words agree, which the unit length discards.
    case rootCount = "root-count"
}

/// The static word-embedding feature group of a `FeatureConfig`: a text's feature is its known tokens' vectors
/// pooled by `pooling` (every occurrence counts; a negation-marked token uses its unmarked word), times `weight`,
/// in `dimensions` dense columns after the sparse ones. Texts without a known token get no entries.
public struct EmbeddingGroupConfig: Codable, Equatable, Sendable {
    /// Scale of the group's part of a row (the sparse part has length 1 when L2-normalized).
    public var weight: Double
    /// The table's identity (the SHA-256 of its file): a model refuses to load against another table.
    public var table: String
    public var dimensions: Int
    /// Absent from the encoding of unit-length models, which were stored before the field existed.
    public var pooling: EmbeddingPooling

    public init(weight: Double, table: String, dimensions: Int, pooling: EmbeddingPooling) {
        self.weight = weight
        self.table = table
        self.dimensions = dimensions
        self.pooling = pooling
    }

    private enum CodingKeys: String, CodingKey { case weight, table, dimensions, pooling }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(weight: try c.decode(Double.self, forKey: .weight), table: try c.decode(String.self, forKey: .table),
                  dimensions: try c.decode(Int.self, forKey: .dimensions),
                  pooling: try c.decodeIfPresent(EmbeddingPooling.self, forKey: .pooling) ?? .unitLength)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(weight, forKey: .weight)
        try c.encode(table, forKey: .table)
        try c.encode(dimensions, forKey: .dimensions)
        if pooling != .unitLength { try c.encode(pooling, forKey: .pooling) }
    }

    func validate() throws {
        guard weight.isFinite, weight > 0, weight <= 100 else {
            throw FeatureConfigError(description: "embedding group weight must be in (0, 100], got \(weight)")
        }
        guard (1...EmbeddingTable.maxDimensions).contains(dimensions) else {
            throw FeatureConfigError(description: "embedding dimensions must be in 1...\(EmbeddingTable.maxDimensions), got \(dimensions)")
        }
        guard !table.isEmpty else { throw FeatureConfigError(description: "embedding group names no table") }
    }
}

/// The pooled vectors of many texts, computed once per fit: cross-validation scales them by each candidate weight
/// without tokenizing again.
public struct EmbeddingMeans: Sendable {
    public let dimensions: Int
    /// `rows × dimensions`, row-major; rows without a known token are zero.
    public let values: [Float]
    /// Whether row i had a known token.
    public let present: [Bool]
    /// Fraction of all token occurrences found in the table.
    public let coverage: Double

    /// `X` with this group appended as `dimensions` columns after `X.columnCount`, scaled by `weight`, for the rows
    /// `rows` of these means (the rows of `X`, in order; nil: all).
    public func appended(to X: CSRMatrix, weight: Double, rows: [Int]? = nil) -> CSRMatrix {
        let d = dimensions
        let n = X.rowCount
        precondition(rows.map { $0.count == n } ?? (n == present.count), "one mean per row of X")
        let w = Float(weight)
        let base = Int32(X.columnCount)
        var kept = 0
        for r in 0..<n where present[rows?[r] ?? r] { kept += 1 }
        var offsets = [Int](repeating: 0, count: n + 1)
        var cols = [Int32](), vals = [Float]()
        cols.reserveCapacity(X.nonZeroCount + kept * d)
        vals.reserveCapacity(X.nonZeroCount + kept * d)
        for r in 0..<n {
            let e = X.entryRange(ofRow: r)
            cols.append(contentsOf: X.columnIndices[e])
            vals.append(contentsOf: X.values[e])
            let m = rows?[r] ?? r
            if present[m] {
                for j in 0..<d {
                    cols.append(base + Int32(j))
                    vals.append(w * values[m * d + j])
                }
            }
            offsets[r + 1] = cols.count
        }
        return CSRMatrix(columnCount: X.columnCount + d, rowOffsets: offsets, columnIndices: cols, values: vals)
    }
}

extension EmbeddingTable {
    /// Calls `body` with the table row of each token of the scanner's last text that the table holds (every
    /// occurrence; a negation-marked token looks its word up), in token order. Adds the text's token count to
    /// `tokens`.
    @inline(__always)
    func forEachKnownRow(_ scanner: TokenScanner, tokens: inout Int, _ body: (Int) -> Void) {
        let t = scanner.sequenceCount  // the text's own tokens, not the lexicon's class tokens
        tokens &+= t
        for i in 0..<t {
            // The table holds words, not their negation-marked forms: look the word itself up.
            let r = rows.find(scanner.wordKey(ofToken: i))
            if r >= 0 { body(Int(r)) }
        }
    }

    /// Writes the pooled vector of the known tokens of the scanner's last text into `out` (`dimensions` values);
    /// returns the number of known token occurrences (0: nothing written). Adds the text's token count to `tokens`.
    @inline(__always)
    func pool(_ scanner: TokenScanner, _ pooling: EmbeddingPooling, into out: UnsafeMutablePointer<Float>,
              tokens: inout Int) -> Int {
        let d = dimensions
        var found = 0
        vectors.withUnsafeBufferPointer { v in
            forEachKnownRow(scanner, tokens: &tokens) { r in
                if found == 0 { out.update(repeating: 0, count: d) }
                found &+= 1
                let src = v.baseAddress! + r * d
                for j in 0..<d { out[j] += src[j] }
            }
        }
        guard found > 0 else { return 0 }
        let f: Double
        switch pooling {
        case .unitLength:
            var s = 0.0
            for j in 0..<d { s += Double(out[j]) * Double(out[j]) }
            guard s > 0 else { return 0 }
            f = 1 / s.squareRoot()
        case .rootCount:
            f = 1 / Double(found).squareRoot()
        }
        for j in 0..<d { out[j] = Float(Double(out[j]) * f) }
        return found
    }

    /// Each row's vector times `weight` times `projection` (`dimensions × width`, row-major): `count × width`
    /// values, summed in the order of the full row's score over the group's columns.
    func projectedRows(weight w: Float, through projection: [Float], width: Int) -> [Float] {
        let d = dimensions
        var out = [Float](repeating: 0, count: count * width)
        vectors.withUnsafeBufferPointer { v in
            projection.withUnsafeBufferPointer { p in
                for r in 0..<count {
                    for c in 0..<width {
                        var s: Float = 0
                        for j in 0..<d { s += (w * v[r &* d &+ j]) * p[j &* width &+ c] }
                        out[r * width + c] = s
                    }
                }
            }
        }
        return out
    }

    /// The pooled vectors of `texts` under `tokenizer` (the vectorizer's tokenizer: lookups must see the same
    /// tokens). Parallel over fixed row blocks; identical to a serial run.
    public func means(_ texts: [String], tokenizer: TokenizerConfig, pooling: EmbeddingPooling) -> EmbeddingMeans {
        let d = dimensions
        let blocks = Parallel.blocks(texts.count, maxBlocks: Parallel.cores * 4)
        let parts = Parallel.map(blocks) { r -> ([Float], [Bool], Int, Int) in
            var scanner = TokenScanner(tokenizer)
            var values = [Float](repeating: 0, count: r.count * d)
            var present = [Bool](repeating: false, count: r.count)
            var tokens = 0, found = 0
            values.withUnsafeMutableBufferPointer { vp in
                for (k, i) in r.enumerated() {
                    scanner.scan(texts[i])
                    let f = pool(scanner, pooling, into: vp.baseAddress! + k * d, tokens: &tokens)
                    if f == 0 { (vp.baseAddress! + k * d).update(repeating: 0, count: d) }
                    present[k] = f > 0
                    found += f
                }
            }
            return (values, present, tokens, found)
        }
        let tokens = parts.reduce(0) { $0 + $1.2 }, found = parts.reduce(0) { $0 + $1.3 }
        return EmbeddingMeans(dimensions: d, values: parts.flatMap { $0.0 }, present: parts.flatMap { $0.1 },
                              coverage: tokens == 0 ? 0 : Double(found) / Double(tokens))
    }
}

extension Vectorizer {
    /// Total columns of the produced matrices: the sparse features, then the embedding group's, then the parent
    /// block's.
    public var columnCount: Int {
        let block = parentBox?.vectorizer.columnCount ?? 0
        guard let table = embeddingTable else { return featureCount + block }
        return featureCount + (projectionWidth > 0 ? projectionWidth : table.dimensions) + block
    }

    /// This vectorizer with the embedding group's `dimensions` columns collapsed into `width`: column `c` holds
    /// `Σ_j x_j · projection[j * width + c]`, where `x` is the group's part of the row. With a linear model's group
    /// weights as `projection` and identity weights on the new columns, the scores are those of the full row up to
    /// rounding, while a row carries `width` values instead of `dimensions` (prediction's cost is in building and
    /// reading those dense columns). Under root-count pooling, with `width` below the table's dimensions, the
    /// projection moves into the table's rows as well (`width` values per word), so a text costs a lookup and
    /// `width` additions per known token. Nil when the group is off or `projection` has the wrong size.
    public func projectingEmbedding(through projection: [Float], width: Int) -> Vectorizer? {
        guard let table = embeddingTable, width > 0, projection.count == table.dimensions * width else { return nil }
        var v = self
        v.embeddingProjection = projection
        v.projectionWidth = width
        // Folded into the words' rows only when a word then carries fewer values than its vector: with as many
        // labels as dimensions the folded table would be larger than the table itself, and slower to make.
        v.projectedRows = embeddingPooling == .rootCount && width < table.dimensions
            ? table.projectedRows(weight: embeddingWeight, through: projection, width: width) : []
        return v
    }

    /// This vectorizer with the embedding group on at `weight` over `table`, pooled by `pooling` (nil or weight 0:
    /// off). The configuration records the group (weight, the table's identity, dimensions, pooling).
    public func attaching(_ table: EmbeddingTable?, weight: Double, pooling: EmbeddingPooling) -> Vectorizer {
        var v = self
        v.embeddingProjection = []
        v.projectionWidth = 0
        v.projectedRows = []
        if let table, weight > 0 {
            v.config.embeddings = EmbeddingGroupConfig(weight: weight, table: table.identity, dimensions: table.dimensions,
                                                       pooling: pooling)
            v.embeddingTable = table
            v.embeddingWeight = Float(weight)
            v.embeddingPooling = pooling
        } else {
            v.config.embeddings = nil
            v.embeddingTable = nil
            v.embeddingWeight = 0
            v.embeddingPooling = .unitLength
        }
        return v
    }

    /// Appends the embedding group's entries of the text just counted into `rb` (after its weighted sparse part).
    @inline(__always)
    func appendEmbedding(_ rb: inout RowBuilder) {
        guard let table = embeddingTable else { return }
        let width = projectionWidth
        var tokens = 0
        if !projectedRows.isEmpty {
            // Root-count pooling, projected: the sum of the known words' projected rows over √(their count).
            rb.embedding.removeAll()
            rb.embedding.reserve(more: width)
            let acc = rb.embedding.base
            var found = 0
            projectedRows.withUnsafeBufferPointer { p in
                table.forEachKnownRow(rb.extractor.scanner, tokens: &tokens) { r in
                    if found == 0 { acc.update(repeating: 0, count: width) }
                    found &+= 1
                    let src = p.baseAddress! + r &* width
                    for c in 0..<width { acc[c] += src[c] }
                }
            }
            guard found > 0 else { return }
            let f = 1 / Double(found).squareRoot()
            rb.cols.reserve(more: width)
            rb.vals.reserve(more: width)
            let base = Int32(featureCount)
            for c in 0..<width {
                rb.cols.appendUnchecked(base + Int32(c))
                rb.vals.appendUnchecked(Float(Double(acc[c]) * f))
            }
            return
        }
        let d = table.dimensions
        rb.embedding.removeAll()
        rb.embedding.reserve(more: d)
        guard table.pool(rb.extractor.scanner, embeddingPooling, into: rb.embedding.base, tokens: &tokens) > 0 else { return }
        let w = embeddingWeight, base = Int32(featureCount)
        if width > 0 {
            rb.cols.reserve(more: width)
            rb.vals.reserve(more: width)
            embeddingProjection.withUnsafeBufferPointer { p in
                for c in 0..<width {
                    // The products and their order of the full row's score over the group's columns.
                    var s: Float = 0
                    for j in 0..<d { s += (w * rb.embedding[j]) * p[j &* width &+ c] }
                    rb.cols.appendUnchecked(base + Int32(c))
                    rb.vals.appendUnchecked(s)
                }
            }
            return
        }
        rb.cols.reserve(more: d)
        rb.vals.reserve(more: d)
        for j in 0..<d {
            rb.cols.appendUnchecked(base + Int32(j))
            rb.vals.appendUnchecked(w * rb.embedding[j])
        }
    }
}
