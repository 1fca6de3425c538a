import Foundation

/// A bounded first-in first-out queue between threads: `push` waits while it is full, `pop` while it is empty.
/// `close()` ends it for both sides at once: a producer blocked on a full queue returns `false` instead of
/// hanging when its consumer has failed, and a consumer gets what is left, then nil.
public final class BoundedQueue<T>: @unchecked Sendable {
    // @unchecked: every stored property is read and written only while `condition` is locked.
    private var items: [T?] = []
    private var head = 0
    private var closed = false
    private let capacity: Int
    private let condition = NSCondition()

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Adds `item`, waiting for room; false (and the item dropped) when the queue is closed.
    @discardableResult
    public func push(_ item: T) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The oldest item, waiting for one; nil once the queue is closed and empty.
    public func pop() -> T? {
        condition.lock()
        defer { condition.unlock() }
        while items.count == head && !closed { condition.wait() }
        guard items.count > head else { return nil }
        let item = items[head]
        items[head] = nil  // a popped item is not kept alive by the queue
        head += 1
        if head >= 64 { items.removeFirst(head); head = 0 }
        condition.broadcast()
        return item
    }

    /// Ends the queue: pushes fail from now on, pops drain what is left. With `discarding`, what is left goes too.
    public func close(discarding: Bool = false) {
        condition.lock()
        closed = true
        if discarding { items.removeAll(); head = 0 }
        condition.broadcast()
        condition.unlock()
    }
}

/// A value handed to one background thread, which is its only user until that thread has signalled its end
/// through a `BoundedQueue` (whose lock orders the accesses). The compiler cannot see that hand-over, hence
/// `@unchecked`; it is used for the readers of the prediction and training pipelines only.
struct HandedOver<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
