/// Cuts text into tokens following a `TokenizerConfig` (see its documentation for every rule).
///
/// `tokens(_:)` is the readable path: one `String` per token. The vectorizer uses the same engine but hashes
/// tokens straight from the scalar buffer; both give the same features.
public struct Tokenizer: Sendable {
    public let config: TokenizerConfig

    public init(_ config: TokenizerConfig = .default) {
        self.config = config
    }

    /// The tokens of `text`, negation-marked tokens carrying `config.negationPrefix`.
    public func tokens(_ text: String) -> [String] {
        var scanner = TokenScanner(config)
        scanner.scan(text)
        return scanner.tokenStrings().map { $0.token }
    }

    /// The words of `text` behind each polarity-lexicon class token it gets (`<lex+>`, `not_<lex->` …), in text
    /// order; empty without a lexicon.
    public func lexiconWords(_ text: String) -> [String: [String]] {
        guard let lexicon = config.polarityLexicon.flatMap(PolarityLexicon.named) else { return [:] }
        var scanner = TokenScanner(config)
        scanner.scan(text)
        var out: [String: [String]] = [:]
        // The scan notes a word of the text as a class token unless it opened a negation scope.
        for token in scanner.tokenStrings().prefix(scanner.sequenceCount) where token.flags & TokenFlag.word != 0 {
            let polarity = lexicon.polarity(ofWord: token.base)
            guard polarity != 0, !(config.markNegation && config.negationCues.contains(token.base)) else { continue }
            let name = (token.flags & TokenFlag.negated != 0 ? config.negationPrefix : "") + (polarity > 0 ? "<lex+>" : "<lex->")
            out[name, default: []].append(token.base)
        }
        return out
    }
}
