/// Memory for a large buffer could not be had (the system or `ulimit -v` refused it): reported as an error, not
/// a crash, by the allocations whose size comes from the data or the settings.
public struct AllocationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What the memory was for.
    public var purpose: String
    public var bytes: Int

    public init(purpose: String, bytes: Int) {
        self.purpose = purpose
        self.bytes = bytes
    }

    public var description: String {
        "not enough memory for \(purpose) (\((bytes + (1 << 20) - 1) >> 20) MB could not be allocated)"
    }
}
