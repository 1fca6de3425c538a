/// The one growable byte buffer of the product: rows of output (CSV, JSON, the CLI's tables) and values bound to
/// the store's bulk inserts are built in it byte by byte, with no per-row allocation once it has grown. Plain
/// pointer writes; the hot appends are inlinable across modules. Used from one thread at a time.
public final class ByteBuffer {
    // No dynamic exclusivity checks on these: they cost ~15% of `predict --file` output time (measured) on the
    // per-byte appends, and a buffer is used from one thread at a time, never re-entered.
    @exclusivity(unchecked) @usableFromInline var storage: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    /// Bytes written so far.
    @exclusivity(unchecked) public var count = 0

    public init(capacity: Int = 256) {
        self.capacity = Swift.max(capacity, 16)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    /// The bytes written so far (valid until the next append).
    @inlinable
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: storage, count: count) }

    /// The start of the memory, for writes in place after `reserve`.
    @inlinable
    public var base: UnsafeMutablePointer<UInt8> { storage }

    /// Makes room for `extra` more bytes.
    @inlinable @inline(__always)
    public func reserve(_ extra: Int) {
        if count &+ extra > capacity { grow(count &+ extra) }
    }

    @usableFromInline
    func grow(_ needed: Int) {
        let c = Swift.max(needed, capacity &* 2)
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        p.update(from: storage, count: count)
        storage.deallocate()
        storage = p
        capacity = c
    }

    @inlinable @inline(__always)
    public func append(_ byte: UInt8) {
        if count == capacity { grow(count &+ 1) }
        storage[count] = byte
        count &+= 1
    }

    @inlinable @inline(__always)
    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard let b = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(storage + count).copyMemory(from: b, byteCount: bytes.count)
        count &+= bytes.count
    }

    @inlinable @inline(__always)
    public func append(_ bytes: UnsafeBufferPointer<UInt8>) { append(UnsafeRawBufferPointer(bytes)) }

    @inlinable
    public func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    @inlinable
    public func append(_ s: String) {
        var s = s
        s.withUTF8 { append($0) }
    }

    /// An integer in decimal: the one decimal formatter (ids, line numbers, counts).
    @inlinable @inline(__always)
    public func append(decimal value: Int64) {
        reserve(20)
        var v = value.magnitude
        if value < 0 { storage[count] = UInt8(ascii: "-"); count &+= 1 }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, filled from the end
        let n = withUnsafeMutableBytes(of: &digits) { d -> Int in
            var n = 0
            repeat {
                d[23 &- n] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
                v /= 10
                n &+= 1
            } while v > 0
            UnsafeMutableRawPointer(storage + count).copyMemory(from: d.baseAddress! + 24 - n, byteCount: n)
            return n
        }
        count &+= n
    }

    @inlinable
    public func append(decimal value: Int) { append(decimal: Int64(value)) }

    /// Forgets the bytes, keeping the memory.
    @inlinable
    public func removeAll() { count = 0 }
}
