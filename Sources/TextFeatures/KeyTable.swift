/// Open-addressing hash map from 64-bit feature keys to `Int32` ids (linear probing, power-of-two capacity,
/// Fibonacci hashing of the key). Deterministic: contents depend only on the inserted pairs.
struct KeyTable: Sendable {
    private(set) var keys: [UInt64]
    private(set) var values: [Int32]      // -1 = empty slot
    private(set) var count = 0
    private var shift: UInt64

    init(minimumCapacity: Int = 16) {
        var cap = 16
        while cap < minimumCapacity * 2 { cap <<= 1 }
        keys = [UInt64](repeating: 0, count: cap)
        values = [Int32](repeating: -1, count: cap)
        shift = UInt64(64 - cap.trailingZeroBitCount)
    }

    var capacity: Int { keys.count }

    @inline(__always)
    private func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The id stored for `key`, or -1.
    @inline(__always)
    func find(_ key: UInt64) -> Int32 {
        let mask = keys.count - 1
        var i = home(key)
        while true {
            let v = values[i]
            if v < 0 { return -1 }
            if keys[i] == key { return v }
            i = (i &+ 1) & mask
        }
    }

    /// Stores `value` for `key` unless the key is present; returns the stored id.
    @discardableResult
    mutating func insert(_ key: UInt64, _ value: Int32) -> Int32 {
        if (count + 1) * 2 > keys.count { grow() }
        let mask = keys.count - 1
        var i = home(key)
        while true {
            let v = values[i]
            if v < 0 { keys[i] = key; values[i] = value; count += 1; return value }
            if keys[i] == key { return v }
            i = (i &+ 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        self = KeyTable(minimumCapacity: oldKeys.count)
        for i in oldKeys.indices where oldValues[i] >= 0 { insert(oldKeys[i], oldValues[i]) }
    }
}

/// Counting table for fitting a vocabulary: key → (document frequency, first row, group). One 16-byte slot per
/// key (open addressing, linear probing), so a probe touches one cache line.
struct CountTable {
    struct Slot {
        var key: UInt64
        /// Document frequency; 0 = empty slot.
        var df: UInt32
        /// First row in bits 0...30, group in bit 31.
        var rowGroup: UInt32
        var firstRow: Int32 { Int32(bitPattern: rowGroup & 0x7fff_ffff) }
        var group: UInt8 { UInt8(truncatingIfNeeded: rowGroup >> 31) }
    }
    private(set) var slots: [Slot]
    private(set) var count = 0
    private var shift: UInt64

    init(minimumCapacity: Int = 1024) {
        var cap = 16
        while cap < minimumCapacity * 2 { cap <<= 1 }
        slots = [Slot](repeating: Slot(key: 0, df: 0, rowGroup: 0), count: cap)
        shift = UInt64(64 - cap.trailingZeroBitCount)
    }

    var capacity: Int { slots.count }

    /// Adds `n` documents for `key`, first seen in `row` (0 ≤ row < 2^31).
    @inline(__always)
    mutating func add(_ key: UInt64, n: UInt32, row: Int32, group g: UInt8) {
        add(key, n: n, rowGroup: UInt32(bitPattern: row) & 0x7fff_ffff | UInt32(g & 1) << 31)
    }

    @inline(__always)
    private mutating func add(_ key: UInt64, n: UInt32, rowGroup: UInt32) {
        if (count + 1) * 2 > slots.count { grow() }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        slots.withUnsafeMutableBufferPointer { t in
            while true {
                if t[i].df == 0 {
                    t[i] = Slot(key: key, df: n, rowGroup: rowGroup)
                    count += 1
                    return
                }
                if t[i].key == key {
                    t[i].df &+= n
                    if rowGroup & 0x7fff_ffff < t[i].rowGroup & 0x7fff_ffff { t[i].rowGroup = rowGroup }
                    return
                }
                i = (i &+ 1) & mask
            }
        }
    }

    /// Adds every entry of `other`.
    mutating func merge(_ other: CountTable) {
        if (count + other.count) * 2 > slots.count {
            var grown = CountTable(minimumCapacity: count + other.count)
            grown.mergeSlots(self)
            self = grown
        }
        mergeSlots(other)
    }

    private mutating func mergeSlots(_ other: CountTable) {
        for s in other.slots where s.df != 0 { add(s.key, n: s.df, rowGroup: s.rowGroup) }
    }

    private mutating func grow() {
        let old = self
        self = CountTable(minimumCapacity: old.slots.count)
        mergeSlots(old)
    }
}

/// Document-frequency counting split into `count` tables by the key's low bits, so the tables of several
/// workers can be merged partition by partition in parallel.
struct PartitionedCounts {
    static let count = 16
    var parts: [CountTable]

    init() { parts = (0..<Self.count).map { _ in CountTable(minimumCapacity: 1024) } }

    /// Distinct keys counted.
    var count: Int { parts.reduce(0) { $0 + $1.count } }

    @inline(__always)
    static func partition(_ key: UInt64) -> Int { Int(truncatingIfNeeded: key & UInt64(count - 1)) }

    @inline(__always)
    mutating func add(_ key: UInt64, row: Int32, group: UInt8) {
        parts[Self.partition(key)].add(key, n: 1, row: row, group: group)
    }

    /// Partition `p` of all `workers` merged (deterministic: sums and minima do not depend on the order).
    static func merged(_ workers: [PartitionedCounts], partition p: Int) -> CountTable {
        var total = CountTable(minimumCapacity: workers.map { $0.parts[p].count }.max() ?? 0)
        for w in workers { total.merge(w.parts[p]) }
        return total
    }
}
