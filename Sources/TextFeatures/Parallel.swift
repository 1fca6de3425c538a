import Foundation
import Sparse

/// Fixed contiguous row blocks and an order-preserving parallel map over them. Each block's result depends only
/// on its rows, and results are combined in block order, so the output never depends on the block count.
enum Parallel {
    static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Splits `0..<count` into at most `maxBlocks` contiguous blocks of at least `minimumRows` rows each.
    static func blocks(_ count: Int, maxBlocks: Int = Parallel.cores * 4, minimumRows: Int = 512) -> [Range<Int>] {
        if count == 0 { return [] }
        let n = max(1, min(maxBlocks, (count + minimumRows - 1) / minimumRows))
        return (0..<n).map { b in (count * b / n)..<(count * (b + 1) / n) }
    }

    /// `body` applied to every block, on all cores, results in block order.
    static func map<T>(_ blocks: [Range<Int>], _ body: (Range<Int>) -> T) -> [T] {
        if blocks.count <= 1 { return blocks.map(body) }
        var results = [T?](repeating: nil, count: blocks.count)
        results.withUnsafeMutableBufferPointer { buf in
            let base = DisjointPointer(buf.baseAddress!)
            withoutActuallyEscaping(body) { body in
                let shared = BlockBody(run: body)
                DispatchQueue.concurrentPerform(iterations: blocks.count) { b in
                    base.base[b] = shared.run(blocks[b])
                }
            }
        }
        return results.compactMap { $0 }
    }

    /// Runs `body` for every block on all cores.
    static func forEach(_ blocks: [Range<Int>], _ body: (Range<Int>) -> Void) {
        if blocks.count <= 1 { blocks.forEach(body); return }
        withoutActuallyEscaping(body) { body in
            let shared = BlockBody(run: body)
            DispatchQueue.concurrentPerform(iterations: blocks.count) { b in shared.run(blocks[b]) }
        }
    }
}

/// A block body shared by the threads of one parallel loop. Every caller's blocks read shared state and write only
/// their own disjoint rows or outputs, and the loop returns after all blocks: that contract is checked by review and
/// by the determinism tests (same output for any block count), not by the compiler, hence `@unchecked`. It is the
/// one place the feature module's parallel loops rely on it.
private struct BlockBody<T>: @unchecked Sendable {
    let run: (Range<Int>) -> T
}
