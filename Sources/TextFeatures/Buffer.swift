/// Frees a `Buffer`'s memory when the last copy of its owning value goes away.
final class BufferOwner {
    var pointer: UnsafeMutableRawPointer?
    init(_ p: UnsafeMutableRawPointer) { pointer = p }
    deinit { pointer?.deallocate() }
}

/// A growable buffer of trivial values for hot loops: plain pointer writes, no copy-on-write or uniqueness checks.
/// Copies share storage, so a value holding one must stay on one thread (per-thread scratch space only).
struct Buffer<T> {
    private(set) var base: UnsafeMutablePointer<T>
    private(set) var capacity: Int
    var count = 0
    private let owner: BufferOwner

    init(capacity: Int = 64) {
        let c = Swift.max(capacity, 16)
        base = .allocate(capacity: c)
        self.capacity = c
        owner = BufferOwner(UnsafeMutableRawPointer(base))
    }

    /// Makes room for `n` more elements.
    @inline(__always)
    mutating func reserve(more n: Int) {
        if count &+ n > capacity { grow(count &+ n) }
    }

    private mutating func grow(_ needed: Int) {
        let c = Swift.max(needed, capacity * 2)
        let p = UnsafeMutablePointer<T>.allocate(capacity: c)
        p.update(from: base, count: count)
        owner.pointer?.deallocate()
        owner.pointer = UnsafeMutableRawPointer(p)
        base = p
        capacity = c
    }

    @inline(__always)
    mutating func append(_ v: T) {
        if count == capacity { grow(count + 1) }
        base[count] = v
        count &+= 1
    }

    /// Appends without a capacity check (after `reserve(more:)`).
    @inline(__always)
    mutating func appendUnchecked(_ v: T) {
        base[count] = v
        count &+= 1
    }

    @inline(__always) mutating func removeAll() { count = 0 }

    @inline(__always) subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    var buffer: UnsafeMutableBufferPointer<T> { UnsafeMutableBufferPointer(start: base, count: count) }
    var array: [T] { Array(UnsafeBufferPointer(start: base, count: count)) }
}
