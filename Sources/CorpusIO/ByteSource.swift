#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where bytes come from: an open file descriptor (a file, or standard input for `-`) or memory.
final class ByteSource {
    let path: String
    private var fd: Int32 = -1
    private var ownsFD = false
    private var memory: [UInt8] = []
    private var memoryOffset = 0
    private let isMemory: Bool
    /// Size from `fstat` for regular files (a hint; 0 when unknown).
    private(set) var sizeHint = 0

    /// Opens `path` (`-` = standard input) for reading.
    init(path: String) throws {
        self.path = path
        self.isMemory = false
        if path == "-" {
            fd = 0
            return
        }
        var st = stat()
        if stat(path, &st) != 0 {
            let e = errno
            if e == ENOENT || e == ENOTDIR { throw CorpusError(file: path, problem: .fileNotFound) }
            throw CorpusError(file: path, problem: .unreadable(reason: Self.reason(e)))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw CorpusError(file: path, problem: .isDirectory) }
        let opened = open(path, O_RDONLY | O_CLOEXEC)
        if opened < 0 { throw CorpusError(file: path, problem: .unreadable(reason: Self.reason(errno))) }
        fd = opened
        ownsFD = true
        if (st.st_mode & S_IFMT) == S_IFREG { sizeHint = Int(st.st_size) }
    }

    /// Serves bytes from memory (tests, callers that already hold the bytes).
    init(bytes: [UInt8], path: String) {
        self.path = path
        self.memory = bytes
        self.isMemory = true
        self.sizeHint = bytes.count
    }

    deinit {
        if ownsFD { close(fd) }
    }

    static func reason(_ e: Int32) -> String {
        if e == EACCES { return "permission denied" }
        if let s = strerror(e) { return String(cString: s) }
        return "error \(e)"
    }

    /// Reads up to `count` bytes into `p`; returns the number read, 0 at end of data.
    func read(into p: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        if isMemory {
            let n = min(count, memory.count - memoryOffset)
            if n > 0 {
                memory.withUnsafeBufferPointer { src in
                    (p).update(from: src.baseAddress! + memoryOffset, count: n)
                }
                memoryOffset += n
            }
            return n
        }
        while true {
            #if canImport(Darwin)
            let n = Darwin.read(fd, p, count)
            #elseif canImport(Glibc)
            let n = Glibc.read(fd, p, count)
            #else
            let n = Musl.read(fd, p, count)
            #endif
            if n >= 0 { return n }
            let e = errno
            if e == EINTR { continue }
            if e == EISDIR { throw CorpusError(file: path, problem: .isDirectory) }
            throw CorpusError(file: path, problem: .unreadable(reason: Self.reason(e)))
        }
    }

    /// Reads into `p` until `count` bytes came or the data ended; returns the number read.
    func readFully(into p: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        var got = 0
        while got < count {
            let n = try read(into: p + got, count: count - got)
            if n == 0 { break }
            got += n
        }
        return got
    }
}

/// Runs `body` with a pointer to the array's bytes (a valid pointer even for an empty array).
@inline(__always)
func withBytes<R>(_ a: [UInt8], _ body: (UnsafePointer<UInt8>, Int) throws -> R) rethrows -> R {
    try a.withUnsafeBufferPointer { b in
        if let base = b.baseAddress { return try body(base, b.count) }
        var dummy: UInt8 = 0
        return try withUnsafePointer(to: &dummy) { try body($0, 0) }
    }
}

let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]

@inline(__always)
func bomLength(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int {
    count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0
}
