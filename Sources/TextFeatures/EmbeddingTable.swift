/// A static word-embedding table (token → vector), parsed from the bytes of an embedding file
/// (`Models/embeddings/`, written by `Models/embeddings/build.py`). Pure: the caller reads the file.
///
/// File layout (little-endian), version 1:
/// - header, 48 bytes: magic `SENTEMB\0`; UInt32 version, dimensions, count, encoding (1 = Float16), metadata bytes,
///   token bytes; UInt64 FNV-1a 64 of every byte after the header; 8 reserved bytes (zero)
/// - metadata: UTF-8 JSON (encoder, its version and licence, method)
/// - tokens: `count` entries of one length byte and that many UTF-8 bytes, strictly ascending by bytes
/// - vectors: `count × dimensions` Float16 values, row by row in token order
///
/// The file is untrusted input: every size is checked against the file's length before anything is allocated from
/// it, and the checksum, token order and every value are verified.
public final class EmbeddingTable: Sendable {
    /// Vector length.
    public let dimensions: Int
    /// Number of tokens.
    public let count: Int
    /// The identity recorded in models trained with this table (the loader passes the file's SHA-256).
    public let identity: String
    /// The metadata JSON of the file.
    public let metadata: String
    /// Token key (`StableHash.fnv1a` of the token, as the tokenizer keys tokens) → row.
    let rows: KeyTable
    /// `count × dimensions`, row-major.
    let vectors: [Float]

    public static let magic: [UInt8] = Array("SENTEMB\0".utf8)
    public static let headerSize = 48
    public static let version: UInt32 = 1
    /// Bounds a file may claim (the shipped table is far inside them).
    public static let maxDimensions = 1024
    public static let maxCount = 1 << 21
    static let maxMetadata = 1 << 20

    /// Parses and verifies `bytes`. `identity` names the table in models (e.g. the file's SHA-256).
    /// - Throws: `EmbeddingTableError` naming the first problem.
    public init(bytes: [UInt8], identity: String) throws {
        func fail(_ m: String) -> EmbeddingTableError { EmbeddingTableError(description: m) }
        let n = bytes.count
        guard n >= Self.headerSize else { throw fail("\(n) bytes: shorter than the \(Self.headerSize)-byte header") }
        guard Array(bytes[0..<8]) == Self.magic else { throw fail("not an embedding table (bad magic)") }
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * $1) } }
        let version = u32(8), dims = u32(12), count = u32(16), encoding = u32(20), metaBytes = u32(24), tokenBytes = u32(28)
        guard version == Int(Self.version) else { throw fail("version \(version); this program reads version \(Self.version)") }
        guard encoding == 1 else { throw fail("unknown vector encoding \(encoding) (1 = Float16)") }
        guard (1...Self.maxDimensions).contains(dims) else { throw fail("\(dims) dimensions; at most \(Self.maxDimensions)") }
        guard (1...Self.maxCount).contains(count) else { throw fail("\(count) tokens; between 1 and \(Self.maxCount)") }
        guard metaBytes <= Self.maxMetadata else { throw fail("metadata of \(metaBytes) bytes; at most \(Self.maxMetadata)") }
        guard tokenBytes >= 2 * count, tokenBytes <= 256 * count else { throw fail("\(tokenBytes) token bytes for \(count) tokens") }
        // All terms are bounded above (≤ 2^21 · 1024 · 2 + 2^29 + 2^20), so the sum cannot overflow.
        let expected = Self.headerSize + metaBytes + tokenBytes + count * dims * 2
        guard n == expected else {
            throw fail("\(n) bytes, but the header describes \(expected) (\(n < expected ? "truncated" : "trailing bytes"))")
        }
        guard StableHash.fnv1a(bytes: bytes[Self.headerSize...]) == u64(32) else {
            throw fail("checksum mismatch: the file is corrupted")
        }
        guard let meta = String(validating: bytes[Self.headerSize..<(Self.headerSize + metaBytes)], as: UTF8.self) else {
            throw fail("metadata is not UTF-8")
        }
        var table = KeyTable(minimumCapacity: count)
        var at = Self.headerSize + metaBytes
        let tokensEnd = at + tokenBytes
        var previous: ArraySlice<UInt8> = []
        for row in 0..<count {
            guard at < tokensEnd else { throw fail("token \(row) starts past the token section") }
            let len = Int(bytes[at])
            guard len > 0, at + 1 + len <= tokensEnd else { throw fail("token \(row) has a bad length \(len)") }
            let token = bytes[(at + 1)..<(at + 1 + len)]
            guard String(validating: token, as: UTF8.self) != nil else { throw fail("token \(row) is not UTF-8") }
            guard row == 0 || previous.lexicographicallyPrecedes(token) else {
                throw fail("token \(row) is out of order (tokens must be strictly ascending)")
            }
            let key = StableHash.fnv1a(bytes: token)
            guard table.insert(key, Int32(row)) == Int32(row) else { throw fail("token \(row) collides with another token's key") }
            previous = token
            at += 1 + len
        }
        guard at == tokensEnd else { throw fail("the token section has \(tokensEnd - at) bytes left over") }
        var vectors = [Float](repeating: 0, count: count * dims)
        for i in 0..<(count * dims) {
            let p = at + 2 * i
            let v = Float(Float16(bitPattern: UInt16(bytes[p]) | UInt16(bytes[p + 1]) << 8))
            guard v.isFinite else { throw fail("value \(i % dims) of token \(i / dims) is not a finite number") }
            vectors[i] = v
        }
        self.dimensions = dims
        self.count = count
        self.identity = identity
        self.metadata = meta
        self.rows = table
        self.vectors = vectors
    }

    /// The bytes of an embedding file holding `entries` (token, vector; tokens sorted here, vectors rounded to
    /// Float16), in the format `Models/embeddings/build.py` writes: for tables made by a program or a test.
    public static func fileBytes(_ entries: [(String, [Float])], metadata: String = "{}") -> [UInt8] {
        let sorted = entries.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
        let dims = sorted.first?.1.count ?? 0
        var tokens: [UInt8] = []
        for (t, _) in sorted { tokens.append(UInt8(truncatingIfNeeded: t.utf8.count)); tokens += Array(t.utf8) }
        var body = Array(metadata.utf8) + tokens
        for (_, v) in sorted {
            for x in v { let b = Float16(x).bitPattern; body += [UInt8(b & 0xFF), UInt8(b >> 8)] }
        }
        func le32(_ x: Int) -> [UInt8] { (0..<4).map { UInt8((x >> (8 * $0)) & 0xFF) } }
        var out = magic
        for x in [Int(version), dims, sorted.count, 1, metadata.utf8.count, tokens.count] { out += le32(x) }
        let sum = StableHash.fnv1a(bytes: body)
        out += (0..<8).map { UInt8((sum >> (8 * UInt64($0))) & 0xFF) }
        out += [UInt8](repeating: 0, count: 8)
        return out + body
    }

    /// The vector of `token` (as the tokenizer writes it: case-folded), or nil.
    public func vector(_ token: String) -> [Float]? {
        let r = rows.find(StableHash.fnv1a(token))
        guard r >= 0 else { return nil }
        return Array(vectors[(Int(r) * dimensions)..<(Int(r) * dimensions + dimensions)])
    }

    /// Row of a token key, or -1.
    @inline(__always)
    func row(_ key: UInt64) -> Int32 { rows.find(key) }
}

/// An embedding file that cannot be used. One line naming the problem.
public struct EmbeddingTableError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
}
