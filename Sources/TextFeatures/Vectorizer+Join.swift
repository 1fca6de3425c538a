/// A fitted vectorizer's vocabulary joined with another's, so a model over the other's features can be carried onto
/// this one's columns (`train --from`: a parent's vocabulary kept next to a new corpus's).
extension Vectorizer {
    /// This vectorizer's columns followed by `other`'s features it lacks (word n-grams before character n-grams, as
    /// a fitted vectorizer orders them), and for every column of the result the column of `other` with the same
    /// feature, or -1. Columns taken from `other` keep its column weight; this vectorizer's keep theirs. In hashing
    /// mode the columns are the same only under the same configuration: then the result is this vectorizer and
    /// the mapping the identity; otherwise nil, as when the two tokenize or count differently.
    public func joiningVocabulary(of other: Vectorizer) -> (vectorizer: Vectorizer, otherColumn: [Int32])? {
        // A word-only `other` joins this one's word columns; character columns, if any, stay this one's own.
        let wordOnly = other.config.charNgrams == nil
        func counting(_ c: FeatureConfig) -> FeatureConfig {
            var c = c
            if case .vocabulary = c.vocabulary { c.vocabulary = .vocabulary(minDocumentFrequency: 1, maxFeatures: nil) }
            c.embeddings = nil
            if wordOnly { c.charNgrams = nil }
            return c
        }
        guard counting(config) == counting(other.config) else { return nil }
        if case .hashing = config.vocabulary {
            guard featureCount == other.featureCount else { return nil }
            return (self, (0..<featureCount).map { Int32($0) })
        }
        var otherColumn: [String: Int32] = [:]
        otherColumn.reserveCapacity(other.featureNames.count)
        for (j, name) in other.featureNames.enumerated() { otherColumn[name] = Int32(j) }
        let mine = Set(featureNames)
        let added = other.featureNames.filter { !mine.contains($0) }
        let isChar = { (name: String) in name.hasPrefix(FeatureExtractor.charPrefix) }
        let ownWords = featureNames.prefix(wordColumnCount), ownChars = featureNames.dropFirst(wordColumnCount)
        let names = Array(ownWords) + added.filter { !isChar($0) } + Array(ownChars) + added.filter(isChar)
        let mapping = names.map { otherColumn[$0] ?? -1 }
        var ownWeight: [String: Float] = [:]
        if tfidf { for (j, name) in featureNames.enumerated() { ownWeight[name] = idf[j] } }
        let weights: [Float] = tfidf ? zip(names, mapping).map { name, o in
            ownWeight[name] ?? (o >= 0 && Int(o) < other.idf.count ? other.idf[Int(o)] : 1)
        } : []
        return (Vectorizer(config: config, featureNames: names, idf: weights), mapping)
    }
}
