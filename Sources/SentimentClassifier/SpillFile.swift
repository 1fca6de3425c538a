#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An anonymous scratch file of 32-bit words: created in a directory and unlinked at once, so nothing is
/// left behind however the process ends. Out-of-core training keeps its feature counts here; the kernel's
/// page cache, not this process's memory, holds them between passes.
final class SpillFile {
    private let fd: Int32
    /// Words in the file, including those still buffered.
    private(set) var wordCount = 0
    /// Appended words not yet written (the file's last `buffer.count` words): rows arrive a few KB per stripe,
    /// written 1 MB at a time.
    private var buffer: [UInt32] = []
    private static let bufferWords = 1 << 18

    init(directory: String) throws {
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast())
            + Array("sentiment-spill-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw ClassifierError.invalidInput("cannot create a scratch file in \(directory): \(String(cString: strerror(errno)))")
        }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Appends `words`; returns the word offset where they start.
    func append(_ words: UnsafeBufferPointer<UInt32>) throws -> Int {
        let start = wordCount
        if buffer.count + words.count > Self.bufferWords { try flush() }
        if words.count >= Self.bufferWords {
            try writeNow(words, at: start)
        } else {
            if buffer.capacity == 0 { buffer.reserveCapacity(Self.bufferWords) }
            buffer.append(contentsOf: words)
        }
        wordCount += words.count
        return start
    }

    /// Writes the buffered words.
    func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBufferPointer { try writeNow($0, at: wordCount - buffer.count) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes `words` at word `offset` (within or at the end of the file).
    func write(_ words: UnsafeBufferPointer<UInt32>, at start: Int) throws {
        try flush()
        try writeNow(words, at: start)
    }

    private func writeNow(_ words: UnsafeBufferPointer<UInt32>, at start: Int) throws {
        var done = 0
        let bytes = words.count * 4
        let raw = UnsafeRawPointer(words.baseAddress!)
        while done < bytes {
            let n = pwrite(fd, raw + done, bytes - done, off_t((start * 4) + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ClassifierError.invalidInput("cannot write the scratch file: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    /// Reads `count` words at word `offset` into `into` (appending).
    func read(offset: Int, count: Int, into buffer: inout [UInt32]) throws {
        try flush()
        let base = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: count))
        try buffer.withUnsafeMutableBytes { raw in
            let p = raw.baseAddress! + base * 4
            var done = 0
            let bytes = count * 4
            while done < bytes {
                let n = pread(fd, p + done, bytes - done, off_t(offset * 4 + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw ClassifierError.invalidInput("cannot read the scratch file: \(n < 0 ? String(cString: strerror(errno)) : "short read")")
                }
                done += n
            }
        }
    }
}
