// libFuzzer target: the tokenizer and the vectorizer on arbitrary (UTF-8-decoded) text. Tokens are never empty,
// every row is finite with unit L2 norm or empty, and both configurations (the second also normalizing Arabic, keeping
// emoticons, shortening elongations, adding the polarity lexicon's and the change list's class tokens, marking
// bracketed Japanese and adding the Japanese topic-and-change tokens) agree with themselves on a rerun.
// Built by Tests/Fuzz/run.sh.
let plain = Tokenizer(.default)
let noNegation: Tokenizer = {
    var c = TokenizerConfig.default
    c.markNegation = false
    c.splitContractions = false
    c.numberClasses = false
    c.normalizeArabic = true
    c.keepEmoticons = true
    c.reduceElongation = true
    c.polarityLexicon = PolarityLexicon.english.identity
    c.changeLexicon = ChangeLexicon.english.identity
    c.markParentheses = true
    c.japaneseTopicChanges = true
    return Tokenizer(c)
}()
// The Japanese options and the change list only mark and add: without the brackets and the class tokens, the
// default's tokens.
let japanese = Tokenizer(TokenizerConfig(changeLexicon: ChangeLexicon.english.identity, markParentheses: true,
                                         japaneseTopicChanges: true))
func unmarked(_ token: String) -> String {
    let (prefix, rest) = token.hasPrefix("not_(") ? ("not_", token.dropFirst(4)) : ("", Substring(token))
    guard rest.hasPrefix("("), rest.hasSuffix(")"), rest.count >= 3 else { return token }
    return prefix + rest.dropFirst().dropLast()
}
// Emoticons: the default with faces kept, and the check training uses to decide whether a corpus has any.
let withFaces: TokenizerConfig = { var c = TokenizerConfig.default; c.keepEmoticons = true; return c }()
let faces = Tokenizer(withFaces)
nonisolated(unsafe) var faceScanner = TokenScanner(withFaces)
// Elongation: the Arabic-normalizing default with and without it, and the check training uses (`adapted(to:)`).
let arabic: TokenizerConfig = { var c = TokenizerConfig.default; c.normalizeArabic = true; return c }()
let unshortened = Tokenizer(arabic)
let shortened = Tokenizer({ var c = arabic; c.reduceElongation = true; return c }())
nonisolated(unsafe) var elongationScanner = TokenScanner(arabic)
let vectorizer = Vectorizer(config: FeatureConfig(tokenizer: japanese.config,
                                                  charNgrams: CharNgramRange(min: 2, max: 5),
                                                  vocabulary: .hashing(buckets: 1 << 12)),
                            featureNames: [], idf: [])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for t in [plain, noNegation] {
        let tokens = t.tokens(text)
        if tokens.contains(where: \.isEmpty) { fatalError("empty token in \(tokens)") }
        if t.tokens(text) != tokens { fatalError("tokenizer is not deterministic") }
    }
    // A text tokenizes differently with faces kept exactly when the training check finds a face in it.
    if (faces.tokens(text) != plain.tokens(text)) != faceScanner.containsEmoticon(text) {
        fatalError("containsEmoticon disagrees with the tokens")
    }
    // A text whose tokens the option changes is one the training check finds. (Not the converse: a run inside a
    // URL or a mention changes no token.)
    if shortened.tokens(text) != unshortened.tokens(text) && !elongationScanner.containsElongation(text) {
        fatalError("containsElongation misses a run the tokens shorten")
    }
    let plainTokens = plain.tokens(text)
    let japaneseTokens = japanese.tokens(text)
    let pairs = japaneseTokens.filter {
        let token = $0.hasPrefix("not_") ? String($0.dropFirst(4)) : $0
        // (Scalars, not characters: a subject may start with a combining mark, which joins the `<`.)
        return (token.unicodeScalars.first == "<" && token.unicodeScalars.contains("→")) || token == "<up>" || token == "<down>"
    }
    if japaneseTokens.count - pairs.count != plainTokens.count || japaneseTokens.prefix(plainTokens.count).map(unmarked) != plainTokens {
        fatalError("the Japanese options or the change list changed more than marks: \(japaneseTokens) against \(plainTokens)")
    }
    let row = vectorizer.transform(text)
    var norm: Float = 0
    for (i, v) in row.values.enumerated() {
        if !v.isFinite { fatalError("non-finite feature value") }
        if i > 0 && row.indices[i] <= row.indices[i - 1] { fatalError("column indices not increasing") }
        norm += v * v
    }
    if !row.values.isEmpty && abs(norm - 1) > 1e-3 { fatalError("row norm² \(norm)") }
    return 0
}
