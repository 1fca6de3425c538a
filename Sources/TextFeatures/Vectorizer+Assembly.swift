import Foundation
import Sparse

extension Vectorizer {
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
