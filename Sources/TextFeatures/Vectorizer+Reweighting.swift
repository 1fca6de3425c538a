import Sparse

/// Counting and weighting as two steps, so column weights learned later (from labels, per cross-validation fold)
/// can be applied without tokenizing again: `weigh(counts: counts(texts))` equals `transform(texts)` bit for bit.
extension Vectorizer {
    /// Raw term counts, one row per text (strictly increasing columns; no TF transform, weighting or
    /// normalization). Parallel over fixed row blocks; identical to a serial run.
    public func counts(_ texts: [String]) -> CSRMatrix {
        let blocks = Parallel.blocks(texts.count, maxBlocks: Parallel.cores * 4)
        let parts = Parallel.map(blocks) { r -> Part in
            var rb = RowBuilder(config)
            var part = Part(rows: r.count)
            for i in r {
                countRow(texts[i], &rb)
                part.append(rb.cols, rb.vals)
            }
            return part
        }
        return assemble(parts, weigh: false)
    }

    /// Rows of ``counts(_:)`` weighted and normalized as ``transform(_:)`` does. With TF-IDF, `columnWeights`
    /// (one per column) replaces ``idf``; other weightings ignore it.
    public func weigh(counts: CSRMatrix, columnWeights: [Float]? = nil) -> CSRMatrix {
        precondition(counts.columnCount == featureCount, "counts have \(counts.columnCount) columns, expected \(featureCount)")
        let weights = columnWeights ?? idf
        precondition(!tfidf || weights.count == featureCount, "need one column weight per feature")
        var values = counts.values
        let blocks = Parallel.blocks(counts.rowCount, maxBlocks: Parallel.cores * 4)
        counts.columnIndices.withUnsafeBufferPointer { cols in
            values.withUnsafeMutableBufferPointer { vals in
                weights.withUnsafeBufferPointer { w in
                    Parallel.forEach(blocks) { rows in
                        for i in rows {
                            let r = counts.entryRange(ofRow: i)
                            weigh(UnsafeBufferPointer(rebasing: cols[r]), UnsafeMutableBufferPointer(rebasing: vals[r]),
                                  columnWeights: w)
                        }
                    }
                }
            }
        }
        return CSRMatrix(columnCount: counts.columnCount, rowOffsets: counts.rowOffsets,
                         columnIndices: counts.columnIndices, values: values)
    }

    /// This vectorizer with every TF-IDF column weight multiplied by `factors[column]` (e.g. a supervised term
    /// weight); `transform` then gives `tf · idf · factor`, normalized. Other weightings are returned unchanged.
    public func scalingColumns(by factors: [Float]) -> Vectorizer {
        precondition(factors.count == featureCount, "need one factor per feature")
        guard tfidf else { return self }
        var v = self
        for j in 0..<featureCount { v.idf[j] *= factors[j] }
        return v
    }
}
