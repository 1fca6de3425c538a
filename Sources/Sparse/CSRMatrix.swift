/// A sparse matrix in compressed sparse row (CSR) form: the contiguous layout the
/// trainer's hot loop walks. Row `i` holds the entries
/// `columnIndices[rowOffsets[i]..<rowOffsets[i+1]]` with the matching `values`.
///
/// Column indices inside a row are strictly increasing (builders sort and merge
/// duplicates), so two matrices built from the same input are equal bit for bit.
public struct CSRMatrix: Sendable, Equatable {
    /// Number of columns (features).
    public var columnCount: Int
    /// `rowCount + 1` offsets into `columnIndices` / `values`; starts at 0.
    public private(set) var rowOffsets: [Int]
    public private(set) var columnIndices: [Int32]
    public private(set) var values: [Float]

    public init(columnCount: Int) {
        self.columnCount = columnCount
        self.rowOffsets = [0]
        self.columnIndices = []
        self.values = []
    }

    /// Builds a matrix from raw CSR arrays; the caller guarantees their consistency
    /// (checked with preconditions).
    public init(columnCount: Int, rowOffsets: [Int], columnIndices: [Int32], values: [Float]) {
        precondition(!rowOffsets.isEmpty && rowOffsets[0] == 0, "rowOffsets must start at 0")
        precondition(rowOffsets.last! == columnIndices.count && columnIndices.count == values.count,
                     "rowOffsets, columnIndices and values disagree")
        self.columnCount = columnCount
        self.rowOffsets = rowOffsets
        self.columnIndices = columnIndices
        self.values = values
    }

    public var rowCount: Int { rowOffsets.count - 1 }
    public var nonZeroCount: Int { columnIndices.count }

    public mutating func reserveCapacity(rows: Int, nonZeros: Int) {
        rowOffsets.reserveCapacity(rows + 1)
        columnIndices.reserveCapacity(nonZeros)
        values.reserveCapacity(nonZeros)
    }

    /// Appends one row. `indices` must be strictly increasing and `< columnCount`.
    public mutating func appendRow<I: Collection, V: Collection>(indices: I, values rowValues: V)
    where I.Element == Int32, V.Element == Float {
        precondition(indices.count == rowValues.count, "indices and values differ in length")
        columnIndices.append(contentsOf: indices)
        values.append(contentsOf: rowValues)
        rowOffsets.append(columnIndices.count)
    }

    /// Appends all rows of `other` (same column count) below this matrix.
    public mutating func append(rowsOf other: CSRMatrix) {
        precondition(other.columnCount == columnCount, "column counts differ")
        let base = columnIndices.count
        columnIndices.append(contentsOf: other.columnIndices)
        values.append(contentsOf: other.values)
        rowOffsets.append(contentsOf: other.rowOffsets.dropFirst().map { $0 + base })
    }

    /// The half-open range of entry positions of row `i`.
    @inline(__always)
    public func entryRange(ofRow i: Int) -> Range<Int> { rowOffsets[i]..<rowOffsets[i + 1] }

    public func row(_ i: Int) -> (indices: ArraySlice<Int32>, values: ArraySlice<Float>) {
        let r = entryRange(ofRow: i)
        return (columnIndices[r], values[r])
    }

    /// A new matrix holding the given rows, in the given order.
    public func rows<S: Sequence>(_ subset: S) -> CSRMatrix where S.Element == Int {
        var out = CSRMatrix(columnCount: columnCount)
        for i in subset {
            let r = entryRange(ofRow: i)
            out.columnIndices.append(contentsOf: columnIndices[r])
            out.values.append(contentsOf: values[r])
            out.rowOffsets.append(out.columnIndices.count)
        }
        return out
    }

    /// Dot product of row `i` with a dense vector `w` laid out at `w[offset + column]`.
    @inline(__always)
    public func dot(row i: Int, _ w: UnsafeBufferPointer<Float>, offset: Int = 0) -> Float {
        var s: Float = 0
        columnIndices.withUnsafeBufferPointer { ci in
            values.withUnsafeBufferPointer { v in
                for p in rowOffsets[i]..<rowOffsets[i + 1] { s += v[p] * w[offset + Int(ci[p])] }
            }
        }
        return s
    }
}

extension CSRMatrix {
    /// This matrix with `other`'s columns to its right (same rows): `other`'s column `j` becomes column
    /// `columnCount + j`. Rows stay strictly increasing.
    public func besides(_ other: CSRMatrix) -> CSRMatrix {
        precondition(other.rowCount == rowCount, "row counts differ")
        let shift = Int32(columnCount)
        var out = CSRMatrix(columnCount: columnCount + other.columnCount)
        out.reserveCapacity(rows: rowCount, nonZeros: nonZeroCount + other.nonZeroCount)
        for i in 0..<rowCount {
            let a = entryRange(ofRow: i), b = other.entryRange(ofRow: i)
            out.columnIndices.append(contentsOf: columnIndices[a])
            out.values.append(contentsOf: values[a])
            for p in b { out.columnIndices.append(other.columnIndices[p] &+ shift) }
            out.values.append(contentsOf: other.values[b])
            out.rowOffsets.append(out.columnIndices.count)
        }
        return out
    }
}
