import Foundation
import Sparse

extension Vectorizer {
    // MARK: Fitting

    /// Learns the vocabulary (vocabulary mode) and document frequencies (TF-IDF). Deterministic.
    public static func fit(_ texts: [String], config: FeatureConfig) -> Vectorizer {
        do { return try fit(texts, config: config, limits: .none) } catch { preconditionFailure("no limits, no error") }
    }

    /// `fit`, refusing a vocabulary over `limits` (hashing mode has none to check) before its features are named.
    public static func fit(_ texts: [String], config: FeatureConfig,
                           limits: VocabularyLimits) throws(VocabularyLimitError) -> Vectorizer {
        let config = config.sanitized
        switch config.vocabulary {
        case .hashing:
            let shell = Vectorizer(config: config, featureNames: [], idf: [])
            guard config.weighting == .tfidf else { return shell }
            let blocks = Parallel.blocks(texts.count, maxBlocks: Parallel.cores * 2)
            let dfs = Parallel.map(blocks) { r -> [UInt32] in
                var df = [UInt32](repeating: 0, count: shell.featureCount)
                var rb = RowBuilder(config)
                for i in r {
                    shell.countRow(texts[i], &rb)
                    for c in rb.cols.buffer { df[Int(c)] &+= 1 }
                }
                return df
            }
            return Vectorizer(config: config, featureNames: [], idf: idfValues(sum(dfs, shell.featureCount), rows: texts.count))
        case .vocabulary(let minDF, let maxFeatures):
            return try fitVocabulary(texts, config: config, minDF: minDF, maxFeatures: maxFeatures, limits: limits)
        }
    }

    /// `fit` then `transform` (in hashing mode in one tokenization pass). Same result as calling both.
    public static func fitTransform(_ texts: [String], config: FeatureConfig) -> (Vectorizer, CSRMatrix) {
        do { return try fitTransform(texts, config: config, limits: .none) } catch { preconditionFailure("no limits, no error") }
    }

    /// `fitTransform`, refusing a vocabulary over `limits` before anything is transformed.
    public static func fitTransform(_ texts: [String], config: FeatureConfig,
                                    limits: VocabularyLimits) throws(VocabularyLimitError) -> (Vectorizer, CSRMatrix) {
        let config = config.sanitized
        guard case .hashing = config.vocabulary else {
            let v = try fit(texts, config: config, limits: limits)
            return (v, v.transform(texts))
        }
        let shell = Vectorizer(config: config, featureNames: [], idf: [])
        let tfidf = config.weighting == .tfidf
        let blocks = Parallel.blocks(texts.count, maxBlocks: Parallel.cores * 2)
        let parts = Parallel.map(blocks) { r -> (Part, [UInt32]) in
            var df = [UInt32](repeating: 0, count: tfidf ? shell.featureCount : 0)
            var rb = RowBuilder(config)
            var part = Part(rows: r.count)
            for i in r {
                shell.countRow(texts[i], &rb)
                if tfidf { for c in rb.cols.buffer { df[Int(c)] &+= 1 } }
                part.append(rb.cols, rb.vals)
            }
            return (part, df)
        }
        let v = tfidf ? Vectorizer(config: config, featureNames: [], idf: idfValues(sum(parts.map { $0.1 }, shell.featureCount), rows: texts.count))
                      : shell
        let raw = v.assemble(parts.map { $0.0 }, weigh: true)
        return (v, raw)
    }

    static func sum(_ arrays: [[UInt32]], _ count: Int) -> [UInt32] {
        var total = [UInt32](repeating: 0, count: count)
        for a in arrays { for j in 0..<min(count, a.count) { total[j] &+= a[j] } }
        return total
    }

    /// Smooth idf: `ln((1 + n) / (1 + df)) + 1`.
    static func idfValues<C: Collection>(_ df: C, rows: Int) -> [Float] where C.Element == UInt32 {
        let n1 = Double(rows) + 1
        return df.map { Float(log(n1 / (Double($0) + 1)) + 1) }
    }

    static func fitVocabulary(_ texts: [String], config: FeatureConfig, minDF: Int, maxFeatures: Int?,
                              limits: VocabularyLimits) throws(VocabularyLimitError) -> Vectorizer {
        let blocks = Parallel.blocks(texts.count, maxBlocks: Parallel.cores * 2)
        let workers = Parallel.map(blocks) { r -> PartitionedCounts? in
            var ex = FeatureExtractor(config)
            var counts = PartitionedCounts()
            var buf: [UInt64] = []
            for i in r {
                // Over the limit in this block alone is over it in all: stop counting (and growing) here.
                if counts.count > limits.maxDistinctKeys { return nil }
                ex.extract(texts[i])
                for g in 0..<2 {
                    buf.removeAll(keepingCapacity: true)
                    buf.append(contentsOf: (g == 0 ? ex.wordKeys : ex.charKeys).buffer)
                    if buf.isEmpty { continue }
                    buf.sort()
                    var prev = buf[0]
                    counts.add(prev, row: Int32(truncatingIfNeeded: i), group: UInt8(g))
                    for key in buf.dropFirst() where key != prev {
                        prev = key
                        counts.add(key, row: Int32(truncatingIfNeeded: i), group: UInt8(g))
                    }
                }
            }
            return counts
        }.compactMap { $0 }
        if workers.count < blocks.count { throw .tooManyDistinctKeys(limit: limits.maxDistinctKeys) }

        struct Candidate { var key: UInt64; var df: UInt32; var row: Int32; var group: UInt8 }
        let threshold = UInt32(clamping: minDF)
        let partitions = (0..<PartitionedCounts.count).map { $0..<($0 + 1) }
        let perPartition = Parallel.map(partitions) { p -> (distinct: Int, [Candidate]) in
            let table = PartitionedCounts.merged(workers, partition: p.lowerBound)
            var out: [Candidate] = []
            for s in table.slots where s.df >= threshold {
                out.append(Candidate(key: s.key, df: s.df, row: s.firstRow, group: s.group))
            }
            return (table.count, out)
        }
        if perPartition.reduce(0, { $0 + $1.distinct }) > limits.maxDistinctKeys {
            throw .tooManyDistinctKeys(limit: limits.maxDistinctKeys)
        }
        let kept = perPartition.reduce(0) { $0 + $1.1.count }
        if min(kept, maxFeatures ?? .max) > limits.maxFeatures {
            throw .tooManyFeatures(found: kept, limit: limits.maxFeatures, minDocumentFrequency: minDF)
        }
        var cand: [Candidate] = perPartition.flatMap { $0.1 }
        if let m = maxFeatures, cand.count > m {
            cand.sort { $0.df != $1.df ? $0.df > $1.df : $0.key < $1.key }
            cand.removeLast(cand.count - m)
        }
        cand.sort { $0.group != $1.group ? $0.group < $1.group : ($0.df != $1.df ? $0.df > $1.df : $0.key < $1.key) }

        // Names: one String per kept feature, taken from the first text that has it. The features are grouped by
        // that row (a counting sort), so each such text is tokenized once and its few wanted keys are looked for
        // in a short list of its own, not in a table of every kept feature (a cache miss per feature of the text).
        let rowCount = texts.count
        var start = [Int](repeating: 0, count: rowCount + 1)
        for c in cand { start[Int(c.row) + 1] += 1 }
        for r in 0..<rowCount { start[r + 1] += start[r] }
        var wantedIds = [Int32](repeating: 0, count: cand.count)
        var wantedKeys = [UInt64](repeating: 0, count: cand.count)
        do {
            var next = start
            for (id, c) in cand.enumerated() {
                let at = next[Int(c.row)]
                next[Int(c.row)] = at + 1
                wantedIds[at] = Int32(id)
                wantedKeys[at] = c.key
            }
        }
        let rows = (0..<rowCount).filter { start[$0 + 1] > start[$0] }
        let found = wantedKeys.withUnsafeBufferPointer { keys in
            wantedIds.withUnsafeBufferPointer { ids in
                Parallel.map(Parallel.blocks(rows.count, maxBlocks: Parallel.cores * 2, minimumRows: 64)) { r -> [(Int32, String)] in
                    var ex = FeatureExtractor(config)
                    var out: [(Int32, String)] = []
                    for ri in r {
                        let row = rows[ri]
                        let wanted = UnsafeBufferPointer(rebasing: keys[start[row]..<start[row + 1]])
                        for f in ex.names(of: texts[row], where: { key, _ in wanted.contains(key) }) {
                            out.append((ids[start[row] + wanted.firstIndex(of: f.key)!], f.name))
                        }
                    }
                    return out
                }
            }
        }
        var names = [String?](repeating: nil, count: cand.count)
        for list in found { for (id, name) in list where names[Int(id)] == nil { names[Int(id)] = name } }
        let featureNames = names.enumerated().map { $0.element ?? "#\(String(cand[$0.offset].key, radix: 16))" }
        let idf = config.weighting == .tfidf ? idfValues(cand.map { $0.df }, rows: texts.count) : []
        return Vectorizer(config: config, featureNames: featureNames, keys: cand.map { $0.key }, idf: idf)
    }
}
