import Foundation
import Sparse

/// Texts → sparse feature rows (`CSRMatrix`), following a `FeatureConfig`.
///
/// `config`, `featureNames` and `idf` are everything needed to rebuild a fitted vectorizer
/// (`init(config:featureNames:idf:)`). All batch operations run on every core over fixed contiguous row blocks
/// and give the same output bit for bit as a serial run.
public struct Vectorizer: Codable, Equatable, Sendable {
    /// The configuration (with out-of-range values clamped at fit time).
    public let config: FeatureConfig
    /// Column id → feature name (vocabulary mode); empty in hashing mode.
    public private(set) var featureNames: [String]
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
    /// Bits needed for a column index (for the row sort's bucket pass).
    let columnBits: Int
    /// Weighting flags hoisted out of `config`.
    let tfidf: Bool, binary: Bool, sublinear: Bool, l2: Bool, perGroup: Bool

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
        let config = config.sanitized
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
        self.init(config: try c.decode(FeatureConfig.self, forKey: .config),
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
        a.config == b.config && a.featureNames == b.featureNames && a.idf == b.idf
    }

    // MARK: Fitting

    /// Learns the vocabulary (vocabulary mode) and document frequencies (TF-IDF). Deterministic.
    public static func fit(_ texts: [String], config: FeatureConfig) -> Vectorizer {
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
            return fitVocabulary(texts, config: config, minDF: minDF, maxFeatures: maxFeatures)
        }
    }

    /// `fit` then `transform` (in hashing mode in one tokenization pass). Same result as calling both.
    public static func fitTransform(_ texts: [String], config: FeatureConfig) -> (Vectorizer, CSRMatrix) {
        let config = config.sanitized
        guard case .hashing = config.vocabulary else {
            let v = fit(texts, config: config)
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

    private static func fitVocabulary(_ texts: [String], config: FeatureConfig, minDF: Int, maxFeatures: Int?) -> Vectorizer {
        let blocks = Parallel.blocks(texts.count, maxBlocks: Parallel.cores * 2)
        let workers = Parallel.map(blocks) { r -> PartitionedCounts in
            var ex = FeatureExtractor(config)
            var counts = PartitionedCounts()
            var buf: [UInt64] = []
            for i in r {
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
        }

        struct Candidate { var key: UInt64; var df: UInt32; var row: Int32; var group: UInt8 }
        let threshold = UInt32(clamping: minDF)
        let partitions = (0..<PartitionedCounts.count).map { $0..<($0 + 1) }
        var cand: [Candidate] = Parallel.map(partitions) { p -> [Candidate] in
            let table = PartitionedCounts.merged(workers, partition: p.lowerBound)
            var out: [Candidate] = []
            for s in table.slots where s.df >= threshold {
                out.append(Candidate(key: s.key, df: s.df, row: s.firstRow, group: s.group))
            }
            return out
        }.flatMap { $0 }
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

    // MARK: Transforming

    /// One row per text. Parallel over fixed row blocks; identical to a serial run.
    public func transform(_ texts: [String]) -> CSRMatrix {
        transform(texts, maxBlocks: Parallel.cores * 4)
    }

    func transform(_ texts: [String], maxBlocks: Int, minimumRows: Int = 512) -> CSRMatrix {
        let blocks = Parallel.blocks(texts.count, maxBlocks: maxBlocks, minimumRows: minimumRows)
        let parts = Parallel.map(blocks) { r -> Part in
            var rb = RowBuilder(config)
            var part = Part(rows: r.count)
            for i in r {
                countRow(texts[i], &rb)
                weigh(UnsafeBufferPointer(rb.cols.buffer), rb.vals.buffer)
                part.append(rb.cols, rb.vals)
            }
            return part
        }
        return assemble(parts, weigh: false)
    }

    /// The sparse row of one text: strictly increasing column indices and their values.
    public func transform(_ text: String) -> (indices: [Int32], values: [Float]) {
        var rb = RowBuilder(config)
        countRow(text, &rb)
        weigh(UnsafeBufferPointer(rb.cols.buffer), rb.vals.buffer)
        return (rb.cols.array, rb.vals.array)
    }

    /// The features of one text with their names, for explanations. In hashing mode a column's name is the text's
    /// own n-gram(s) that fell into it (several joined by ` | ` on a collision).
    public func features(of text: String) -> [(name: String, index: Int32, value: Float)] {
        let row = transform(text)
        var names: [Int32: [String]] = [:]
        if featureNames.isEmpty {
            var ex = FeatureExtractor(config)
            for f in ex.namedFeatures(text) {
                let c = column(f.key, group: f.group)
                if c >= 0, !(names[c]?.contains(f.name) ?? false) { names[c, default: []].append(f.name) }
            }
        }
        return zip(row.indices, row.values).map { (c, v) in
            let name = featureNames.isEmpty ? (names[c] ?? []).sorted().joined(separator: " | ") : featureNames[Int(c)]
            return (name, c, v)
        }
    }

    // MARK: Row kernel

    /// Column of a feature key (-1 when outside the vocabulary).
    @inline(__always)
    func column(_ key: UInt64, group: Int) -> Int32 {
        switch config.vocabulary {
        case .hashing(let b):
            return Int32(truncatingIfNeeded: StableHash.bucket(key, buckets: b) + (group == 0 ? 0 : b))
        case .vocabulary:
            return lookup.find(key)
        }
    }

    /// Fills `rb.cols` (strictly increasing) and `rb.vals` (raw counts) for one text.
    @inline(__always)
    func countRow(_ text: String, _ rb: inout RowBuilder) {
        rb.extractor.extract(text)
        rb.keys.removeAll()
        rb.keys.reserve(more: rb.extractor.wordKeys.count + rb.extractor.charKeys.count)
        let b = buckets
        if b > 0 {
            for key in rb.extractor.wordKeys.buffer {
                rb.keys.appendUnchecked(Int32(truncatingIfNeeded: StableHash.bucket(key, buckets: b)))
            }
            if hasCharGroup {
                for key in rb.extractor.charKeys.buffer {
                    rb.keys.appendUnchecked(Int32(truncatingIfNeeded: StableHash.bucket(key, buckets: b) + b))
                }
            }
        } else {
            for key in rb.extractor.wordKeys.buffer {
                let c = lookup.find(key)
                if c >= 0 { rb.keys.appendUnchecked(c) }
            }
            if hasCharGroup {
                for key in rb.extractor.charKeys.buffer {
                    let c = lookup.find(key)
                    if c >= 0 { rb.keys.appendUnchecked(c) }
                }
            }
        }
        rb.cols.removeAll()
        rb.vals.removeAll()
        let n = rb.keys.count
        if n == 0 { return }
        rb.cols.reserve(more: n)
        rb.vals.reserve(more: n)
        do {
            let k = sortColumns(&rb)
            var prev = k[0]
            var count: Float = 1
            for j in 1..<n {
                let c = k[j]
                if c == prev { count += 1; continue }
                rb.cols.appendUnchecked(prev); rb.vals.appendUnchecked(count)
                prev = c; count = 1
            }
            rb.cols.appendUnchecked(prev); rb.vals.appendUnchecked(count)
        }
    }

    /// Sorts `rb.keys`; returns where the sorted values are (`rb.keys` or `rb.scratch`). Rows of up to 4096
    /// entries use one counting pass on the top bits of the column (columns are spread over `0..<featureCount`)
    /// followed by an insertion sort that only fixes order inside each bucket.
    @inline(__always)
    func sortColumns(_ rb: inout RowBuilder) -> UnsafeMutablePointer<Int32> {
        let n = rb.keys.count
        let k = rb.keys.base
        if n <= 16 || n > 4096 {
            sortInt32(rb.keys.buffer)
            return k
        }
        let bits = Swift.min(10, Int.bitWidth - (n - 1).leadingZeroBitCount)
        let shift = Int32(Swift.max(0, columnBits - bits))
        let nb = 1 << bits
        rb.counts.removeAll()
        rb.counts.reserve(more: nb + 1)
        let c = rb.counts.base
        c.update(repeating: 0, count: nb + 1)
        for i in 0..<n { c[Int(k[i] >> shift) &+ 1] &+= 1 }
        for b in 0..<nb { c[b + 1] &+= c[b] }
        rb.scratch.removeAll()
        rb.scratch.reserve(more: n)
        let out = rb.scratch.base
        for i in 0..<n {
            let x = k[i]
            let b = Int(x >> shift)
            out[Int(c[b])] = x
            c[b] &+= 1
        }
        insertionSortInt32(out, n)
        return out
    }

    /// Replaces raw counts by weights and normalizes, in place.
    @inline(__always)
    func weigh(_ cols: UnsafeBufferPointer<Int32>, _ vals: UnsafeMutableBufferPointer<Float>) {
        idf.withUnsafeBufferPointer { weigh(cols, vals, columnWeights: $0) }
    }

    /// `weigh(_:_:)` with `columnWeights` in place of `idf` (used with TF-IDF only).
    @inline(__always)
    func weigh(_ cols: UnsafeBufferPointer<Int32>, _ vals: UnsafeMutableBufferPointer<Float>,
               columnWeights idf: UnsafeBufferPointer<Float>) {
        let n = cols.count
        if n == 0 { return }
        do {
            for e in 0..<n {
                var w: Double
                if binary { w = 1 } else {
                    let tf = Double(vals[e])
                    w = sublinear && tf > 1 ? 1 + log(tf) : tf
                }
                if tfidf { w *= Double(idf[Int(cols[e])]) }
                vals[e] = Float(w)
            }
        }
        guard l2 else { return }
        var split = n
        if perGroup {
            split = 0
            while split < n && Int(cols[split]) < wordColumnCount { split += 1 }
        }
        var s0 = 0.0, s1 = 0.0
        for e in 0..<split { s0 += Double(vals[e]) * Double(vals[e]) }
        for e in split..<n { s1 += Double(vals[e]) * Double(vals[e]) }
        let groups = (s0 > 0 ? 1.0 : 0.0) + (s1 > 0 ? 1.0 : 0.0)
        if groups == 0 { return }
        let g = groups.squareRoot()
        if s0 > 0 {
            let f = 1 / (s0.squareRoot() * g)
            for e in 0..<split { vals[e] = Float(Double(vals[e]) * f) }
        }
        if s1 > 0 {
            let f = 1 / (s1.squareRoot() * g)
            for e in split..<n { vals[e] = Float(Double(vals[e]) * f) }
        }
    }

    /// Concatenates block results in order into one matrix (copies in parallel); optionally weighs raw counts.
    func assemble(_ parts: [Part], weigh doWeigh: Bool) -> CSRMatrix {
        let rows = parts.reduce(0) { $0 + $1.lengths.count }
        var entryBase = [Int](), rowBase = [Int]()
        var e = 0, r = 0
        for p in parts { entryBase.append(e); rowBase.append(r); e += p.cols.count; r += p.lengths.count }
        let nnz = e
        var offsets = [Int](repeating: 0, count: rows + 1)
        // Every entry is written below exactly once (blocks cover 0..<nnz), so no zero-fill pass is needed.
        var cols = [Int32](unsafeUninitializedCapacity: nnz) { _, n in n = nnz }
        var vals = [Float](unsafeUninitializedCapacity: nnz) { _, n in n = nnz }
        offsets.withUnsafeMutableBufferPointer { op in
            cols.withUnsafeMutableBufferPointer { cp in
                vals.withUnsafeMutableBufferPointer { vp in
                    let o = op.baseAddress!, c = cp.baseAddress, v = vp.baseAddress
                    Parallel.forEach(Array(0..<parts.count).map { $0..<($0 + 1) }) { br in
                        let b = br.lowerBound
                        let p = parts[b]
                        var at = entryBase[b]
                        var row = rowBase[b]
                        p.cols.withUnsafeBufferPointer { src in
                            if let c, let s = src.baseAddress { (c + at).update(from: s, count: src.count) }
                        }
                        p.vals.withUnsafeBufferPointer { src in
                            if let v, let s = src.baseAddress { (v + at).update(from: s, count: src.count) }
                        }
                        for len in p.lengths {
                            let start = at
                            at += len
                            row += 1
                            o[row] = at
                            if doWeigh, let c, let v, len > 0 {
                                weigh(UnsafeBufferPointer(start: c + start, count: len),
                                      UnsafeMutableBufferPointer(start: v + start, count: len))
                            }
                        }
                    }
                }
            }
        }
        return CSRMatrix(columnCount: featureCount, rowOffsets: offsets, columnIndices: cols, values: vals)
    }
}

/// Per-thread reusable buffers for building rows.
struct RowBuilder {
    var extractor: FeatureExtractor
    var keys = Buffer<Int32>(capacity: 256)
    var cols = Buffer<Int32>(capacity: 256)
    var vals = Buffer<Float>(capacity: 256)
    var scratch = Buffer<Int32>(capacity: 256)
    var counts = Buffer<Int32>(capacity: 1025)
    init(_ config: FeatureConfig) {
        extractor = FeatureExtractor(config)
    }
}

/// The rows of one block.
struct Part {
    var cols: [Int32] = []
    var vals: [Float] = []
    var lengths: [Int] = []
    init(rows: Int) {
        lengths.reserveCapacity(rows)
        cols.reserveCapacity(rows * 48)
        vals.reserveCapacity(rows * 48)
    }
    @inline(__always)
    mutating func append(_ c: Buffer<Int32>, _ v: Buffer<Float>) {
        cols.append(contentsOf: UnsafeBufferPointer(c.buffer))
        vals.append(contentsOf: UnsafeBufferPointer(v.buffer))
        lengths.append(c.count)
    }
}

/// Sorts `Int32`s ascending in place: introsort with a branch-free Lomuto partition (few mispredictions on
/// random columns), insertion sort for short ranges, the standard library's sort past the depth limit.
/// Equal values are indistinguishable, so the result does not depend on the algorithm.
@inline(__always)
func sortInt32(_ buffer: UnsafeMutableBufferPointer<Int32>) {
    guard let p = buffer.baseAddress, buffer.count > 1 else { return }
    let n = buffer.count
    if n > 16 { quicksort(p, 0, n - 1, depth: 2 * (Int.bitWidth - n.leadingZeroBitCount)) }
    insertionSort(p, n)
}

@inline(__always)
func insertionSortInt32(_ k: UnsafeMutablePointer<Int32>, _ n: Int) { insertionSort(k, n) }

@inline(__always)
private func insertionSort(_ k: UnsafeMutablePointer<Int32>, _ n: Int) {
    var i = 1
    while i < n {
        let x = k[i]
        var j = i - 1
        while j >= 0 && k[j] > x { k[j + 1] = k[j]; j -= 1 }
        k[j + 1] = x
        i += 1
    }
}

/// Leaves `k[lo...hi]` partitioned into unsorted runs of at most 16 elements, each in its final block.
private func quicksort(_ k: UnsafeMutablePointer<Int32>, _ lo: Int, _ hi: Int, depth: Int) {
    var lo = lo, hi = hi, depth = depth
    while hi - lo > 16 {
        if depth == 0 {
            var rest = UnsafeMutableBufferPointer(start: k + lo, count: hi - lo + 1)
            rest.sort()
            return
        }
        depth -= 1
        // Median of three moved to `hi` as the pivot.
        let mid = lo + (hi - lo) / 2
        if k[mid] < k[lo] { swap(&k[mid], &k[lo]) }
        if k[hi] < k[lo] { swap(&k[hi], &k[lo]) }
        if k[mid] < k[hi] { swap(&k[mid], &k[hi]) }
        let pivot = k[hi]
        var store = lo
        var i = lo
        while i < hi {
            let x = k[i]
            k[i] = k[store]
            k[store] = x
            store &+= x < pivot ? 1 : 0
            i &+= 1
        }
        k[hi] = k[store]
        k[store] = pivot
        if store - lo < hi - store {
            quicksort(k, lo, store - 1, depth: depth); lo = store + 1
        } else {
            quicksort(k, store + 1, hi, depth: depth); hi = store - 1
        }
    }
}
