/// A pointer handed to the blocks of a parallel loop (`DispatchQueue.concurrentPerform`), each of which writes only
/// its own disjoint range behind it (ranges shared by blocks are only read); the loop's end orders every write before
/// the caller reads them. That contract, which the compiler cannot check, is why this is `@unchecked Sendable`.
public struct DisjointPointer<T>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<T>
    public init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    /// For memory the blocks only read.
    public init(readOnly base: UnsafePointer<T>) { self.base = UnsafeMutablePointer(mutating: base) }
}
