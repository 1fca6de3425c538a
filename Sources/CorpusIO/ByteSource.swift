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
    /// Raw bytes read ahead while looking for a byte-order mark, served before the rest.
    private var pending: [UInt8] = []
    /// Set when the file is not UTF-8: `read` then serves `decoded`, the UTF-8 form of the raw bytes.
    private var transcoder: Transcoder?
    private var decoded: [UInt8] = []
    private var decodedPos = 0
    private var raw: [UInt8] = []
    private var rawEOF = false

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

    /// Sets up how the bytes are decoded: `encoding`, or when nil, UTF-16 if the data starts with its byte-order
    /// mark and UTF-8 as is otherwise. Call before the first `read`. Only a file that is not UTF-8 pays for a
    /// conversion; UTF-8 is served as read.
    func decode(_ encoding: TextEncoding?) throws {
        switch encoding {
        case .utf8:
            return
        case .latin1:
            transcoder = Transcoder(.latin1, file: path)
        case .windows1252:
            transcoder = Transcoder(.windows1252, file: path)
        case .utf16LE:
            transcoder = Transcoder(.utf16(bigEndian: false), file: path)
        case .utf16BE:
            transcoder = Transcoder(.utf16(bigEndian: true), file: path)
        case .utf16, nil:
            var mark: [UInt8] = [0, 0]
            let n = try mark.withUnsafeMutableBufferPointer { try readRawFully(into: $0.baseAddress!, count: 2) }
            pending = Array(mark[0..<n])
            if pending == [0xFF, 0xFE] {
                transcoder = Transcoder(.utf16(bigEndian: false), file: path)
            } else if pending == [0xFE, 0xFF] {
                transcoder = Transcoder(.utf16(bigEndian: true), file: path)
            } else if encoding == .utf16 {
                throw CorpusError(file: path, problem: .missingByteOrderMark)
            }
        }
    }

    /// Reads up to `count` bytes (UTF-8) into `p`; returns the number read, 0 at end of data.
    func read(into p: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        guard transcoder != nil else { return try readRaw(into: p, count: count) }
        while decodedPos == decoded.count {
            if rawEOF { return 0 }
            decoded.removeAll(keepingCapacity: true)
            decodedPos = 0
            let want = max(count, 1 << 16)
            if raw.count < want { raw = [UInt8](repeating: 0, count: want) }
            let got = try raw.withUnsafeMutableBufferPointer { try readRawFully(into: $0.baseAddress!, count: want) }
            rawEOF = got < want
            try raw.withUnsafeBufferPointer { b in
                try transcoder!.append(UnsafeBufferPointer(rebasing: b[0..<got]), atEOF: rawEOF, to: &decoded)
            }
        }
        let n = min(count, decoded.count - decodedPos)
        decoded.withUnsafeBufferPointer { p.update(from: $0.baseAddress! + decodedPos, count: n) }
        decodedPos += n
        return n
    }

    private func readRawFully(into p: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        try Self.fill(p, count) { try readRaw(into: $0, count: $1) }
    }

    /// Calls `read` until `count` bytes came or it returned 0; returns the number read.
    private static func fill(_ p: UnsafeMutablePointer<UInt8>, _ count: Int,
                             _ read: (UnsafeMutablePointer<UInt8>, Int) throws -> Int) throws -> Int {
        var got = 0
        while got < count {
            let n = try read(p + got, count - got)
            if n == 0 { break }
            got += n
        }
        return got
    }

    /// The file's own bytes.
    private func readRaw(into p: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        if !pending.isEmpty {
            let n = min(count, pending.count)
            pending.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: n) }
            pending.removeFirst(n)
            return n
        }
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
        try Self.fill(p, count) { try read(into: $0, count: $1) }
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

/// Whether the data starts with a UTF-16 byte-order mark (either order).
@inline(__always)
func startsWithUTF16Mark(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    count >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))
}

extension ByteSource {
    /// `bytes` in UTF-8: as they are when they are UTF-8 (no `encoding`, or utf-8, and no UTF-16 byte-order mark),
    /// else converted.
    static func utf8(_ bytes: [UInt8], path: String, encoding: TextEncoding?) throws -> [UInt8] {
        let plain = encoding == .utf8 || (encoding == nil && !withBytes(bytes, startsWithUTF16Mark))
        if plain { return bytes }
        let source = ByteSource(bytes: bytes, path: path)
        try source.decode(encoding)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try chunk.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress!, count: $0.count) }
            if n == 0 { return out }
            out += chunk[0..<n]
        }
    }
}

@inline(__always)
func bomLength(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int {
    count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0
}
