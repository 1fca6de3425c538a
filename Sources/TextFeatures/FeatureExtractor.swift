/// Turns a text into 64-bit feature keys (see `StableHash` for the key of every feature kind), reusing its
/// buffers across texts. Word n-gram keys are folded from token keys; character n-gram keys are FNV-1a over
/// `"c:"` followed by the n-gram's UTF-8. Feature names: word n-grams are their tokens joined by one space,
/// character n-grams are `"c:"` + the n-gram of `<word>` (tokens never contain spaces or `:`).
struct FeatureExtractor {
    private(set) var scanner: TokenScanner
    let wordNgrams: Int
    let charMin: Int
    let charMax: Int
    private(set) var wordKeys = Buffer<UInt64>(capacity: 256)
    private(set) var charKeys = Buffer<UInt64>(capacity: 256)
    private var padded = Buffer<UInt32>(capacity: 64)
    /// Scratch for `names(of:where:)`: token strings made so far, by token index.
    private var tokenNames: [String?] = []

    /// FNV-1a state after the bytes `c:`.
    static let charPrefixHash: UInt64 = StableHash.step(StableHash.step(StableHash.fnvOffset, 0x63), 0x3A)
    static let charPrefix = "c:"

    init(_ config: FeatureConfig) {
        scanner = TokenScanner(config.tokenizer)
        wordNgrams = config.wordNgrams
        charMin = config.charNgrams?.min ?? 0
        charMax = config.charNgrams?.max ?? 0
    }

    /// Fills `wordKeys` (for each token position: its 1…n-gram keys) and, with `chars`, `charKeys`.
    mutating func extract(_ text: String, chars: Bool = true) {
        scanner.scan(text)
        wordKeys.removeAll()
        let t = scanner.tokenCount
        let n = wordNgrams
        wordKeys.reserve(more: t * n)
        let th = scanner.tokHash.base
        for i in 0..<t {
            var h = th[i]
            wordKeys.appendUnchecked(h)
            var m = 1
            let end = scanner.ngramEnd(from: i)
            while m < n && i + m < end {
                h = StableHash.combine(h, th[i + m])
                wordKeys.appendUnchecked(h)
                m &+= 1
            }
        }
        guard charMin > 0, chars else { return }
        var keys = charKeys  // shares the storage (see `Buffer`); taken out so the call may change both
        keys.removeAll()
        for tok in 0..<t where scanner.tokFlags[tok] & TokenFlag.word != 0 {
            appendCharKeys(ofToken: tok, into: &keys)
        }
        charKeys = keys
    }

    /// Appends the character n-gram keys of word token `tok` of the last scanned text (n-grams of `<word>`).
    /// They depend on the token's text alone.
    @inline(__always)
    mutating func appendCharKeys(ofToken tok: Int, into out: inout Buffer<UInt64>) {
        padded.removeAll()
        padded.append(0x3C)
        for j in scanner.tokenStart(tok)..<Int(scanner.tokEnd[tok]) { padded.append(scanner.tokText[j]) }
        padded.append(0x3E)
        let len = padded.count
        out.reserve(more: len * (charMax - charMin + 1))
        let p = padded.base
        for start in 0..<len {
            var h = Self.charPrefixHash
            let stop = Swift.min(start + charMax, len)
            var q = start
            while q < stop {
                h = StableHash.step(h, scalar: p[q])
                q &+= 1
                if q - start >= charMin { out.appendUnchecked(h) }
            }
        }
    }

    /// A key for the text of word token `tok` (its key, told apart from a negation-marked one: the n-grams come
    /// from the text without the marker, so `not_x` written out and `x` in a negation scope differ).
    @inline(__always)
    func textKey(ofToken tok: Int) -> UInt64 {
        let h = scanner.tokHash[tok]
        return scanner.tokFlags[tok] & TokenFlag.negated != 0 ? h ^ 0x9E37_79B9_7F4A_7C15 : h
    }

    /// The string of token `i` of the last scanned text, made once per `names(of:where:)` call.
    private mutating func token(_ i: Int) -> String {
        if let s = tokenNames[i] { return s }
        let s = scanner.tokenString(i)
        tokenNames[i] = s
        return s
    }

    /// The readable path: every feature of `text` with its name and key computed from `String`s, in the same
    /// order as `extract` (word n-grams by position then length, then character n-grams). Group 0 = words, 1 = chars.
    mutating func namedFeatures(_ text: String) -> [(key: UInt64, name: String, group: Int)] {
        scanner.scan(text)
        let toks = scanner.tokenStrings()
        var out: [(UInt64, String, Int)] = []
        for i in toks.indices {
            for n in 1...wordNgrams where i + n <= scanner.ngramEnd(from: i) {
                let gram = toks[i..<(i + n)].map { $0.token }
                out.append((StableHash.ngramKey(gram), gram.joined(separator: " "), 0))
            }
        }
        if charMin > 0 {
            for tok in toks where tok.flags & TokenFlag.word != 0 {
                let chars: [Unicode.Scalar] = ["<"] + Array(tok.base.unicodeScalars) + [">"]
                for start in chars.indices {
                    for len in charMin...charMax where start + len <= chars.count {
                        var view = String.UnicodeScalarView()
                        view.append(contentsOf: chars[start..<(start + len)])
                        let name = Self.charPrefix + String(view)
                        out.append((StableHash.fnv1a(name), name, 1))
                    }
                }
            }
        }
        return out
    }

    /// Names of the features of `text` whose key passes `wanted`, built from the token buffers without
    /// materializing the other names (used once per distinct feature when fitting a vocabulary).
    mutating func names(of text: String, where wanted: (UInt64, Int) -> Bool) -> [(key: UInt64, name: String)] {
        extract(text)
        var out: [(UInt64, String)] = []
        let t = scanner.tokenCount
        // Token strings are made at most once per call, and only for tokens some wanted n-gram uses.
        tokenNames.removeAll(keepingCapacity: true)
        tokenNames.append(contentsOf: repeatElement(nil, count: t))
        var idx = 0
        for i in 0..<t {
            var m = 0
            let end = scanner.ngramEnd(from: i)
            while m < wordNgrams && i + m < end {
                let key = wordKeys[idx]
                idx += 1
                if wanted(key, 0) {
                    var name = token(i)
                    for j in (i + 1)..<(i + m + 1) {
                        name += " "
                        name += token(j)
                    }
                    out.append((key, name))
                }
                m += 1
            }
        }
        guard charMin > 0 else { return out }
        idx = 0
        for tok in 0..<t where scanner.tokFlags[tok] & TokenFlag.word != 0 {
            var chars: [Unicode.Scalar] = ["<"]
            for j in scanner.tokenStart(tok)..<Int(scanner.tokEnd[tok]) { chars.append(Unicode.Scalar(scanner.tokText[j]) ?? "\u{FFFD}") }
            chars.append(">")
            let len = chars.count
            for start in 0..<len {
                var q = start
                while q < Swift.min(start + charMax, len) {
                    q += 1
                    if q - start >= charMin {
                        let key = charKeys[idx]
                        idx += 1
                        if wanted(key, 1) {
                            var view = String.UnicodeScalarView()
                            view.append(contentsOf: chars[start..<q])
                            out.append((key, Self.charPrefix + String(view)))
                        }
                    }
                }
            }
        }
        return out
    }
}
