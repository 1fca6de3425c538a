import CSHA256
import Foundation
import StoreInterface

/// SHA-256 (FIPS 180-4), incremental. Whole 64-byte blocks go to the C compression function in `CSHA256`
/// (the x86 SHA extensions when the CPU has them, portable C otherwise) straight from the caller's buffer;
/// only a partial block is buffered here.
///
/// ```swift
/// var h = SHA256()
/// h.update(chunk1); h.update(chunk2)
/// let digest = h.finalize()            // 32 bytes
/// SHA256.hex(Array("abc".utf8))        // "ba7816bf…"
/// ```
public struct SHA256: Sendable {
    private typealias Words = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
    private typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    private var state: Words = (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    /// The pending partial block: its first `buffered` bytes (0..<64).
    private var block: Block = (0, 0, 0, 0, 0, 0, 0, 0)
    private var buffered = 0
    private var totalLength: UInt64 = 0
    private var portableOnly = false

    /// A fresh hasher.
    public init() {}

    /// A fresh hasher that, when `portableOnly`, never uses the SHA extensions (tests and benchmarks compare the two).
    @_spi(SHA256Implementation)
    public init(portableOnly: Bool) {
        self.portableOnly = portableOnly
    }

    /// Whether hashers made with `init()` use the x86 SHA extensions on this machine.
    @_spi(SHA256Implementation)
    public static var hardwareAccelerated: Bool { csha256_hardware_accelerated() != 0 }

    /// Feeds bytes into the hash.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds the UTF-8 bytes of a string into the hash.
    public mutating func update(_ string: String) {
        if string.utf8.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) != nil { return }
        var s = string
        s.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Feeds raw bytes into the hash.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var n = bytes.count
        totalLength &+= UInt64(n)
        if buffered > 0 {
            let take = min(64 - buffered, n)
            let at = buffered
            withUnsafeMutableBytes(of: &block) { $0.baseAddress!.advanced(by: at).copyMemory(from: p, byteCount: take) }
            buffered += take
            p += take
            n -= take
            guard buffered == 64 else { return }
            var full = block
            withUnsafeBytes(of: &full) { compress($0.baseAddress!, blocks: 1) }
            buffered = 0
        }
        if n >= 64 {
            compress(p, blocks: n / 64)
            p += n & ~63
            n &= 63
        }
        if n > 0 {
            withUnsafeMutableBytes(of: &block) { $0.baseAddress!.copyMemory(from: p, byteCount: n) }
            buffered = n
        }
    }

    /// Finishes the hash and returns the 32-byte digest. The hasher should not be used afterwards.
    public mutating func finalize() -> [UInt8] {
        // The buffered bytes, 0x80, zeros, and the message length in bits as a big-endian UInt64: one or two blocks.
        var tail: (Block, Block) = (block, (0, 0, 0, 0, 0, 0, 0, 0))
        let used = buffered
        let blocks = used + 9 <= 64 ? 1 : 2
        let bitLength = totalLength &* 8
        withUnsafeMutableBytes(of: &tail) { raw in
            for i in used..<(blocks * 64) { raw[i] = 0 }
            raw[used] = 0x80
            raw.storeBytes(of: bitLength.bigEndian, toByteOffset: blocks * 64 - 8, as: UInt64.self)
        }
        withUnsafeBytes(of: &tail) { compress($0.baseAddress!, blocks: blocks) }
        buffered = 0
        var out = [UInt8]()
        out.reserveCapacity(32)
        for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
            out.append(UInt8(truncatingIfNeeded: word >> 24))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 8))
            out.append(UInt8(truncatingIfNeeded: word))
        }
        return out
    }

    /// The 32-byte digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var h = SHA256()
        h.update(bytes)
        return h.finalize()
    }

    /// The lowercase hexadecimal digest of `bytes` (64 characters).
    public static func hex(_ bytes: [UInt8]) -> String {
        hexString(hash(bytes))
    }

    /// The lowercase hexadecimal digest of a file's content, read in 1 MiB chunks (constant memory).
    /// - Throws: `StoreError.cannotOpen` when the file cannot be read.
    public static func hex(contentsOfFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.cannotOpen(path: path, reason: "cannot read file")
        }
        defer { try? handle.close() }
        var h = SHA256()
        while true {
            let chunk: Data
            do {
                guard let c = try handle.read(upToCount: 1 << 20), !c.isEmpty else { break }
                chunk = c
            } catch {
                throw StoreError.cannotOpen(path: path, reason: "read failed: \(error.localizedDescription)")
            }
            chunk.withUnsafeBytes { h.update($0) }
        }
        return hexString(h.finalize())
    }

    /// Lowercase hexadecimal rendering of bytes.
    public static func hexString(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var chars = [UInt8]()
        chars.reserveCapacity(digest.count * 2)
        for b in digest {
            chars.append(digits[Int(b >> 4)])
            chars.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: chars, as: UTF8.self)
    }

    /// Runs the compression function over `blocks` whole 64-byte blocks at `data`.
    @inline(__always)
    private mutating func compress(_ data: UnsafeRawPointer, blocks: Int) {
        let portable = portableOnly
        withUnsafeMutableBytes(of: &state) { raw in
            let words = raw.baseAddress!.assumingMemoryBound(to: UInt32.self)
            if portable {
                csha256_blocks_portable(words, data, blocks)
            } else {
                csha256_blocks(words, data, blocks)
            }
        }
    }
}
