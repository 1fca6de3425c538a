/// Stable, seedless 64-bit hashing used for feature keys. The same bytes give the same key on every run,
/// process and platform (Swift's `Hasher` is randomly seeded per process and must never be used for features).
///
/// Documented algorithm:
/// - A token or a character n-gram feature name is keyed by **FNV-1a 64** over its UTF-8 bytes
///   (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`). FNV-1a("a") = `0xaf63dc4c8601ec8c`.
/// - A word n-gram `t1 t2 … tn` is keyed by folding the token keys left to right:
///   `k = key(t1); k = combine(k, key(ti))` for i = 2…n, with
///   `combine(a, b) = mix64(a &* 0x9E3779B97F4A7C15 &+ b)` (order-sensitive).
/// - `mix64` is the SplitMix64 finalizer (`z ^= z >> 30; z &*= 0xbf58476d1ce4e5b9; z ^= z >> 27;
///   z &*= 0x94d049bb133111eb; z ^= z >> 31`).
/// - Hashing mode maps a key to bucket `high64(mix64(key) × buckets)` (multiply-shift range reduction).
public enum StableHash {
    /// FNV-1a 64 offset basis.
    public static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    /// FNV-1a 64 prime.
    public static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    /// FNV-1a 64 of the UTF-8 bytes of `string`.
    public static func fnv1a(_ string: String) -> UInt64 {
        var h = fnvOffset
        for b in string.utf8 { h = (h ^ UInt64(b)) &* fnvPrime }
        return h
    }

    /// FNV-1a 64 of raw bytes.
    public static func fnv1a<S: Sequence>(bytes: S) -> UInt64 where S.Element == UInt8 {
        var h = fnvOffset
        for b in bytes { h = (h ^ UInt64(b)) &* fnvPrime }
        return h
    }

    /// Continues an FNV-1a state with one byte.
    @inline(__always)
    static func step(_ h: UInt64, _ byte: UInt32) -> UInt64 { (h ^ UInt64(byte)) &* fnvPrime }

    /// Continues an FNV-1a state with the UTF-8 encoding of one Unicode scalar value.
    @inline(__always)
    static func step(_ h: UInt64, scalar v: UInt32) -> UInt64 {
        if v < 0x80 { return (h ^ UInt64(v)) &* fnvPrime }
        var h = h
        if v < 0x800 {
            h = step(h, 0xC0 | (v >> 6))
        } else if v < 0x10000 {
            h = step(h, 0xE0 | (v >> 12))
            h = step(h, 0x80 | ((v >> 6) & 0x3F))
        } else {
            h = step(h, 0xF0 | (v >> 18))
            h = step(h, 0x80 | ((v >> 12) & 0x3F))
            h = step(h, 0x80 | ((v >> 6) & 0x3F))
        }
        return step(h, 0x80 | (v & 0x3F))
    }

    /// SplitMix64 finalizer: a bijective 64-bit mixer.
    @inline(__always)
    public static func mix64(_ x: UInt64) -> UInt64 {
        var z = x
        z ^= z >> 30
        z &*= 0xbf58_476d_1ce4_e5b9
        z ^= z >> 27
        z &*= 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        return z
    }

    /// Key of the n-gram `a b` given the key `a` of its prefix and the key `b` of the next token.
    @inline(__always)
    public static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
        mix64(a &* 0x9E37_79B9_7F4A_7C15 &+ b)
    }

    /// Bucket in `0..<buckets` for a key (hashing mode).
    @inline(__always)
    public static func bucket(_ key: UInt64, buckets: Int) -> Int {
        Int(truncatingIfNeeded: mix64(key).multipliedFullWidth(by: UInt64(buckets)).high)
    }

    /// Key of a feature from its name, as a fitted vectorizer names it: a name starting with `c:` (a character
    /// n-gram) is FNV-1a over all its bytes; any other name is a word n-gram whose tokens are separated by single
    /// spaces (`ngramKey` of `name.split(separator: " ", omittingEmptySubsequences: false)`), read byte by byte.
    public static func featureKey(name: String) -> UInt64 {
        var name = name
        return name.withUTF8 { b -> UInt64 in
            if b.starts(with: FeatureExtractor.charPrefix.utf8) { return fnv1a(bytes: b) }
            var key: UInt64? = nil
            var h = fnvOffset
            for byte in b {
                if byte == 0x20 {
                    key = key.map { combine($0, h) } ?? h
                    h = fnvOffset
                } else {
                    h = (h ^ UInt64(byte)) &* fnvPrime
                }
            }
            return key.map { combine($0, h) } ?? h
        }
    }

    /// Key of a word n-gram given its tokens (the readable path; the fast path folds the same way).
    public static func ngramKey<C: Collection>(_ tokens: C) -> UInt64 where C.Element == String {
        var it = tokens.makeIterator()
        guard let first = it.next() else { return fnvOffset }
        var k = fnv1a(first)
        while let t = it.next() { k = combine(k, fnv1a(t)) }
        return k
    }
}
