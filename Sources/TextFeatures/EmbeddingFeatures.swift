import Sparse

/// The static word-embedding feature group of a `FeatureConfig`: a text's feature is the mean of its known tokens'
/// vectors (every occurrence counts; a negation-marked token uses its unmarked word), scaled to unit length and then
/// by `weight`, in `dimensions` dense columns after the sparse ones. Texts without a known token get no entries.
public struct EmbeddingGroupConfig: Codable, Equatable, Sendable {
    /// Length of the group's part of a row (the sparse part has length 1 when L2-normalized).
    public var weight: Double
    /// The table's identity (the SHA-256 of its file): a model refuses to load against another table.
    public var table: String
    public var dimensions: Int

    public init(weight: Double, table: String, dimensions: Int) {
        self.weight = weight
        self.table = table
        self.dimensions = dimensions
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

/// Unit-length mean vectors of many texts, computed once per fit: cross-validation scales them by each candidate
/// weight without tokenizing again.
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
    /// Writes the unit-length mean of the known tokens of the scanner's last text into `out` (`dimensions` values);
    /// returns the number of known token occurrences (0: nothing written). Adds the text's token count to `tokens`.
    @inline(__always)
    func unitMean(_ scanner: TokenScanner, into out: UnsafeMutablePointer<Float>, tokens: inout Int) -> Int {
        let d = dimensions
        let t = scanner.tokenCount
        tokens &+= t
        var found = 0
        vectors.withUnsafeBufferPointer { v in
            let th = scanner.tokHash.base, fl = scanner.tokFlags.base
            for i in 0..<t {
                var key = th[i]
                if fl[i] & TokenFlag.negated != 0 {
                    // The table holds words, not their negation-marked forms: look the word itself up.
                    key = StableHash.fnvOffset
                    for j in scanner.tokenStart(i)..<Int(scanner.tokEnd[i]) { key = StableHash.step(key, scalar: scanner.tokText[j]) }
                }
                let r = rows.find(key)
                if r < 0 { continue }
                if found == 0 { out.update(repeating: 0, count: d) }
                found &+= 1
                let src = v.baseAddress! + Int(r) * d
                for j in 0..<d { out[j] += src[j] }
            }
        }
        guard found > 0 else { return 0 }
        var s = 0.0
        for j in 0..<d { s += Double(out[j]) * Double(out[j]) }
        guard s > 0 else { return 0 }
        let f = 1 / s.squareRoot()
        for j in 0..<d { out[j] = Float(Double(out[j]) * f) }
        return found
    }

    /// The unit mean vectors of `texts` under `tokenizer` (the vectorizer's tokenizer: lookups must see the same
    /// tokens). Parallel over fixed row blocks; identical to a serial run.
    public func means(_ texts: [String], tokenizer: TokenizerConfig) -> EmbeddingMeans {
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
                    let f = unitMean(scanner, into: vp.baseAddress! + k * d, tokens: &tokens)
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
    /// reading those dense columns). Nil when the group is off or `projection` has the wrong size.
    public func projectingEmbedding(through projection: [Float], width: Int) -> Vectorizer? {
        guard let table = embeddingTable, width > 0, projection.count == table.dimensions * width else { return nil }
        var v = self
        v.embeddingProjection = projection
        v.projectionWidth = width
        return v
    }

    /// This vectorizer with the embedding group on at `weight` over `table` (nil or weight 0: off). The
    /// configuration records the group (weight, the table's identity, dimensions).
    public func attaching(_ table: EmbeddingTable?, weight: Double) -> Vectorizer {
        var v = self
        if let table, weight > 0 {
            v.config.embeddings = EmbeddingGroupConfig(weight: weight, table: table.identity, dimensions: table.dimensions)
            v.embeddingTable = table
            v.embeddingWeight = Float(weight)
            v.embeddingProjection = []
            v.projectionWidth = 0
        } else {
            v.config.embeddings = nil
            v.embeddingTable = nil
            v.embeddingWeight = 0
            v.embeddingProjection = []
            v.projectionWidth = 0
        }
        return v
    }

    /// Appends the embedding group's entries of the text just counted into `rb` (after its weighted sparse part).
    @inline(__always)
    func appendEmbedding(_ rb: inout RowBuilder) {
        guard let table = embeddingTable else { return }
        let d = table.dimensions
        rb.embedding.removeAll()
        rb.embedding.reserve(more: d)
        var tokens = 0
        guard table.unitMean(rb.extractor.scanner, into: rb.embedding.base, tokens: &tokens) > 0 else { return }
        let w = embeddingWeight, base = Int32(featureCount)
        let width = projectionWidth
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
