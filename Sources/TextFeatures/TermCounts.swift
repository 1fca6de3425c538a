import Sparse

/// Out-of-core support: raw term counts now, weights later.
///
/// A corpus too large to hold as a weighted matrix is featurized in one pass (`counts(_:)` per chunk, summing
/// `documentFrequencies`), its counts kept compactly elsewhere, and each row weighed with `weigh(columns:values:)`
/// once the idf is known (`withSmoothIDF`). The weights are bit for bit those `transform` gives the same text
/// (`transform` is `countRow` then `weigh`).
extension Vectorizer {
    /// Replaces one row's raw counts (from `counts(_:)`) by this vectorizer's weights, normalized, in place.
    @inline(__always)
    public func weigh(columns: UnsafeBufferPointer<Int32>, values: UnsafeMutableBufferPointer<Float>) {
        weigh(columns, values)
    }

    /// Adds each column's document frequency in `counts` (rows of `counts(_:)`) to `df` (`featureCount` long).
    public static func addDocumentFrequencies(of counts: CSRMatrix, to df: inout [UInt32]) {
        df.withUnsafeMutableBufferPointer { d in
            for c in counts.columnIndices { d[Int(c)] &+= 1 }
        }
    }

    /// This vectorizer with the smooth idf `ln((1 + n) / (1 + df)) + 1` of `documentFrequencies` over `rows`
    /// texts (hashing mode; in vocabulary mode the idf must follow the vocabulary's columns).
    public func withSmoothIDF(documentFrequencies: [UInt32], rows: Int) -> Vectorizer {
        Vectorizer(config: config, featureNames: featureNames,
                   idf: config.weighting == .tfidf ? Self.idfValues(documentFrequencies, rows: rows) : [])
    }
}
