import Synchronization

/// Prediction blocks kept in memory by a long-running process (`sentiment serve`), so a filtered page reads no block
/// data from SQLite: at 1M predictions that is ~28 MB copied out of the database per lowest-confidence page.
///
/// Entries are keyed by block id and the block's `tag`, which every write of the block replaces with a new random
/// value; a read transaction sees a block's tag and data together, so a cached copy is used only when it is exactly
/// the data that transaction would read. At most `capacity` bytes are held; the least recently used go first.
final class BlockCache: Sendable {
    private struct Entry {
        var tag: Int64
        var data: [UInt8]
        var used: UInt64
    }
    private struct State {
        var entries: [Int64: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) { self.capacity = capacity }

    func data(block: Int64, tag: Int64) -> [UInt8]? {
        state.withLock { s in
            guard var e = s.entries[block], e.tag == tag else { return nil }
            s.clock += 1
            e.used = s.clock
            s.entries[block] = e
            return e.data
        }
    }

    func store(block: Int64, tag: Int64, data: [UInt8]) {
        guard data.count <= capacity else { return }
        state.withLock { s in
            if let old = s.entries.removeValue(forKey: block) { s.bytes -= old.data.count }
            while s.bytes + data.count > capacity, let victim = s.entries.min(by: { $0.value.used < $1.value.used }) {
                s.bytes -= victim.value.data.count
                s.entries.removeValue(forKey: victim.key)
            }
            s.clock += 1
            s.entries[block] = Entry(tag: tag, data: data, used: s.clock)
            s.bytes += data.count
        }
    }

    var bytes: Int { state.withLock { $0.bytes } }
}
