/// A growable byte buffer reused across rows (no per-row allocation), for values bound to the insert statement.
final class ByteScratch {
    private(set) var storage: UnsafeMutableBufferPointer<UInt8>
    var count = 0

    init(capacity: Int = 256) { storage = .allocate(capacity: capacity) }

    deinit { storage.deallocate() }

    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: storage[0..<count]) }

    @inline(__always)
    func reserve(_ extra: Int) {
        guard count + extra > storage.count else { return }
        let grown = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(storage.count * 2, count + extra))
        _ = grown.initialize(from: storage[0..<count])
        storage.deallocate()
        storage = grown
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ bytes: [UInt8]) {
        reserve(bytes.count)
        bytes.withUnsafeBufferPointer { b in
            UnsafeMutableRawPointer(storage.baseAddress! + count).copyMemory(from: b.baseAddress!, byteCount: b.count)
        }
        count += bytes.count
    }

    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let b = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(storage.baseAddress! + count).copyMemory(from: b, byteCount: bytes.count)
        count += bytes.count
    }

    /// `v.description` (the shortest form that reads back as the same Float32), as the store has always written it.
    @inline(__always)
    func append(_ v: Float) {
        var s = v.description
        s.withUTF8 { b in
            reserve(b.count)
            UnsafeMutableRawPointer(storage.baseAddress! + count).copyMemory(from: b.baseAddress!, byteCount: b.count)
            count += b.count
        }
    }

    /// A non-negative or negative integer in decimal.
    @inline(__always)
    func append(decimal value: Int) {
        reserve(21)
        var v = value.magnitude
        if value < 0 { storage[count] = UInt8(ascii: "-"); count += 1 }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch
        let n = withUnsafeMutableBytes(of: &digits) { d -> Int in
            var n = 0
            repeat {
                d[23 - n] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
                v /= 10
                n += 1
            } while v > 0
            UnsafeMutableRawPointer(storage.baseAddress! + count).copyMemory(from: d.baseAddress! + 24 - n, byteCount: n)
            return n
        }
        count += n
    }
}
