import Foundation

/// SHA-256 (FIPS 180-4) in pure Swift, incremental.
///
/// ```swift
/// var h = SHA256()
/// h.update(chunk1); h.update(chunk2)
/// let digest = h.finalize()            // 32 bytes
/// SHA256.hex(Array("abc".utf8))        // "ba7816bf…"
/// ```
public struct SHA256: Sendable {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    private var buffer: [UInt8] = []
    private var totalLength: UInt64 = 0

    /// A fresh hasher.
    public init() {
        buffer.reserveCapacity(64)
    }

    /// Feeds bytes into the hash.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds the UTF-8 bytes of a string into the hash.
    public mutating func update(_ string: String) {
        var s = string
        s.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Feeds raw bytes into the hash.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        totalLength &+= UInt64(bytes.count)
        var offset = 0
        if !buffer.isEmpty {
            let take = min(64 - buffer.count, bytes.count)
            buffer.append(contentsOf: bytes[0..<take])
            offset = take
            if buffer.count == 64 {
                buffer.withUnsafeBytes { compress($0.baseAddress!) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        while bytes.count - offset >= 64 {
            compress(bytes.baseAddress! + offset)
            offset += 64
        }
        if offset < bytes.count {
            buffer.append(contentsOf: bytes[offset..<bytes.count])
        }
    }

    /// Finishes the hash and returns the 32-byte digest. The hasher should not be used afterwards.
    public mutating func finalize() -> [UInt8] {
        let bitLength = totalLength &* 8
        var padding: [UInt8] = [0x80]
        let used = (buffer.count + 1) % 64
        let zeros = used <= 56 ? 56 - used : 120 - used
        padding.append(contentsOf: repeatElement(0, count: zeros))
        for i in (0..<8).reversed() { padding.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8))) }
        let savedLength = totalLength
        update(padding)
        totalLength = savedLength
        precondition(buffer.isEmpty)
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

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    private mutating func compress(_ block: UnsafeRawPointer) {
        var w = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0),
                 UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
        withUnsafeMutableBytes(of: &w) { raw in
            let words = raw.bindMemory(to: UInt32.self)
            for i in 0..<16 {
                words[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
            }
        }
        var a = state.0, b = state.1, c = state.2, d = state.3
        var e = state.4, f = state.5, g = state.6, h = state.7
        withUnsafeMutableBytes(of: &w) { raw in
            let m = raw.bindMemory(to: UInt32.self)
            Self.k.withUnsafeBufferPointer { k in
                for i in 0..<64 {
                    let wi: UInt32
                    if i < 16 {
                        wi = m[i]
                    } else {
                        let w15 = m[(i - 15) & 15], w2 = m[(i - 2) & 15]
                        let s0 = Self.rotr(w15, 7) ^ Self.rotr(w15, 18) ^ (w15 >> 3)
                        let s1 = Self.rotr(w2, 17) ^ Self.rotr(w2, 19) ^ (w2 >> 10)
                        wi = m[i & 15] &+ s0 &+ m[(i - 7) & 15] &+ s1
                        m[i & 15] = wi
                    }
                    let S1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                    let ch = (e & f) ^ (~e & g)
                    let t1 = h &+ S1 &+ ch &+ k[i] &+ wi
                    let S0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                    let maj = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = S0 &+ maj
                    h = g; g = f; f = e; e = d &+ t1
                    d = c; c = b; b = a; a = t1 &+ t2
                }
            }
        }
        state.0 &+= a; state.1 &+= b; state.2 &+= c; state.3 &+= d
        state.4 &+= e; state.5 &+= f; state.6 &+= g; state.7 &+= h
    }
}
