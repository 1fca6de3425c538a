import Crypto
import Foundation

/// SHA-256 (FIPS 180-4), incremental: swift-crypto's `SHA256` (BoringSSL on Linux, with the x86 SHA extensions
/// when the CPU has them) behind the store's small byte-oriented API.
///
/// Updates smaller than 4 KiB are gathered into a staging buffer and handed over in pieces of up to 4 KiB: one call
/// into swift-crypto costs about as much as hashing 50 bytes, and the corpus identity hash feeds four small pieces
/// per document (an 8-byte length and the text, an 8-byte length and the label). Larger updates go through directly.
///
/// ```swift
/// var h = SHA256()
/// h.update(chunk1); h.update(chunk2)
/// let digest = h.finalize()            // 32 bytes
/// SHA256.hex(Array("abc".utf8))        // "ba7816bf…"
/// ```
///
/// `@unchecked Sendable`: both parts are copy-on-write values (swift-crypto copies a shared context before
/// mutating it); swift-crypto 4 declares its `SHA256` `Sendable`, 3.x does not yet.
public struct SHA256: @unchecked Sendable {
    private static let stageCapacity = 4096

    private var hasher = Crypto.SHA256()
    /// Bytes not yet handed to `hasher`: the first `staged` bytes of `stage` (allocated at the first small update).
    private var stage: [UInt8] = []
    private var staged = 0

    /// A fresh hasher.
    public init() {}

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
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        let n = bytes.count
        if staged + n > Self.stageCapacity { flushStage() }
        if n >= Self.stageCapacity {
            hasher.update(bufferPointer: bytes)
            return
        }
        if stage.isEmpty { stage = [UInt8](repeating: 0, count: Self.stageCapacity) }
        let at = staged
        stage.withUnsafeMutableBytes { ($0.baseAddress! + at).copyMemory(from: source, byteCount: n) }
        staged += n
    }

    /// Finishes the hash and returns the 32-byte digest. The hasher should not be used afterwards.
    public mutating func finalize() -> [UInt8] {
        flushStage()
        return Array(hasher.finalize())
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

    /// Hands the staged bytes to `hasher`.
    private mutating func flushStage() {
        guard staged > 0 else { return }
        let n = staged
        stage.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        staged = 0
    }
}
