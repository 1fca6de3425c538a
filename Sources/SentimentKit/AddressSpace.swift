import Foundation
import Sparse
#if canImport(Glibc)
import Glibc
#endif

/// The process's address-space limit (`ulimit -v`, RLIMIT_AS), checked before work that needs memory: below it
/// allocations fail, and in Swift most failed allocations end the process with a signal. So train and predict
/// first make sure the room they need is there, and refuse with an `AllocationError` (exit 74) when it is not.
public enum AddressSpace {
    /// What training or predicting needs beyond what is mapped at the start, besides what depends on the input:
    /// buffers, the store's page cache, the second malloc arena (64 MB reserved), and a stack per worker thread.
    public static var baseNeed: Int { (320 << 20) + ProcessInfo.processInfo.activeProcessorCount * (16 << 20) }

    /// The soft RLIMIT_AS in bytes, nil when unlimited (or unknown on this platform).
    public static var limit: Int? {
        #if os(Linux)
        var r = rlimit()
        guard getrlimit(Int32(RLIMIT_AS.rawValue), &r) == 0, r.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: r.rlim_cur)
        #else
        return nil
        #endif
    }

    /// Bytes of address space mapped now (Linux: /proc/self/statm), 0 when unknown.
    public static var inUse: Int {
        #if os(Linux)
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .ascii),
              let pages = s.split(separator: " ").first.flatMap({ Int($0) }) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
        #else
        return 0
        #endif
    }

    /// Throws `AllocationError` when `bytes` more than what is mapped now would pass the limit.
    public static func reserve(_ bytes: Int, for purpose: String) throws {
        guard let limit else { return }
        let (need, overflow) = inUse.addingReportingOverflow(bytes)
        if overflow || need > limit {
            throw AllocationError(purpose: "\(purpose) within ulimit -v \(limit >> 10) (KB)", bytes: bytes)
        }
    }
}
