import Foundation
import Sparse

extension Vectorizer {
    // MARK: Row kernel

    /// Fills `rb.cols` and `rb.vals` with the row of `text`: counted, weighted and normalized, then the embedding
    /// group's and the parent block's entries.
    @inline(__always)
    func buildRow(_ text: String, _ rb: inout RowBuilder) {
        countRow(text, &rb)
        weigh(UnsafeBufferPointer(rb.cols.buffer), rb.vals.buffer)
        appendEmbedding(&rb)
        appendParentBlock(text, &rb)
    }

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
        rb.extractor.extract(text, chars: false)
        countWords(UnsafeBufferPointer(rb.extractor.wordKeys.buffer), &rb)
    }

    /// `countRow` from word n-gram keys already extracted (by `rb`'s extractor, or by another vectorizer's that
    /// tokenizes the same way, when this one has no character group).
    @inline(__always)
    func countWords(_ wordKeys: UnsafeBufferPointer<UInt64>, _ rb: inout RowBuilder) {
        rb.keys.removeAll()
        rb.keys.reserve(more: wordKeys.count)
        let b = buckets
        if b > 0 {
            for key in wordKeys {
                rb.keys.appendUnchecked(Int32(truncatingIfNeeded: StableHash.bucket(key, buckets: b)))
            }
        } else {
            for key in wordKeys {
                let c = lookup.find(key)
                if c >= 0 { rb.keys.appendUnchecked(c) }
            }
        }
        if hasCharGroup { appendCharColumns(&rb) }
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

    /// Appends the character n-gram columns of every word of the text just extracted to `rb.keys`. A word's
    /// columns depend on its text alone, so they are kept per word for the rest of the block of rows: a repeated
    /// word costs one lookup instead of one hash and one lookup per n-gram.
    @inline(__always)
    func appendCharColumns(_ rb: inout RowBuilder) {
        let t = rb.extractor.scanner.tokenCount
        let b = buckets
        for tok in 0..<t where rb.extractor.scanner.tokFlags[tok] & TokenFlag.word != 0 {
            let key = rb.extractor.textKey(ofToken: tok)
            let entry = rb.charCache.words.find(key)
            let lo: Int, hi: Int
            var kept = true
            if entry >= 0 {
                lo = Int(rb.charCache.starts[Int(entry)])
                hi = Int(rb.charCache.ends[Int(entry)])
            } else {
                rb.grams.removeAll()
                rb.extractor.appendCharKeys(ofToken: tok, into: &rb.grams)
                lo = rb.charCache.columns.count
                rb.charCache.columns.reserve(more: rb.grams.count)
                for g in rb.grams.buffer {
                    let c = b > 0 ? Int32(truncatingIfNeeded: StableHash.bucket(g, buckets: b) + b) : lookup.find(g)
                    if c >= 0 { rb.charCache.columns.appendUnchecked(c) }
                }
                hi = rb.charCache.columns.count
                kept = rb.charCache.ends.count < rb.charCache.limit
                if kept {
                    rb.charCache.words.insert(key, Int32(truncatingIfNeeded: rb.charCache.ends.count))
                    rb.charCache.starts.append(Int32(truncatingIfNeeded: lo))
                    rb.charCache.ends.append(Int32(truncatingIfNeeded: hi))
                }
            }
            rb.keys.reserve(more: hi - lo)
            for i in lo..<hi { rb.keys.appendUnchecked(rb.charCache.columns[i]) }
            // Full: this word's columns were used once and their space is reused.
            if !kept { rb.charCache.columns.count = lo }
        }
    }

    /// Sorts `rb.keys`; returns where the sorted values are (`rb.keys` or `rb.scratch`). Rows of 17 to 4096
    /// entries use a least-significant-digit radix sort on the column's bits: no comparisons, so nothing to
    /// mispredict on columns in random order (an insertion sort inside top-bit buckets was slower on rows of word
    /// and character n-grams, whose frequent n-grams crowd the low columns).
    @inline(__always)
    func sortColumns(_ rb: inout RowBuilder) -> UnsafeMutablePointer<Int32> {
        let n = rb.keys.count
        if n <= 16 || n > 4096 {
            sortInt32(rb.keys.buffer)
            return rb.keys.base
        }
        rb.scratch.removeAll()
        rb.scratch.reserve(more: n)
        return radixSortColumns(&rb)
    }

    /// `rb.keys` sorted through `rb.scratch` (which has room for them): two passes of up to 8 bits each for up to
    /// 65,536 columns, three beyond; returns where they are.
    @inline(__always)
    func radixSortColumns(_ rb: inout RowBuilder) -> UnsafeMutablePointer<Int32> {
        let n = rb.keys.count
        let passes = columnBits <= 16 ? 2 : 3
        let width = (Swift.max(columnBits, 2) + passes - 1) / passes
        let nb = 1 << width
        let mask = Int32(nb - 1)
        rb.counts.removeAll()
        rb.counts.reserve(more: nb)
        let c = rb.counts.base
        var src = rb.keys.base, dst = rb.scratch.base
        for pass in 0..<passes {
            let shift = Int32(pass * width)
            c.update(repeating: 0, count: nb)
            for i in 0..<n { c[Int((src[i] >> shift) & mask)] &+= 1 }
            var sum: Int32 = 0
            for b in 0..<nb { let x = c[b]; c[b] = sum; sum &+= x }
            for i in 0..<n {
                let x = src[i]
                let b = Int((x >> shift) & mask)
                dst[Int(c[b])] = x
                c[b] &+= 1
            }
            swap(&src, &dst)
        }
        return src
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
}

/// Per-thread reusable buffers for building rows.
struct RowBuilder {
    var extractor: FeatureExtractor
    var keys = Buffer<Int32>(capacity: 256)
    var cols = Buffer<Int32>(capacity: 256)
    var vals = Buffer<Float>(capacity: 256)
    var scratch = Buffer<Int32>(capacity: 256)
    var counts = Buffer<Int32>(capacity: 1025)
    var embedding = Buffer<Float>(capacity: 16)
    var grams = Buffer<UInt64>(capacity: 64)
    var charCache = CharColumnCache()
    /// The parent block's builder, made on first use (an array: a builder cannot hold one directly).
    var parent: [RowBuilder] = []
    init(_ config: FeatureConfig) {
        extractor = FeatureExtractor(config)
    }
}

/// The character n-gram columns of the words a `RowBuilder` has met (see `Vectorizer.appendCharColumns`): word
/// key → entry `e`, whose columns are `columns[starts[e]..<ends[e]]` (every n-gram found, repeats included).
struct CharColumnCache {
    /// Words kept at most (about 2 MB of columns); later words are computed each time.
    var limit = 1 << 16
    var words = KeyTable(minimumCapacity: 256)
    var starts = Buffer<Int32>(capacity: 256)
    var ends = Buffer<Int32>(capacity: 256)
    var columns = Buffer<Int32>(capacity: 2048)
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
