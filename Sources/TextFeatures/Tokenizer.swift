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
        var scanner = TokenScanner(config)
        scanner.scan(text)
        var out: [String: [String]] = [:]
        for t in scanner.sequenceCount..<scanner.lexiconEnd {
            out[scanner.tokenString(t), default: []].append(scanner.wordText(ofToken: scanner.lexiconWordToken(of: t)))
        }
        return out
    }
}
