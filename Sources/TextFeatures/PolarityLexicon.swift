/// A polarity word list the tokenizer reads (`TokenizerConfig.polarityLexicon`): after a text's tokens it appends a
/// class token for each word of the list (`<lex+>` or `<lex->`, negation-marked as the word was), so a corpus's
/// model learns a weight for "a word of the list" and a word its corpus lacks still counts. The lists ship in the
/// binary, each under an identity stored with every model that uses it; a list is never changed in place (a new
/// one gets a new identity), so a stored model tokenizes as it was trained.
public struct PolarityLexicon: Sendable {
    /// The identity a model stores (`en-1`).
    public let identity: String
    /// Positive and negative words.
    public let positiveCount: Int, negativeCount: Int
    /// Word key (`StableHash.fnv1a` of the word, as `TokenScanner.wordKey` computes it) → 1 positive, 2 negative.
    let table: KeyTable

    /// A list from `word<TAB>+` / `word<TAB>-` lines (`wordListTable`).
    init(identity: String, tsv: String) {
        let (table, counts) = wordListTable(tsv) { $0 == "-" ? 2 : 1 }
        self.identity = identity
        self.table = table
        positiveCount = counts[1] ?? 0
        negativeCount = counts[2] ?? 0
    }

    /// The English list (`Lexicons/en/polarity.tsv`).
    public static let english = PolarityLexicon(identity: "en-1", tsv: englishWords)

    /// The list with this identity, nil when this build has none.
    public static func named(_ identity: String) -> PolarityLexicon? {
        identity == english.identity ? english : nil
    }
}
