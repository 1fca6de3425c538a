import Foundation
import Synchronization

/// Ctrl-C during long work: the first SIGINT asks the work to stop where nothing is half-written (after the batch
/// being stored, between training phases) so the command can say what was kept; a second one ends the process at
/// once (the store's transactions still keep it whole).
enum Interruption {
    private static let requested = Atomic<Bool>(false)

    /// Whether Ctrl-C was pressed since `install`.
    static var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// Catches the first SIGINT, writing `notice` on stderr from the handler (async-signal-safe: a prepared
    /// buffer and write(2)).
    static func install(notice: String) {
        noticeBytes = Array(("\r\u{1B}[K" + notice + " (Ctrl-C again to stop at once)\n").utf8)
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = { _ in Interruption.handle() }
        #else
        action.__sigaction_u.__sa_handler = { _ in Interruption.handle() }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = Int32(bitPattern: UInt32(SA_RESETHAND))  // the second SIGINT gets the default action
        sigaction(SIGINT, &action, nil)
    }

    nonisolated(unsafe) private static var noticeBytes: [UInt8] = []

    private static func handle() {
        requested.store(true, ordering: .relaxed)
        noticeBytes.withUnsafeBufferPointer { b in _ = write(2, b.baseAddress, b.count) }
    }
}
