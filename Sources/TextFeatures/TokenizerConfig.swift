/// How text is cut into tokens. Stored with every model so prediction tokenizes exactly like training.
///
/// Decisions (documented behaviour of `Tokenizer`):
/// - Normalization: texts containing any non-ASCII byte are NFKC-normalized, case-folded (full Unicode case
///   folding, e.g. `ß` → `ss`) and NFKC-normalized again; pure ASCII texts are only lower-cased (identical result).
///   `’` and `ʼ` count as apostrophes, `‐ ‑ −` as hyphen-minus.
/// - Words: maximal runs of letters, combining marks and digits of any script. An apostrophe between two letters
///   and a hyphen between two word characters join: `year-on-year` and `o'neil` stay one token (the parts are
///   not emitted; character n-grams cover them).
/// - Contractions (`splitContractions`): `don't` → `do` `n't`; `can't` → `can` `n't`, `won't` → `will` `n't`,
///   `shan't` → `shall` `n't`; clitics `'s 're 've 'll 'd 'm` are split off (`company's` → `company` `'s`),
///   also when already detached (`Citycon 's`).
/// - `!` and `?` are tokens (`keepExclamationQuestion`); other punctuation separates tokens (but see emoticons).
/// - Classes: numbers → `<num>`, percentages (`5%`, `5 %`, `5 percent`, `5 pct`, `5 per cent`) → `<pct>`; an
///   explicit sign right before the digits keeps it: `<+num>` `<-num>` `<+pct>` `<-pct>`. Digit groups and
///   decimals (`23,383,927.80`) are one number; letters glued to a number are a separate word (`5bn` →
///   `<num>` `bn`). URLs (`http://`, `https://`, `www.`) → `<url>`, `@name` → `<user>`, currency symbols
///   (`$ € £ ¥` …, Unicode category Sc) → `<cur>`, and ISO codes (`eur usd gbp …`) directly before a number → `<cur>`:
///   `$5bn` and `EUR 5 bn` both give `<cur> <num> bn`.
/// - Emoji: each emoji (or flag pair) is one token; skin-tone modifiers, variation selectors and ZWJ are dropped.
/// - Scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar): a run of such
///   characters gives its character bigrams (`株価が` → `株価` `価が`), a single character gives itself.
/// - Arabic orthography (`normalizeArabic`): the short-vowel and other diacritics (U+064B–U+065F, the dagger
///   alef U+0670) and the tatweel (U+0640, which only stretches a word) are dropped; the alefs with hamza or madda
///   and the wasla alef (`أ إ آ ٱ`) read as the bare alef `ا`, and the alef maqsura `ى` as `ي`: writers use these
///   forms interchangeably, so `أحسن` and `احسن`, `جميـــل` and `جميل`, `على` and `علي` are one word. The Arabic
///   percent, decimal and thousands signs (`٪ ٫ ٬`) read as `% . ,`, so `٣٫٥٪` is a percentage as `3.5%` is.
/// - Emoticons (`keepEmoticons`): an ASCII emoticon written apart (after a space or at the start, before a space,
///   `.` `,` `!` `?` or the end) is one token, in a canonical form: eyes `:` `;` `=` (`=` reads `:`), an optional
///   nose `-`, a mouth `) ( ] [ d p o / \ | *` or `3` (`]` reads `)`, `[` reads `(`, `\` reads `/`; a repeated mouth
///   counts once), and the tear of `:'(`; also `<3`, `</3`, `^_^`, `^^` and `-_-`. So `:-)`, `=)` and `:)))` are
///   all `:)`. An emoticon ends a negation scope (as the `:` or `;` of most faces did) and is not marked.
/// - Elongation (`reduceElongation`): a letter written four or more times in a row counts three times (`soooo` and
///   `sooooooo` are both `sooo`), as NLTK's `reduce_len` does; three in a row are left alone, since tickers,
///   ratings and numerals write them (`QQQ`, `AAA`, `III`). A letter of the Arabic block written three or more
///   times counts once (`جداااا` is `جدا`): no Arabic word repeats a letter three times (a doubled consonant is
///   written once, with a shadda), so the run is always a stretched word and its one letter the word's spelling.
/// - Subject and change (`changeLexicon`, English): a word of the list that says a quantity went up or down (`rose`,
///   `narrowed`) adds `<up>` or `<down>`, and a token for each of the last two words before it in its clause (within
///   twelve tokens) that the list does not skip (function words, units, periods): `Operating costs for the quarter
///   rose` gives `<up>` `<costs→up>` `<operating→up>`, all negation-marked as the change word is. A rise is good news for sales and bad news
///   for costs, and the words between them are often too many for a word n-gram. Like the lexicon's class tokens
///   they come after the text's tokens and are unigrams only.
/// - Brackets (`markParentheses`): the characters of a script written without spaces between a matched pair of round
///   brackets are marked as an aside, their bigrams reading `(損失)`: a Japanese report puts the prior period's
///   figures there (`営業利益は2億円（前期は営業損失4億円）`), which say little about the sentence's own news. Brackets
///   are matched as nested pairs; an unmatched one (`1)`, `:(`) marks nothing. (Measured on English corpora, marking
///   their words in brackets helped nothing; see the README.)
/// - Japanese topic and change (`japaneseTopicChanges`): a rise is good news for sales and bad news for costs, and
///   the words between them are too many for an n-gram. For each topic, the two characters before the particle `は`
///   or `が` (`営業費用は` gives `費用`), one token per change word that follows it before the next topic: `増`, `減`,
///   `改善`, `悪化`, `上昇`, `低下`, `拡大` or `縮小` (`営業費用は前期比3.3％増` gives `<費用→増>`). Like the lexicon's
///   class tokens they come after the text's tokens and are unigrams only.
/// - Negation (`markNegation`): after a cue (`negationCues`, e.g. not, no, never, n't, without) every token gets
///   `negationPrefix` (`not_good`) until the next `.` `,` `;` `:` `!` `?` (or `。` `、`). Cues themselves are not marked.
public struct TokenizerConfig: Codable, Equatable, Sendable {
    /// NFKC-normalize non-ASCII texts.
    public var normalizeUnicode: Bool
    /// Case-fold (lower-case) the text.
    public var caseFold: Bool
    /// Split `n't` and clitics off words (see type documentation).
    public var splitContractions: Bool
    /// Replace numbers and percentages by `<num>` / `<pct>` class tokens (with sign); otherwise keep the digits.
    public var numberClasses: Bool
    /// Replace URLs by `<url>`.
    public var urlClass: Bool
    /// Replace `@mentions` by `<user>`.
    public var mentionClass: Bool
    /// Replace currency symbols (and ISO codes before a number) by `<cur>`.
    public var currencyClass: Bool
    /// Emit `!` and `?` as tokens.
    public var keepExclamationQuestion: Bool
    /// Emit emoji as tokens.
    public var keepEmoji: Bool
    /// Character bigrams inside runs of scripts written without spaces (otherwise single characters).
    public var cjkBigrams: Bool
    /// Normalize Arabic orthography (see type documentation). Configurations stored without it (every model trained
    /// before it existed) decode as off, and it is left out of the JSON when off, so their bytes do not change.
    /// Training turns it on for a corpus written partly in the Arabic script (`adapted(to:)`).
    public var normalizeArabic: Bool
    /// Emit ASCII emoticons as tokens (see type documentation). Stored and decoded as `normalizeArabic` is; training
    /// turns it on for a corpus with an emoticon in it (`adapted(to:)`).
    public var keepEmoticons: Bool
    /// Reduce elongated words (see type documentation). Left out of the JSON when off and decoded as off when absent,
    /// as `normalizeArabic` is; training turns it on for a corpus with an elongated word in it (`adapted(to:)`).
    public var reduceElongation: Bool
    /// The change list's identity (see above; `ChangeLexicon.named`), nil for none.
    public var changeLexicon: String?
    /// Mark the CJK bigrams inside matched round brackets (see above).
    public var markParentheses: Bool
    /// Add the Japanese topic-and-change tokens (see above).
    public var japaneseTopicChanges: Bool
    /// The polarity lexicon whose words add class tokens (`PolarityLexicon`, by identity; nil = none). Left out of
    /// the JSON when nil; a stored identity this build does not have is refused.
    public var polarityLexicon: String?
    /// Mark tokens inside a negation scope.
    public var markNegation: Bool
    /// Words that open a negation scope (compared after normalization and case folding).
    public var negationCues: [String]
    /// Prefix added to tokens inside a negation scope. Must not contain spaces or `:`.
    public var negationPrefix: String

    /// The default negation cues.
    public static let defaultNegationCues = ["not", "no", "never", "n't", "without", "nor", "cannot",
                                             "none", "nothing", "nobody", "neither", "nowhere"]

    public init(normalizeUnicode: Bool = true, caseFold: Bool = true, splitContractions: Bool = true,
                numberClasses: Bool = true, urlClass: Bool = true, mentionClass: Bool = true,
                currencyClass: Bool = true, keepExclamationQuestion: Bool = true, keepEmoji: Bool = true,
                cjkBigrams: Bool = true, normalizeArabic: Bool = false, keepEmoticons: Bool = false,
                reduceElongation: Bool = false, polarityLexicon: String? = nil, changeLexicon: String? = nil,
                markParentheses: Bool = false, japaneseTopicChanges: Bool = false, markNegation: Bool = true,
                negationCues: [String] = TokenizerConfig.defaultNegationCues, negationPrefix: String = "not_") {
        self.normalizeUnicode = normalizeUnicode
        self.caseFold = caseFold
        self.splitContractions = splitContractions
        self.numberClasses = numberClasses
        self.urlClass = urlClass
        self.mentionClass = mentionClass
        self.currencyClass = currencyClass
        self.keepExclamationQuestion = keepExclamationQuestion
        self.keepEmoji = keepEmoji
        self.cjkBigrams = cjkBigrams
        self.normalizeArabic = normalizeArabic
        self.keepEmoticons = keepEmoticons
        self.reduceElongation = reduceElongation
        self.polarityLexicon = polarityLexicon
        self.changeLexicon = changeLexicon
        self.markParentheses = markParentheses
        self.japaneseTopicChanges = japaneseTopicChanges
        self.markNegation = markNegation
        self.negationCues = negationCues
        self.negationPrefix = negationPrefix
    }

    /// The default configuration (negation marking on; change `markNegation` here to flip the project default).
    public static let `default` = TokenizerConfig()

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case normalizeUnicode, caseFold, splitContractions, numberClasses, urlClass, mentionClass, currencyClass,
             keepExclamationQuestion, keepEmoji, cjkBigrams, normalizeArabic, keepEmoticons, reduceElongation, polarityLexicon,
             changeLexicon, markParentheses, japaneseTopicChanges, markNegation,
             negationCues, negationPrefix
    }

    /// Every key this build reads (`FeatureConfig` refuses a `strictTokenizer` with another).
    static let knownKeys = Set(CodingKeys.allCases.map(\.rawValue))

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(normalizeUnicode: try c.decode(Bool.self, forKey: .normalizeUnicode),
                  caseFold: try c.decode(Bool.self, forKey: .caseFold),
                  splitContractions: try c.decode(Bool.self, forKey: .splitContractions),
                  numberClasses: try c.decode(Bool.self, forKey: .numberClasses),
                  urlClass: try c.decode(Bool.self, forKey: .urlClass),
                  mentionClass: try c.decode(Bool.self, forKey: .mentionClass),
                  currencyClass: try c.decode(Bool.self, forKey: .currencyClass),
                  keepExclamationQuestion: try c.decode(Bool.self, forKey: .keepExclamationQuestion),
                  keepEmoji: try c.decode(Bool.self, forKey: .keepEmoji),
                  cjkBigrams: try c.decode(Bool.self, forKey: .cjkBigrams),
                  normalizeArabic: try c.decodeIfPresent(Bool.self, forKey: .normalizeArabic) ?? false,
                  keepEmoticons: try c.decodeIfPresent(Bool.self, forKey: .keepEmoticons) ?? false,
                  reduceElongation: try c.decodeIfPresent(Bool.self, forKey: .reduceElongation) ?? false,
                  polarityLexicon: try c.decodeIfPresent(String.self, forKey: .polarityLexicon),
                  changeLexicon: try c.decodeIfPresent(String.self, forKey: .changeLexicon),
                  markParentheses: try c.decodeIfPresent(Bool.self, forKey: .markParentheses) ?? false,
                  japaneseTopicChanges: try c.decodeIfPresent(Bool.self, forKey: .japaneseTopicChanges) ?? false,
                  markNegation: try c.decode(Bool.self, forKey: .markNegation),
                  negationCues: try c.decode([String].self, forKey: .negationCues),
                  negationPrefix: try c.decode(String.self, forKey: .negationPrefix))
        if let name = polarityLexicon, PolarityLexicon.named(name) == nil {
            throw DecodingError.dataCorruptedError(forKey: .polarityLexicon, in: c,
                debugDescription: "polarity lexicon \"\(name)\" is not in this build")
        }
        if let name = changeLexicon, ChangeLexicon.named(name) == nil {
            throw DecodingError.dataCorruptedError(forKey: .changeLexicon, in: c,
                debugDescription: "change lexicon \"\(name)\" is not in this build")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(normalizeUnicode, forKey: .normalizeUnicode)
        try c.encode(caseFold, forKey: .caseFold)
        try c.encode(splitContractions, forKey: .splitContractions)
        try c.encode(numberClasses, forKey: .numberClasses)
        try c.encode(urlClass, forKey: .urlClass)
        try c.encode(mentionClass, forKey: .mentionClass)
        try c.encode(currencyClass, forKey: .currencyClass)
        try c.encode(keepExclamationQuestion, forKey: .keepExclamationQuestion)
        try c.encode(keepEmoji, forKey: .keepEmoji)
        try c.encode(cjkBigrams, forKey: .cjkBigrams)
        if normalizeArabic { try c.encode(normalizeArabic, forKey: .normalizeArabic) }
        if keepEmoticons { try c.encode(keepEmoticons, forKey: .keepEmoticons) }
        if reduceElongation { try c.encode(reduceElongation, forKey: .reduceElongation) }
        try c.encodeIfPresent(polarityLexicon, forKey: .polarityLexicon)
        try c.encodeIfPresent(changeLexicon, forKey: .changeLexicon)
        if markParentheses { try c.encode(markParentheses, forKey: .markParentheses) }
        if japaneseTopicChanges { try c.encode(japaneseTopicChanges, forKey: .japaneseTopicChanges) }
        try c.encode(markNegation, forKey: .markNegation)
        try c.encode(negationCues, forKey: .negationCues)
        try c.encode(negationPrefix, forKey: .negationPrefix)
    }

    /// This configuration for training on `texts`: with `normalizeArabic` on when any text is written partly in the
    /// Arabic script (a scalar in U+0600–U+06FF), `keepEmoticons` on when any text has an emoticon,
    /// `reduceElongation` on when any text has an elongated word, and `markParentheses` and `japaneseTopicChanges`
    /// on when any text has kana (U+3040–U+30FF). Models of corpora without any keep their tokenization and bytes (a
    /// learned vocabulary without Arabic words, emoticons, elongations or Japanese would have little for the options
    /// to match).
    public func adapted<S: Sequence>(to texts: S) -> TokenizerConfig where S.Element == String {
        var config = self
        // One scanner asks both questions; it reads Arabic as a model of such a text will (the option goes on).
        var probe = TokenScanner({
            var c = self
            c.keepEmoticons = true
            c.reduceElongation = false
            c.normalizeArabic = true
            return c
        }())
        for text in texts {
            if !config.normalizeArabic && Self.hasArabicScript(text) { config.normalizeArabic = true }
            if !config.japaneseTopicChanges && Self.hasKana(text) {
                config.markParentheses = true
                config.japaneseTopicChanges = true
            }
            let found = probe.adaptationFindings(text, emoticons: !config.keepEmoticons, elongation: !config.reduceElongation)
            if found.emoticon { config.keepEmoticons = true }
            if found.elongation { config.reduceElongation = true }
            if config.normalizeArabic && config.keepEmoticons && config.reduceElongation && config.japaneseTopicChanges { break }
        }
        return config
    }

    /// This configuration with every option `adapted(to:)` may turn on off again: what a corpus's own texts start from.
    public var withoutAdaptedOptions: TokenizerConfig {
        var config = self
        config.normalizeArabic = false
        config.keepEmoticons = false
        config.reduceElongation = false
        config.markParentheses = false
        config.japaneseTopicChanges = false
        return config
    }

    /// The options `adapted(to:)` may turn on that this configuration has, by name (`arabic-normalization`,
    /// `emoticons`, `elongation`, `brackets`, `japanese-topic-changes`), as `train` and `models show` report them.
    public var adaptedOptionNames: [String] {
        (normalizeArabic ? ["arabic-normalization"] : []) + (keepEmoticons ? ["emoticons"] : [])
            + (reduceElongation ? ["elongation"] : []) + (markParentheses ? ["brackets"] : [])
            + (japaneseTopicChanges ? ["japanese-topic-changes"] : [])
    }

    /// Under which key a feature configuration stores this tokenizer (`FeatureConfig`): each generation of options
    /// has its own, which the builds from before it lack, so they refuse the model instead of tokenizing its texts
    /// the old way. 0: the original options only (`tokenizer`); 1: Arabic normalization or emoticons
    /// (`extendedTokenizer`); 2: elongation and every later option (`strictTokenizer`, whose decoding also refuses
    /// keys it does not know, so a later option needs no further key).
    var generation: Int {
        reduceElongation || polarityLexicon != nil || changeLexicon != nil || markParentheses || japaneseTopicChanges ? 2
            : normalizeArabic || keepEmoticons ? 1 : 0
    }

    /// Whether `text` has hiragana or katakana (U+3040–U+30FF: UTF-8 E3 81 80 to E3 83 BF).
    static func hasKana(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { buf in
            let n = buf.count
            var i = 0
            while i + 1 < n {
                if buf[i] == 0xE3 && buf[i + 1] >= 0x81 && buf[i + 1] <= 0x83 { return true }
                i &+= 1
            }
            return false
        }
    }

    /// Whether `text` has a scalar in the Arabic block (U+0600–U+06FF: UTF-8 lead bytes D8–DB).
    static func hasArabicScript(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { buf in buf.contains { $0 >= 0xD8 && $0 <= 0xDB } }
    }
}
