import Foundation

/// Character kinds the scanner works with (one byte per scalar).
enum Kind {
    static let space: UInt8 = 0
    static let letter: UInt8 = 1
    static let digit: UInt8 = 2
    static let mark: UInt8 = 3
    static let cjk: UInt8 = 4        // scripts written without spaces
    static let clause: UInt8 = 5     // . , ; : 。 、 — ends a negation scope
    static let bang: UInt8 = 6       // ! ?
    static let emoji: UInt8 = 7
    static let emojiPart: UInt8 = 8  // ZWJ, variation selectors, skin tones, tags, keycap
    static let currency: UInt8 = 9
    static let other: UInt8 = 10     // other punctuation and symbols: separators
    static let apostrophe: UInt8 = 11
    static let hyphen: UInt8 = 12
    static let plus: UInt8 = 13
    static let at: UInt8 = 14
    static let open: UInt8 = 15      // ( : opens an aside when matched
    static let close: UInt8 = 16     // )
}

@inline(__always) func isWordKind(_ k: UInt8) -> Bool { k &- 1 < 3 }  // letter, digit, mark

/// Token flags.
enum TokenFlag {
    /// The token carries the negation prefix.
    static let negated: UInt8 = 1
    /// A plain word: character n-grams are taken from it.
    static let word: UInt8 = 2
    /// A character bigram inside matched round brackets (`TokenizerConfig.markParentheses`): `(x)`.
    static let aside: UInt8 = 4
    /// A word the change list neither skips nor counts as a change: a subject a later change word pairs with.
    static let subject: UInt8 = 8
}

private func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map { $0.value } }

/// Literal tokens.
enum Literal {
    static let num = scalars("<num>"), plusNum = scalars("<+num>"), minusNum = scalars("<-num>")
    static let pct = scalars("<pct>"), plusPct = scalars("<+pct>"), minusPct = scalars("<-pct>")
    static let url = scalars("<url>"), user = scalars("<user>"), cur = scalars("<cur>")
    static let bang = scalars("!"), question = scalars("?"), percentSign = scalars("%")
    static let nt = scalars("n't"), can = scalars("can"), will = scalars("will"), shall = scalars("shall")
    static let lexiconPositive = scalars("<lex+>"), lexiconNegative = scalars("<lex->")
    /// Japanese topic markers (the particles は and が) and the change words paired with a topic
    /// (`TokenizerConfig.japaneseTopicChanges`).
    static let topicParticles: [UInt32] = [0x306F, 0x304C]
    static let changeWords = ["増", "減", "改善", "悪化", "上昇", "低下", "拡大", "縮小"].map(scalars)
    static let upPair = scalars("→up>"), downPair = scalars("→down>")
    static let up = scalars("<up>"), down = scalars("<down>")
    static let currencyCodes = ["eur", "usd", "gbp", "jpy", "chf", "sek", "nok", "dkk", "cny", "rmb", "inr", "cad",
                                "aud", "rub", "hkd", "sgd", "krw", "brl", "pln", "zar", "nzd"].map(scalars)
}

/// Whether `v` belongs to a script written without spaces between words.
@inline(__always) func isNoSpaceScript(_ v: UInt32) -> Bool {
    switch v {
    case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF,            // Thai, Lao, Myanmar, Khmer
         0x2E80...0x2FDF, 0x3005...0x3007, 0x3021...0x3029, 0x3031...0x3035,
         0x3040...0x30FA, 0x30FC...0x30FF, 0x31F0...0x31FF,            // kana (not the middle dot 30FB)
         0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0xFF66...0xFF9F,
         0x20000...0x3134F:
        return true
    default:
        return false
    }
}

/// Kind (and replacement value) of a non-ASCII scalar.
func classify(_ u: Unicode.Scalar) -> (UInt32, UInt8) {
    let v = u.value
    switch v {
    case 0x2019, 0x02BC: return (0x27, Kind.apostrophe)
    case 0x2010, 0x2011, 0x2212: return (0x2D, Kind.hyphen)
    case 0x3001, 0x3002, 0xFF61, 0xFF64, 0x0964, 0x0965, 0x060C, 0x061B, 0x06D4: return (v, Kind.clause)
    case 0xFF08: return (v, Kind.open)       // full-width brackets, where NFKC is off
    case 0xFF09: return (v, Kind.close)
    case 0x061F: return (0x3F, Kind.bang)
    case 0x200D, 0xFE0E, 0xFE0F, 0x20E3, 0x1F3FB...0x1F3FF, 0xE0020...0xE007F: return (v, Kind.emojiPart)
    default: break
    }
    let p = u.properties
    switch p.generalCategory {
    case .nonspacingMark, .spacingMark, .enclosingMark:
        return (v, Kind.mark)
    case .decimalNumber:
        return (v, Kind.digit)
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .letterNumber, .otherNumber:
        return (v, isNoSpaceScript(v) ? Kind.cjk : Kind.letter)
    case .currencySymbol:
        return (v, Kind.currency)
    case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control, .format:
        return (v, Kind.space)
    default:
        if v >= 0x2100 && (p.isEmojiPresentation || p.isEmoji) { return (v, Kind.emoji) }
        return (v, Kind.other)
    }
}

/// The tokenizer engine shared by the readable `Tokenizer.tokens(_:)` path and the fast feature path.
/// It normalizes a text into a scalar buffer, then emits tokens into reusable buffers: the token text (scalars
/// without the negation prefix), its end offset, its FNV-1a key (over the UTF-8 of prefix + text) and flags.
struct TokenScanner {
    let config: TokenizerConfig
    private let lower: [UInt8]
    private let asciiKind: [UInt8]
    private let cues: [[UInt32]]
    private let cueFirst: Set<UInt32>
    private let prefixHash: UInt64
    private let cueNT: Bool

    // Normalized input.
    private(set) var s = Buffer<UInt32>(capacity: 512)
    private(set) var k = Buffer<UInt8>(capacity: 512)
    // Output tokens.
    private(set) var tokText = Buffer<UInt32>(capacity: 512)
    private(set) var tokEnd = Buffer<Int32>(capacity: 128)
    private(set) var tokHash = Buffer<UInt64>(capacity: 128)
    private(set) var tokFlags = Buffer<UInt8>(capacity: 128)
    private var unitStart = Buffer<Int>(capacity: 64)
    private let cueFirstASCII: (UInt64, UInt64)
    private var negating = false
    /// How many matched brackets are open at the scan's position (`TokenizerConfig.markParentheses`), and whether
    /// this scan's brackets have been matched yet (on meeting the first one).
    private var asideDepth = 0
    private var bracketsMatched = false
    private var openBrackets = Buffer<Int32>(capacity: 16)
    /// Whether the scan met a character of a script written without spaces (`scanRun`).
    private var sawNoSpaceScript = false
    private var topicParticles = Buffer<Int32>(capacity: 8)
    /// The change list (`TokenizerConfig.changeLexicon`), the first token of the current clause, and the pairs of
    /// the scan: each one's subject token and kind (`ChangeLexicon.Kind.up` or `.down`, plus 4 when negated).
    private let hasChanges: Bool
    private var clauseStartToken = 0
    private var changeSubjects = Buffer<Int32>(capacity: 16)
    private var changeKinds = Buffer<UInt8>(capacity: 16)
    private var changeWordKinds = Buffer<UInt8>(capacity: 16)
    /// The polarity lexicon (`TokenizerConfig.polarityLexicon`) and the words of the current scan it holds, in
    /// order: each one's token, and whether it is a negative word.
    private let hasLexicon: Bool
    /// The word lists' entries in one table, so a word costs one lookup: word key → polarity (1 positive, 2
    /// negative) + 4 × change kind (`ChangeLexicon.Kind`). Empty without lists.
    private let wordLists: KeyTable
    private var lexiconWordTokens = Buffer<Int32>(capacity: 16)
    private var lexiconNegative = Buffer<Bool>(capacity: 16)
    /// Tokens of the last scan in text order; the class tokens follow them (`tokenCount` counts all): the
    /// lexicon's up to `lexiconEnd`, then the change list's and the Japanese topic-and-change tokens. Word n-grams
    /// are taken within the first `sequenceCount` only.
    private(set) var sequenceCount = 0
    private(set) var lexiconEnd = 0

    init(_ config: TokenizerConfig) {
        self.config = config
        let lexicon = config.polarityLexicon.flatMap(PolarityLexicon.named)
        let changes = config.changeLexicon.flatMap(ChangeLexicon.named)
        self.hasLexicon = lexicon != nil
        self.hasChanges = changes != nil
        self.wordLists = Self.wordListTable(lexicon, changes)
        var lower = [UInt8](repeating: 0, count: 128)
        var kind = [UInt8](repeating: Kind.other, count: 128)
        for b in 0..<128 {
            lower[b] = config.caseFold && b >= 65 && b <= 90 ? UInt8(b + 32) : UInt8(b)
            switch b {
            case 0...32, 127: kind[b] = Kind.space
            case 48...57: kind[b] = Kind.digit
            case 65...90, 97...122: kind[b] = Kind.letter
            case 46, 44, 59, 58: kind[b] = Kind.clause          // . , ; :
            case 33, 63: kind[b] = Kind.bang                    // ! ?
            case 39: kind[b] = Kind.apostrophe
            case 45: kind[b] = Kind.hyphen
            case 43: kind[b] = Kind.plus
            case 64: kind[b] = Kind.at
            case 36: kind[b] = Kind.currency                    // $
            case 40: kind[b] = Kind.open
            case 41: kind[b] = Kind.close
            default: kind[b] = Kind.other
            }
        }
        self.lower = lower
        self.asciiKind = kind
        self.cues = config.negationCues.map(scalars)
        self.cueFirst = Set(cues.compactMap { $0.first })
        var mask: (UInt64, UInt64) = (0, 0)
        for c in cueFirst where c < 128 {
            if c < 64 { mask.0 |= 1 << UInt64(c) } else { mask.1 |= 1 << UInt64(c - 64) }
        }
        self.cueFirstASCII = mask
        var h = StableHash.fnvOffset
        for b in config.negationPrefix.utf8 { h = StableHash.step(h, UInt32(b)) }
        self.prefixHash = h
        self.cueNT = config.negationCues.contains("n't")
    }

    var tokenCount: Int { tokEnd.count }

    @inline(__always) func tokenStart(_ t: Int) -> Int { t == 0 ? 0 : Int(tokEnd[t - 1]) }

    /// The key of token `t`'s word without its negation or bracket marker: `StableHash.fnv1a` of its text, as word
    /// lists (the embedding table, the polarity lexicon) hold words.
    @inline(__always) func wordKey(ofToken t: Int) -> UInt64 {
        guard tokFlags[t] & (TokenFlag.negated | TokenFlag.aside) != 0 else { return tokHash[t] }
        var key = StableHash.fnvOffset
        for j in tokenStart(t)..<Int(tokEnd[t]) { key = StableHash.step(key, scalar: tokText[j]) }
        return key
    }

    /// The end (exclusive) of the word n-grams starting at token `i`: the text's own tokens, while each of the
    /// lexicon's class tokens is a unigram.
    @inline(__always) func ngramEnd(from i: Int) -> Int { i < sequenceCount ? sequenceCount : i + 1 }

    /// The token of the text's word behind the lexicon's class token `t` (`sequenceCount ≤ t < lexiconEnd`).
    func lexiconWordToken(of t: Int) -> Int { Int(lexiconWordTokens[t - sequenceCount]) }

    // MARK: Loading

    private mutating func load(_ text: String) {
        s.removeAll()
        k.removeAll()
        var text = text
        // One pass: convert as if ASCII, give up at the end if any byte was not. (`withUTF8` rather than
        // `utf8.withContiguousStorageIfAvailable`, whose generic path cost ~2.5% of featurization.)
        let ascii = text.withUTF8 { buf -> Bool in
            let n = buf.count
            s.reserve(more: n)
            k.reserve(more: n)
            let sp = s.base, kp = k.base
            var acc: UInt8 = 0
            lower.withUnsafeBufferPointer { lower in
                asciiKind.withUnsafeBufferPointer { kinds in
                    for i in 0..<n {
                        let b = buf[i]
                        acc |= b
                        let v = lower[Int(b & 0x7F)]
                        sp[i] = UInt32(v)
                        kp[i] = kinds[Int(v)]
                    }
                }
            }
            if acc >= 0x80 { return false }
            s.count = n
            k.count = n
            return true
        }
        if ascii {
            if config.reduceElongation { reduceElongations() }
            return
        }
        // Without normalization or folding there is nothing to do; with both (the default), most texts can skip
        // Foundation; the two mixed configurations always take it.
        let skip = config.normalizeUnicode == config.caseFold && (!config.caseFold || Self.isNormalizationStable(text))
        let t = skip ? text : normalized(text)
        let arabic = config.normalizeArabic
        for u in t.unicodeScalars {
            var u = u
            let v = u.value
            if v < 0x80 {
                let b = lower[Int(v)]
                s.append(UInt32(b)); k.append(asciiKind[Int(b)])
            } else {
                if arabic && v >= 0x0622 && v <= 0x0671 {
                    switch v {
                    case 0x0640, 0x064B...0x065F, 0x0670: continue      // tatweel, diacritics, dagger alef
                    case 0x0622, 0x0623, 0x0625, 0x0671: u = "\u{0627}"  // آ أ إ ٱ → ا
                    case 0x0649: u = "\u{064A}"                         // ى → ي
                    case 0x066A: u = "%"                                // Arabic percent, decimal and thousands
                    case 0x066B: u = "."                                // signs, so that ٣٫٥٪ is a percentage
                    case 0x066C: u = ","
                    default: break
                    }
                }
                let (m, kind) = classify(u)
                s.append(m); k.append(kind)
            }
        }
        if config.reduceElongation { reduceElongations() }
    }

    /// How many times a letter written `run` times in a row counts (`TokenizerConfig`, elongation).
    @inline(__always)
    private static func elongationKept(_ v: UInt32, run: Int) -> Int {
        if run >= 3 && v >= 0x0620 && v <= 0x06FF { return 1 }
        return run >= 4 ? 3 : run
    }

    /// Shortens the elongated letters of the loaded text in place.
    private mutating func reduceElongations() {
        let n = s.count
        var i = 0, w = 0
        while i < n {
            let v = s[i], kind = k[i]
            var j = i &+ 1
            if kind == Kind.letter { while j < n && s[j] == v { j &+= 1 } }
            let keep = kind == Kind.letter ? Self.elongationKept(v, run: j - i) : j - i
            for _ in 0..<keep { s[w] = v; k[w] = kind; w &+= 1 }
            i = j
        }
        s.count = w
        k.count = w
    }

    /// Whether `text` has an elongated letter as the elongation option reads it (four of a letter in a row, or
    /// three of an Arabic one, after normalization and case folding). Asked of a scanner without the option, whose
    /// load leaves the runs as written.
    mutating func containsElongation(_ text: String) -> Bool {
        guard Self.mayHaveElongation(text) else { return false }
        load(text)
        return loadedHasElongation()
    }

    /// False when `text` cannot have an elongation: an ASCII text without a letter written four times in a row
    /// (regardless of case). Other texts need normalizing first, which can make a run (`ｓｏｏｏｏ`, `ﬀﬀ`).
    static func mayHaveElongation(_ text: String) -> Bool { candidates(text, emoticons: false, elongation: true).elongation }

    /// `mayHaveEmoticon` and `mayHaveElongation` as asked, in one pass over the bytes (training asks both of every
    /// text, and most are ASCII texts with neither).
    static func candidates(_ text: String, emoticons: Bool, elongation: Bool) -> (emoticon: Bool, elongation: Bool) {
        var text = text
        return text.withUTF8 { buf in
            var face = false, stretched = false
            var previous: UInt8 = 0x20
            var run = 0
            let n = buf.count
            for i in 0..<n {
                let b = buf[i]
                if b >= 0x80 { return (emoticons, elongation) }
                // A face's first character after a space (or at the start), followed by one that can continue it.
                if emoticons && !face && i + 1 < n && (previous <= 0x20 || previous == 0x7F)
                    && (b == 0x3A || b == 0x3B || b == 0x3D || b == 0x3C || b == 0x5E || b == 0x2D) {
                    let next = buf[i + 1]
                    face = next > 0x20 && next != 0x2C && next != 0x2E
                }
                let folded = b | 0x20
                if folded >= 0x61 && folded <= 0x7A && folded == previous | 0x20 { run &+= 1 } else { run = 1 }
                if elongation && run >= 4 { stretched = true }
                previous = b
                if face == emoticons && stretched == elongation { break }
            }
            return (face, stretched)
        }
    }

    /// Whether the loaded text has an elongated letter (see `containsElongation`).
    private func loadedHasElongation() -> Bool {
        assert(!config.reduceElongation, "the elongation check needs a scanner that keeps runs")
        let n = s.count
        var i = 0
        while i < n {
            var j = i &+ 1
            if k[i] == Kind.letter {
                while j < n && s[j] == s[i] { j &+= 1 }
                if Self.elongationKept(s[i], run: j - i) < j - i { return true }
            }
            i = j
        }
        return false
    }

    /// What `TokenizerConfig.adapted(to:)` asks of each text, with one load for both questions: whether it has an
    /// emoticon (when `emoticons`) and an elongated letter (when `elongation`).
    mutating func adaptationFindings(_ text: String, emoticons: Bool, elongation: Bool) -> (emoticon: Bool, elongation: Bool) {
        let (face, run) = Self.candidates(text, emoticons: emoticons, elongation: elongation)
        guard face || run else { return (false, false) }
        load(text)
        return (face && loadedHasEmoticon(), run && loadedHasElongation())
    }

    /// NFKC, case folding and NFKC again, as the configuration asks (Foundation; slow, so only for the texts that
    /// `isNormalizationStable` cannot vouch for).
    func normalized(_ text: String) -> String {
        var t = text
        if config.normalizeUnicode { t = t.precomposedStringWithCompatibilityMapping }
        if config.caseFold {
            t = t.folding(options: .caseInsensitive, locale: nil)
            if config.normalizeUnicode { t = t.precomposedStringWithCompatibilityMapping }
        }
        return t
    }

    /// True when `normalized(text)` is `text` with ASCII capitals lowered, for the default configuration: no
    /// non-ASCII scalar changes under NFKC case folding (Unicode's Changes_When_NFKC_Casefolded, which also covers
    /// compatibility forms and ignorables), under case folding or lowercasing, and none can compose with its
    /// neighbour (combining marks, conjoining jamo). Most non-ASCII headlines (€, £, –, “ ”, CJK, kana) pass; the load then skips Foundation, which
    /// measured ~8% of featurization time on the PhraseBank-like corpus. `TokenizerTests` checks this promise
    /// against Foundation for every Unicode scalar.
    static func isNormalizationStable(_ text: String) -> Bool {
        for u in text.unicodeScalars where u.value >= 0x80 && !isStableScalar(u) { return false }
        return true
    }

    @inline(__always)
    static func isStableScalar(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if (0x1100...0x11FF).contains(v) || (0xA960...0xA97F).contains(v) || (0xD7B0...0xD7FF).contains(v) { return false }
        let p = u.properties
        // Foundation's case folding is not exactly Unicode's: it lowercases Cherokee capitals (which Unicode folds
        // to) and it decomposes the few letters whose full folding has several scalars. Any letter with a case
        // mapping therefore takes the Foundation path.
        if p.changesWhenNFKCCaseFolded || p.changesWhenCaseFolded || p.changesWhenLowercased { return false }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return false
        default: return true
        }
    }

    // MARK: Emission

    // A token's key is FNV-1a over its readable form: negation prefix, `(` when an aside, text, `)`.
    @inline(__always)
    private mutating func emit(_ lo: Int, _ hi: Int, flags: UInt8, negatable: Bool, aside: Bool = false) {
        let neg = negatable && negating
        var h = neg ? prefixHash : StableHash.fnvOffset
        if aside { h = StableHash.step(h, 0x28) }
        var i = lo
        while i < hi {
            let v = s[i]
            tokText.appendUnchecked(v)
            h = StableHash.step(h, scalar: v)
            i &+= 1
        }
        if aside { h = StableHash.step(h, 0x29) }
        tokEnd.appendUnchecked(Int32(truncatingIfNeeded: tokText.count))
        tokHash.appendUnchecked(h)
        tokFlags.appendUnchecked(flags | (neg ? TokenFlag.negated : 0) | (aside ? TokenFlag.aside : 0))
    }

    private mutating func emit(literal: [UInt32], flags: UInt8, negatable: Bool) {
        let neg = negatable && negating
        var h = neg ? prefixHash : StableHash.fnvOffset
        for v in literal {
            tokText.append(v)
            h = StableHash.step(h, scalar: v)
        }
        tokEnd.appendUnchecked(Int32(truncatingIfNeeded: tokText.count))
        tokHash.appendUnchecked(h)
        tokFlags.appendUnchecked(neg ? flags | TokenFlag.negated : flags)
    }

    @inline(__always)
    private func matches(_ lo: Int, _ hi: Int, _ lit: [UInt32]) -> Bool {
        if hi - lo != lit.count { return false }
        var i = lo
        for v in lit { if s[i] != v { return false }; i &+= 1 }
        return true
    }

    @inline(__always)
    private func isCue(_ lo: Int, _ hi: Int) -> Bool {
        let first = s[lo]
        let maybeCue = first < 64 ? (cueFirstASCII.0 >> UInt64(first)) & 1 != 0
            : first < 128 ? (cueFirstASCII.1 >> UInt64(first - 64)) & 1 != 0 : cueFirst.contains(first)
        guard config.markNegation, maybeCue else {
            // Unsplit contractions ("don't") still open a scope when "n't" is a cue.
            return config.markNegation && cueNT && !config.splitContractions && endsWithNT(lo, hi)
        }
        for c in cues where matches(lo, hi, c) { return true }
        return cueNT && !config.splitContractions && endsWithNT(lo, hi)
    }

    @inline(__always)
    private func endsWithNT(_ lo: Int, _ hi: Int) -> Bool {
        hi - lo >= 3 && s[hi - 3] == 0x6E && s[hi - 2] == 0x27 && s[hi - 1] == 0x74
    }

    /// Emits a word (or word part) and opens a negation scope when it is a cue.
    private mutating func emitWord(_ lo: Int, _ hi: Int) {
        let cue = isCue(lo, hi)
        emit(lo, hi, flags: TokenFlag.word, negatable: !cue)
        if cue { negating = true }
        if hasLexicon || hasChanges {
            let t = tokenCount - 1
            let entry = max(wordLists.find(wordKey(ofToken: t)), 0)
            if hasLexicon && !cue && entry & 3 != 0 { noteLexiconWord(t, negative: entry & 3 == 2) }
            if hasChanges { noteChange(t, kind: entry >> 2) }
        }
    }

    /// The entries of both lists keyed once (`wordLists`).
    private static func wordListTable(_ lexicon: PolarityLexicon?, _ changes: ChangeLexicon?) -> KeyTable {
        var merged: [UInt64: Int32] = [:]
        for (table, shift) in [(lexicon?.table, Int32(0)), (changes?.table, Int32(2))] {
            guard let table else { continue }
            for (key, value) in zip(table.keys, table.values) where value > 0 { merged[key, default: 0] |= value << shift }
        }
        var out = KeyTable(minimumCapacity: merged.count)
        for key in merged.keys.sorted() { out.insert(key, merged[key]!) }
        return out
    }

    /// How many tokens before a change word its subjects are looked for (bounds the work per word).
    static let changeReach = 12

    /// Marks word token `t` (of change-list kind `kind`, 0 for none) as a possible subject, or pairs it, when it is a
    /// change word, with the last two subjects of its clause within `changeReach` tokens.
    @inline(__always)
    private mutating func noteChange(_ t: Int, kind: Int32) {
        if kind == 0 {
            tokFlags[t] |= TokenFlag.subject
            return
        }
        guard kind != ChangeLexicon.Kind.skip else { return }
        let negated: UInt8 = tokFlags[t] & TokenFlag.negated != 0 ? 4 : 0
        changeWordKinds.append(UInt8(kind) | negated)
        var found = 0
        var j = t - 1
        let stop = max(clauseStartToken, t - Self.changeReach)
        while j >= stop && found < 2 {
            if tokFlags[j] & TokenFlag.subject != 0 {
                changeSubjects.append(Int32(truncatingIfNeeded: j))
                changeKinds.append(UInt8(kind) | negated)
                found &+= 1
            }
            j &-= 1
        }
    }

    /// Appends the scan's subject-and-change tokens (`<costs→up>`, negation-marked as the change word was).
    private mutating func emitChangePairs() {
        let words = changeWordKinds.count
        guard words > 0 else { return }
        reserveTokens(words)
        for w in 0..<words {
            let kind = changeWordKinds[w]
            negating = kind & 4 != 0
            emit(literal: kind & 3 == UInt8(ChangeLexicon.Kind.up) ? Literal.up : Literal.down, flags: 0, negatable: true)
        }
        negating = false
        let pairs = changeSubjects.count
        guard pairs > 0 else { return }
        reserveTokens(pairs)
        for p in 0..<pairs {
            let subject = Int(changeSubjects[p]), kind = changeKinds[p]
            let neg = kind & 4 != 0
            var h = neg ? prefixHash : StableHash.fnvOffset
            tokText.append(0x3C)
            h = StableHash.step(h, 0x3C)
            for j in tokenStart(subject)..<Int(tokEnd[subject]) {
                let v = tokText[j]
                tokText.append(v)
                h = StableHash.step(h, scalar: v)
            }
            for v in kind & 3 == UInt8(ChangeLexicon.Kind.up) ? Literal.upPair : Literal.downPair {
                tokText.append(v)
                h = StableHash.step(h, scalar: v)
            }
            tokEnd.appendUnchecked(Int32(truncatingIfNeeded: tokText.count))
            tokHash.appendUnchecked(h)
            tokFlags.appendUnchecked(neg ? TokenFlag.negated : 0)
        }
    }

    /// Room for `n` more tokens (the class tokens after a text's own, which the scan's reservation does not cover).
    private mutating func reserveTokens(_ n: Int) {
        tokEnd.reserve(more: n)
        tokHash.reserve(more: n)
        tokFlags.reserve(more: n)
    }

    /// Notes word token `t`, which the lexicon holds (looked up without its negation marker).
    @inline(__always)
    private mutating func noteLexiconWord(_ t: Int, negative: Bool) {
        lexiconWordTokens.append(Int32(truncatingIfNeeded: t))
        lexiconNegative.append(negative)
    }

    /// Appends a class token per lexicon word of the scan (`<lex+>`, `<lex->`, negation-marked as the word was).
    private mutating func emitLexiconTokens() {
        let hits = lexiconWordTokens.count
        guard hits > 0 else { return }
        reserveTokens(hits)
        for h in 0..<hits {
            negating = tokFlags[Int(lexiconWordTokens[h])] & TokenFlag.negated != 0
            emit(literal: lexiconNegative[h] ? Literal.lexiconNegative : Literal.lexiconPositive, flags: 0, negatable: true)
        }
        negating = false
    }

    /// Appends the Japanese topic-and-change tokens of the scan (`TokenizerConfig.japaneseTopicChanges`): for each
    /// topic particle after two characters of a script without spaces (matched left to right, without overlap, as
    /// a search for the three would), one token per change word between it and the next topic: `<費用→増>`.
    private mutating func emitTopicChanges() {
        let n = s.count
        topicParticles.removeAll()
        var p = 2
        while p < n {
            if (s[p] == Literal.topicParticles[0] || s[p] == Literal.topicParticles[1])
                && k[p] == Kind.cjk && k[p - 1] == Kind.cjk && k[p - 2] == Kind.cjk {
                topicParticles.append(Int32(truncatingIfNeeded: p))
                p &+= 3
            } else {
                p &+= 1
            }
        }
        let topics = topicParticles.count
        for t in 0..<topics {
            let p = Int(topicParticles[t])
            let end = t + 1 < topics ? Int(topicParticles[t + 1]) - 2 : n
            for word in Literal.changeWords where occurs(word, in: p + 1, end) {
                reserveTokens(1)
                emit(literal: [0x3C, s[p - 2], s[p - 1], 0x2192] + word + [0x3E], flags: 0, negatable: false)
            }
        }
    }

    /// Whether `word` occurs in `s[lo..<hi]`.
    private func occurs(_ word: [UInt32], in lo: Int, _ hi: Int) -> Bool {
        let m = word.count
        var i = lo
        while i + m <= hi {
            if s[i] == word[0] && matches(i, i + m, word) { return true }
            i &+= 1
        }
        return false
    }

    private mutating func emitWord(literal: [UInt32]) {
        let cue = config.markNegation && cues.contains(literal)
        emit(literal: literal, flags: TokenFlag.word, negatable: !cue)
        if cue { negating = true }
    }

    // MARK: Scanning

    /// Tokenizes `text` into the token buffers.
    mutating func scan(_ text: String) {
        scanSequence(text)
        sequenceCount = tokenCount
        emitLexiconTokens()
        lexiconEnd = tokenCount
        emitChangePairs()
        if config.japaneseTopicChanges && sawNoSpaceScript { emitTopicChanges() }
    }

    /// The tokens of `text` in text order (`scan` without the lexicon's class tokens).
    private mutating func scanSequence(_ text: String) {
        lexiconWordTokens.removeAll()
        lexiconNegative.removeAll()
        changeSubjects.removeAll()
        changeKinds.removeAll()
        changeWordKinds.removeAll()
        clauseStartToken = 0
        load(text)
        tokText.removeAll()
        tokEnd.removeAll()
        tokHash.removeAll()
        tokFlags.removeAll()
        tokText.reserve(more: 6 * s.count + 32)
        tokEnd.reserve(more: s.count + 8)
        tokHash.reserve(more: s.count + 8)
        tokFlags.reserve(more: s.count + 8)
        negating = false
        asideDepth = 0
        bracketsMatched = false
        sawNoSpaceScript = false
        let n = s.count
        var i = 0
        let emoticons = config.keepEmoticons
        while i < n {
            let kind = k[i]
            if emoticons, let end = emoticonEnd(i, n) {
                emitEmoticon(i, end)
                negating = false
                clauseStartToken = tokenCount
                i = end
                continue
            }
            switch kind {
            case Kind.letter, Kind.mark:
                i = scanWord(i, n)
            case Kind.digit:
                i = scanNumber(i, digits: i, sign: 0, n)
            case Kind.space, Kind.other:
                i &+= 1
            case Kind.clause:
                negating = false
                clauseStartToken = tokenCount
                i &+= 1
            case Kind.cjk:
                i = scanRun(i, n)
            case Kind.bang:
                if config.keepExclamationQuestion {
                    emit(literal: s[i] == 0x21 ? Literal.bang : Literal.question, flags: 0, negatable: false)
                }
                negating = false
                clauseStartToken = tokenCount
                i &+= 1
            case Kind.emoji:
                i = scanEmoji(i, n)
            case Kind.currency:
                if config.currencyClass { emit(literal: Literal.cur, flags: 0, negatable: true) }
                i &+= 1
            case Kind.plus, Kind.hyphen:
                if i + 1 < n && k[i + 1] == Kind.digit && (i == 0 || !isWordKind(k[i - 1])) {
                    i = scanNumber(i, digits: i + 1, sign: s[i], n)
                } else {
                    i &+= 1
                }
            case Kind.at:
                if config.mentionClass && i + 1 < n && isWordKind(k[i + 1]) && (i == 0 || !isWordKind(k[i - 1])) {
                    var j = i + 1
                    while j < n && (isWordKind(k[j]) || s[j] == 0x5F) { j &+= 1 }
                    emit(literal: Literal.user, flags: 0, negatable: true)
                    i = j
                } else {
                    i &+= 1
                }
            case Kind.apostrophe:
                i = scanApostrophe(i, n)
            case Kind.open:
                if config.markParentheses { openBracket(i, n) }
                i &+= 1
            case Kind.close:
                // After the matching, every closing bracket still of this kind closes a matched pair.
                if asideDepth > 0 { asideDepth &-= 1 }
                i &+= 1
            default:
                i &+= 1
            }
        }
    }

    /// Enters an aside at the opening bracket `i` when it is matched. The first bracket of a scan matches all from
    /// there in one pass (a stack of open ones), and leaves the unmatched ones as other punctuation.
    private mutating func openBracket(_ i: Int, _ n: Int) {
        if !bracketsMatched {
            bracketsMatched = true
            openBrackets.removeAll()
            for j in i..<n {
                if k[j] == Kind.open {
                    openBrackets.append(Int32(truncatingIfNeeded: j))
                } else if k[j] == Kind.close {
                    if openBrackets.count > 0 { openBrackets.count -= 1 } else { k[j] = Kind.other }
                }
            }
            for o in 0..<openBrackets.count { k[Int(openBrackets[o])] = Kind.other }
        }
        if k[i] == Kind.open { asideDepth &+= 1 }
    }

    @inline(__always)
    private func hasPrefix(_ i: Int, _ n: Int, _ p: StaticString) -> Bool {
        let count = p.utf8CodeUnitCount
        if i + count > n { return false }
        return p.withUTF8Buffer { buf in
            for j in 0..<count where s[i + j] != UInt32(buf[j]) { return false }
            return true
        }
    }

    private mutating func scanWord(_ i: Int, _ n: Int) -> Int {
        if config.urlClass && (s[i] == 0x68 || s[i] == 0x77)
            && (hasPrefix(i, n, "http://") || hasPrefix(i, n, "https://") || hasPrefix(i, n, "www.")) {
            var j = i
            while j < n && k[j] != Kind.space { j &+= 1 }
            while j > i + 4 && isTrailingURLPunctuation(s[j - 1]) { j &-= 1 }
            emit(literal: Literal.url, flags: 0, negatable: true)
            return j
        }
        var j = i + 1
        while true {
            while j < n && isWordKind(k[j]) { j &+= 1 }
            if j + 1 < n {
                let kj = k[j]
                if kj == Kind.apostrophe && k[j - 1] != Kind.digit && k[j + 1] == Kind.letter { j &+= 2; continue }
                if kj == Kind.hyphen && isWordKind(k[j + 1]) { j &+= 2; continue }
            }
            break
        }
        let len = j - i
        if config.currencyClass && len == 3 && nextNonSpaceIsDigit(j, n) {
            for code in Literal.currencyCodes where matches(i, j, code) {
                emit(literal: Literal.cur, flags: 0, negatable: true)
                return j
            }
        }
        if config.splitContractions && len >= 3 {
            if len > 3 && endsWithNT(i, j) && k[j - 4] == Kind.letter {
                let stemEnd = j - 3
                if matches(i, stemEnd, [0x63, 0x61]) { emitWord(literal: Literal.can) }            // ca → can
                else if matches(i, stemEnd, [0x77, 0x6F]) { emitWord(literal: Literal.will) }      // wo → will
                else if matches(i, stemEnd, [0x73, 0x68, 0x61]) { emitWord(literal: Literal.shall) } // sha → shall
                else { emitWord(i, stemEnd) }
                let cue = config.markNegation && cueNT
                emit(literal: Literal.nt, flags: 0, negatable: !cue)
                if cue { negating = true }
                return j
            }
            var a = -1
            if s[j - 2] == 0x27 && (s[j - 1] == 0x73 || s[j - 1] == 0x64 || s[j - 1] == 0x6D) { a = j - 2 }
            else if len >= 4 && s[j - 3] == 0x27 && isTwoLetterClitic(s[j - 2], s[j - 1]) { a = j - 3 }
            if a > i {
                emitWord(i, a)
                emit(a, j, flags: 0, negatable: true)
                return j
            }
        }
        emitWord(i, j)
        return j
    }

    @inline(__always)
    private func isTrailingURLPunctuation(_ v: UInt32) -> Bool {
        switch v {
        case 0x2E, 0x2C, 0x3B, 0x3A, 0x21, 0x3F, 0x29, 0x5D, 0x7D, 0x22, 0x27: return true
        default: return false
        }
    }

    @inline(__always)
    private func isTwoLetterClitic(_ a: UInt32, _ b: UInt32) -> Bool {
        (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C)  // re ve ll
    }

    @inline(__always)
    private func nextNonSpaceIsDigit(_ j: Int, _ n: Int) -> Bool {
        var q = j
        while q < n && k[q] == Kind.space { q &+= 1 }
        return q < n && k[q] == Kind.digit
    }

    /// End of the word `lit` at `q` when it is there as a whole word.
    @inline(__always)
    private func wordAt(_ q: Int, _ n: Int, _ lit: StaticString) -> Int? {
        let c = lit.utf8CodeUnitCount
        guard hasPrefix(q, n, lit) else { return nil }
        if q + c < n && isWordKind(k[q + c]) { return nil }
        return q + c
    }

    private mutating func scanNumber(_ start: Int, digits: Int, sign: UInt32, _ n: Int) -> Int {
        var j = digits
        while j < n && k[j] == Kind.digit { j &+= 1 }
        while j + 1 < n && (s[j] == 0x2C || s[j] == 0x2E) && k[j + 1] == Kind.digit {
            j &+= 2
            while j < n && k[j] == Kind.digit { j &+= 1 }
        }
        var q = j
        while q < n && s[q] == 0x20 { q &+= 1 }
        var end = j
        var pct = false
        if q < n && s[q] == 0x25 {
            pct = true; end = q + 1
        } else if config.numberClasses && q < n && k[q] == Kind.letter {
            if let e = wordAt(q, n, "percent") ?? wordAt(q, n, "pct") {
                pct = true; end = e
            } else if let e = wordAt(q, n, "per") {
                var r = e
                while r < n && s[r] == 0x20 { r &+= 1 }
                if r > e, let e2 = wordAt(r, n, "cent") { pct = true; end = e2 }
            }
        }
        if config.numberClasses {
            let lit: [UInt32]
            switch (sign, pct) {
            case (0x2B, false): lit = Literal.plusNum
            case (0x2D, false): lit = Literal.minusNum
            case (0x2B, true): lit = Literal.plusPct
            case (0x2D, true): lit = Literal.minusPct
            case (_, true): lit = Literal.pct
            default: lit = Literal.num
            }
            emit(literal: lit, flags: 0, negatable: true)
        } else {
            emit(start, j, flags: 0, negatable: true)
            if pct { emit(literal: Literal.percentSign, flags: 0, negatable: true) }
        }
        return end
    }

    private mutating func scanApostrophe(_ i: Int, _ n: Int) -> Int {
        if config.splitContractions && (i == 0 || !isWordKind(k[i - 1])) && i + 1 < n && k[i + 1] == Kind.letter {
            var j = i + 1
            while j < n && k[j] == Kind.letter { j &+= 1 }
            if j == n || !isWordKind(k[j]) {
                let len = j - i - 1
                let c = s[i + 1]
                if (len == 1 && (c == 0x73 || c == 0x64 || c == 0x6D)) || (len == 2 && isTwoLetterClitic(c, s[i + 2])) {
                    emit(i, j, flags: 0, negatable: true)
                    return j
                }
            }
        }
        return i + 1
    }

    private mutating func scanRun(_ i: Int, _ n: Int) -> Int {
        sawNoSpaceScript = true
        unitStart.removeAll()
        var j = i
        while j < n && k[j] == Kind.cjk {
            unitStart.append(j)
            j &+= 1
            while j < n && (k[j] == Kind.mark || s[j] == 0xFE0E || s[j] == 0xFE0F) { j &+= 1 }
        }
        let units = unitStart.count
        let aside = asideDepth > 0
        if units == 1 || !config.cjkBigrams {
            for m in 0..<units {
                emit(unitStart[m], m + 1 < units ? unitStart[m + 1] : j, flags: 0, negatable: true, aside: aside)
            }
        } else {
            for m in 0..<(units - 1) {
                emit(unitStart[m], m + 2 < units ? unitStart[m + 2] : j, flags: 0, negatable: true, aside: aside)
            }
        }
        return j
    }

    // MARK: Emoticons

    /// Whether `v` is an emoticon's mouth after its eyes (`TokenizerConfig`, emoticons), folded or not.
    @inline(__always)
    private static func isMouth(_ v: UInt32) -> Bool {
        switch v {
        case 0x29, 0x28, 0x5D, 0x5B, 0x64, 0x44, 0x70, 0x50, 0x6F, 0x4F, 0x2F, 0x5C, 0x7C, 0x2A, 0x33: return true  // )(][dDpPoO/\|*3
        default: return false
        }
    }

    /// The end of an emoticon written apart at `i` (after a space or at the start), or nil.
    private func emoticonEnd(_ i: Int, _ n: Int) -> Int? {
        let v = s[i]
        guard v == 0x3A || v == 0x3B || v == 0x3D || v == 0x3C || v == 0x5E || v == 0x2D,   // : ; = < ^ -
              i == 0 || k[i - 1] == Kind.space, i + 1 < n else { return nil }
        var j = i + 1
        switch v {
        case 0x3C:                                                   // <3 </3
            if s[j] == 0x2F { j &+= 1 }
            guard j < n, s[j] == 0x33 else { return nil }
            while j < n && s[j] == 0x33 { j &+= 1 }
        case 0x5E:                                                   // ^^ ^_^
            if s[j] == 0x5F { j &+= 1 }
            guard j < n, s[j] == 0x5E else { return nil }
            j &+= 1
        case 0x2D:                                                   // -_-
            guard j + 1 < n, s[j] == 0x5F, s[j + 1] == 0x2D else { return nil }
            j &+= 2
        default:                                                     // eyes, nose or tear, mouth
            if s[j] == 0x2D || (s[j] == 0x27 && v != 0x3D) { j &+= 1 }
            guard j < n, Self.isMouth(s[j]), !(s[j] == 0x33 && v != 0x3A), s[j - 1] != 0x27 || s[j] == 0x28 else {
                return nil
            }
            let mouth = s[j]
            while j < n && s[j] == mouth { j &+= 1 }
        }
        guard j == n || k[j] == Kind.space || s[j] == 0x2E || s[j] == 0x2C || s[j] == 0x21 || s[j] == 0x3F else {
            return nil
        }
        return j
    }

    /// Emits the emoticon `s[i..<end]` in its canonical form (see `TokenizerConfig`): outside any negation scope.
    private mutating func emitEmoticon(_ i: Int, _ end: Int) {
        var face: [UInt32]
        switch s[i] {
        case 0x3C: face = s[i + 1] == 0x2F ? [0x3C, 0x2F, 0x33] : [0x3C, 0x33]
        case 0x5E: face = [0x5E, 0x5F, 0x5E]
        case 0x2D: face = [0x2D, 0x5F, 0x2D]
        default:
            face = [s[i] == 0x3B ? 0x3B : 0x3A]
            var m = s[end - 1]
            if s[i + 1] == 0x27 { face.append(0x27) }
            switch m {
            case 0x5D: m = 0x29
            case 0x5B: m = 0x28
            case 0x5C: m = 0x2F
            case 0x44, 0x50, 0x4F: m &+= 0x20
            default: break
            }
            face.append(m)
        }
        emit(literal: face, flags: 0, negatable: false)
    }

    /// Whether `text` has an emoticon as this configuration's scan would find it (with emoticons on).
    mutating func containsEmoticon(_ text: String) -> Bool {
        guard Self.mayHaveEmoticon(text) else { return false }
        load(text)
        return loadedHasEmoticon()
    }

    /// False when `text` cannot have an emoticon: an ASCII text needs a face's first character after a space (or at
    /// the start) followed by one that can continue a face. Other texts need normalizing first (NFKC makes `：）` a
    /// face).
    static func mayHaveEmoticon(_ text: String) -> Bool { candidates(text, emoticons: true, elongation: false).emoticon }

    /// Whether the loaded text has an emoticon where the scan would find one.
    private func loadedHasEmoticon() -> Bool {
        let n = s.count
        for i in 0..<n where emoticonEnd(i, n) != nil { return true }
        return false
    }

    private mutating func scanEmoji(_ i: Int, _ n: Int) -> Int {
        var j = i + 1
        let ri: ClosedRange<UInt32> = 0x1F1E6...0x1F1FF
        if ri.contains(s[i]) && j < n && ri.contains(s[j]) { j &+= 1 }
        let end = j
        while j < n {
            if k[j] == Kind.emojiPart { j &+= 1 }
            else if k[j] == Kind.emoji && s[j - 1] == 0x200D { j &+= 1 }
            else { break }
        }
        if config.keepEmoji { emit(i, end, flags: 0, negatable: true) }
        return j
    }

    // MARK: Readable output

    /// The text of token `t` of the last scan, without the negation prefix.
    func wordText(ofToken t: Int) -> String {
        var view = String.UnicodeScalarView()
        for j in tokenStart(t)..<Int(tokEnd[t]) { view.append(Unicode.Scalar(tokText[j]) ?? "\u{FFFD}") }
        return String(view)
    }

    /// Token `t` of the last scan as a string (with the negation prefix and the brackets of an aside).
    func tokenString(_ t: Int) -> String { marked(wordText(ofToken: t), flags: tokFlags[t]) }

    /// The tokens of the last scan as strings (marked as `tokenString`) and their unmarked text.
    func tokenStrings() -> [(token: String, base: String, flags: UInt8)] {
        (0..<tokenCount).map { t in
            let b = wordText(ofToken: t), f = tokFlags[t]
            return (marked(b, flags: f), b, f)
        }
    }

    private func marked(_ text: String, flags: UInt8) -> String {
        let inner = flags & TokenFlag.aside != 0 ? "(" + text + ")" : text
        return flags & TokenFlag.negated != 0 ? config.negationPrefix + inner : inner
    }
}
