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

/// Counting table for fitting a vocabulary: key → (document frequency, first row, group).
struct CountTable {
    private(set) var keys: [UInt64]
    private(set) var df: [UInt32]          // 0 = empty slot
    private(set) var firstRow: [Int32]
    private(set) var group: [UInt8]
    private(set) var count = 0
    private var shift: UInt64

    init(minimumCapacity: Int = 1024) {
        var cap = 16
        while cap < minimumCapacity * 2 { cap <<= 1 }
        keys = [UInt64](repeating: 0, count: cap)
        df = [UInt32](repeating: 0, count: cap)
        firstRow = [Int32](repeating: 0, count: cap)
        group = [UInt8](repeating: 0, count: cap)
        shift = UInt64(64 - cap.trailingZeroBitCount)
    }

    var capacity: Int { keys.count }

    /// Adds `n` documents for `key`, first seen in `row`.
    @inline(__always)
    mutating func add(_ key: UInt64, n: UInt32, row: Int32, group g: UInt8) {
        if (count + 1) * 2 > keys.count { grow() }
        let mask = keys.count - 1
        var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            if df[i] == 0 {
                keys[i] = key; df[i] = n; firstRow[i] = row; group[i] = g; count += 1
                return
            }
            if keys[i] == key {
                df[i] &+= n
                if row < firstRow[i] { firstRow[i] = row }
                return
            }
            i = (i &+ 1) & mask
        }
    }

    /// Adds every entry of `other`.
    mutating func merge(_ other: CountTable) {
        for i in 0..<other.keys.count where other.df[i] != 0 {
            add(other.keys[i], n: other.df[i], row: other.firstRow[i], group: other.group[i])
        }
    }

    private mutating func grow() {
        let old = self
        self = CountTable(minimumCapacity: old.keys.count)
        merge(old)
    }
}
