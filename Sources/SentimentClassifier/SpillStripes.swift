/// Rows spilled to a scratch file in stripes. A stripe is a chain of blocks, written as its pending words fill up;
/// each block starts with a header naming the stripe's block before it, so what stays in memory is one entry per
/// stripe (its last block) and one pending buffer per stripe, however many rows are spilled.
final class SpillStripes {
    /// A block in the scratch file (offset and length in words, header included); `count == 0` for none.
    struct BlockRef: Equatable {
        var offset: Int
        var count: Int
        static let none = BlockRef(offset: 0, count: 0)
    }

    /// A block's header: the previous block's offset (low, high 32 bits) and length.
    static let headerWords = 3

    private let file: SpillFile
    private let flushWords: Int
    private var pending: [[UInt32]]
    /// Per stripe, its last block.
    private(set) var heads: [BlockRef]
    /// Per stripe, the words spilled (headers included).
    private(set) var words: [Int]

    init(_ file: SpillFile, stripes: Int, flushWords: Int) {
        self.file = file
        self.flushWords = flushWords
        pending = Array(repeating: [], count: stripes)
        heads = Array(repeating: .none, count: stripes)
        words = Array(repeating: 0, count: stripes)
    }

    /// Appends one row's words to stripe `s` (`body` appends them), writing the stripe's block once it is full.
    @inline(__always)
    func append(_ s: Int, _ body: (inout [UInt32]) -> Void) throws {
        if pending[s].isEmpty {
            if pending[s].capacity == 0 { pending[s].reserveCapacity(flushWords + 64) }
            pending[s].append(contentsOf: repeatElement(0, count: Self.headerWords))
        }
        body(&pending[s])
        if pending[s].count >= flushWords { try flush(s) }
    }

    /// Writes stripe `s`'s pending words as a block chained to its previous one.
    func flush(_ s: Int) throws {
        guard !pending[s].isEmpty else { return }
        let previous = heads[s]
        pending[s][0] = UInt32(truncatingIfNeeded: previous.offset)
        pending[s][1] = UInt32(truncatingIfNeeded: previous.offset >> 32)
        pending[s][2] = UInt32(previous.count)
        let count = pending[s].count
        let offset = try pending[s].withUnsafeBufferPointer { try file.append($0) }
        heads[s] = BlockRef(offset: offset, count: count)
        words[s] += count
        pending[s].removeAll(keepingCapacity: true)
    }

    /// Writes every stripe's pending words.
    func flushAll() throws {
        for s in pending.indices { try flush(s) }
        try file.flush()
    }

    /// Frees the pending buffers (once nothing more is appended).
    func releasePending() { pending = Array(repeating: [], count: pending.count) }

    /// Walks stripes' chains in a given stripe order, a unit of blocks at a time.
    struct Cursor {
        let order: [Int]
        var index = 0
        var next: BlockRef

        init(_ order: [Int], heads: [BlockRef]) {
            self.order = order
            next = order.first.map { heads[$0] } ?? .none
        }
    }

    /// A unit read into memory: its blocks' words one after another, and where each block starts.
    struct Unit {
        var words: [UInt32] = []
        var blocks: [(at: Int, block: BlockRef)] = []
    }

    /// Reads the next blocks of `cursor`'s chains, as many as fit in `cap` words (at least one block); nil when
    /// all are read. Memory: `cap` words (or one block, if larger).
    func readUnit(_ cursor: inout Cursor, cap: Int) throws -> Unit? {
        var unit = Unit()
        while true {
            while cursor.next.count == 0 {
                cursor.index += 1
                guard cursor.index < cursor.order.count else { return unit.blocks.isEmpty ? nil : unit }
                cursor.next = heads[cursor.order[cursor.index]]
            }
            let b = cursor.next
            if !unit.blocks.isEmpty && unit.words.count + b.count > cap { return unit }
            if unit.words.capacity == 0 { unit.words.reserveCapacity(max(cap, b.count)) }
            let at = unit.words.count
            try file.read(offset: b.offset, count: b.count, into: &unit.words)
            unit.blocks.append((at, b))
            cursor.next = BlockRef(offset: Int(unit.words[at]) | Int(unit.words[at + 1]) << 32,
                                   count: Int(unit.words[at + 2]))
        }
    }

    /// Writes a unit's blocks back where they were read from (after their rows were changed in place).
    func writeBack(_ unit: Unit) throws {
        try unit.words.withUnsafeBufferPointer { w in
            for (at, b) in unit.blocks {
                try file.write(UnsafeBufferPointer(rebasing: w[at..<(at + b.count)]), at: b.offset)
            }
        }
    }

    /// Where each row of `unit` starts, block by block (`rowWords(words, p)`: the length of the row at `p`).
    static func rowStarts(_ unit: Unit, rowWords: (UnsafeBufferPointer<UInt32>, Int) -> Int) -> [Int] {
        var starts: [Int] = []
        unit.words.withUnsafeBufferPointer { w in
            for (at, b) in unit.blocks {
                var p = at + headerWords
                while p < at + b.count { starts.append(p); p += rowWords(w, p) }
            }
        }
        return starts
    }
}
