import Foundation
import Sparse

extension Vectorizer {
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
                buildRow(texts[i], &rb)
                part.append(rb.cols, rb.vals)
            }
            return part
        }
        var m = assemble(parts, weigh: false)
        m.columnCount = columnCount
        return m
    }

    /// Hands each text's row (the one `transform` makes) to `body` with the text's index, without building a
    /// matrix: for scoring rows as they are made. Parallel over the same fixed row blocks as `transform`, so `body`
    /// runs on several threads at once and must write only what belongs to its row; the buffers are valid only
    /// during the call. With `parallel` false, every row is made on the calling thread.
    public func forEachRow(_ texts: [String], parallel: Bool = true,
                           _ body: (Int, UnsafeBufferPointer<Int32>, UnsafeBufferPointer<Float>) -> Void) {
        let blocks = parallel ? Parallel.blocks(texts.count, maxBlocks: Parallel.cores * 4)
            : (texts.isEmpty ? [] : [0..<texts.count])
        let builders = RowBuilders(config)
        Parallel.forEach(blocks) { r in
            // A builder left by an earlier block: its word cache stays warm across the blocks of the call.
            var rb = builders.take()
            defer { builders.give(rb) }
            for i in r {
                buildRow(texts[i], &rb)
                body(i, UnsafeBufferPointer(rb.cols.buffer), UnsafeBufferPointer(rb.vals.buffer))
            }
        }
    }

    /// The sparse row of one text: strictly increasing column indices and their values.
    public func transform(_ text: String) -> (indices: [Int32], values: [Float]) {
        var rb = RowBuilder(config)
        buildRow(text, &rb)
        return (rb.cols.array, rb.vals.array)
    }

    /// The name of column `j` of the embedding group in explanations.
    public static func embeddingFeatureName(_ j: Int) -> String { "embedding[\(j)]" }

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
        let blockStart = parentBlockStart
        var blockNames: [Int32: String] = [:]
        if let block = parentBlock {
            for f in block.features(of: text) { blockNames[f.index] = Self.parentFeatureName(f.name) }
        }
        return zip(row.indices, row.values).map { (c, v) in
            if Int(c) >= blockStart { return (blockNames[c - Int32(blockStart)] ?? Self.parentFeatureName("?"), c, v) }
            if Int(c) >= featureCount { return (Self.embeddingFeatureName(Int(c) - featureCount), c, v) }
            let name = featureNames.isEmpty ? (names[c] ?? []).sorted().joined(separator: " | ") : featureNames[Int(c)]
            return (name, c, v)
        }
    }
}

/// The row builders of one parallel loop, handed from block to block: a block takes one a finished block gave back
/// (or a new one) and gives it back when done. Rows do not depend on what a builder made before, only its caches do.
final class RowBuilders {
    private let config: FeatureConfig
    private let lock = NSLock()
    private var free: [RowBuilder] = []

    init(_ config: FeatureConfig) { self.config = config }

    func take() -> RowBuilder {
        lock.lock()
        defer { lock.unlock() }
        return free.popLast() ?? RowBuilder(config)
    }

    func give(_ builder: RowBuilder) {
        lock.lock()
        free.append(builder)
        lock.unlock()
    }
}
