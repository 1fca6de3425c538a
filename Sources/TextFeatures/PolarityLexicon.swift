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

    /// A list from `word<TAB>+` / `word<TAB>-` lines (lower-case words as the tokenizer writes them).
    init(identity: String, tsv: String) {
        var table = KeyTable(minimumCapacity: 8192)
        var positive = 0, negative = 0
        for line in tsv.split(separator: "\n") {
            guard let tab = line.firstIndex(of: "\t") else { continue }
            let sign = line[line.index(after: tab)...]
            let key = StableHash.fnv1a(String(line[..<tab]))
            if table.insert(key, sign == "-" ? 2 : 1) == (sign == "-" ? 2 : 1) {
                if sign == "-" { negative += 1 } else { positive += 1 }
            }
        }
        self.identity = identity
        self.table = table
        positiveCount = positive
        negativeCount = negative
    }

    /// +1 for a positive word, -1 for a negative one, 0 otherwise.
    @inline(__always)
    func polarity(_ key: UInt64) -> Int {
        switch table.find(key) {
        case 1: return 1
        case 2: return -1
        default: return 0
        }
    }

    /// The English list (`Lexicons/en/polarity.tsv`).
    public static let english = PolarityLexicon(identity: "en-1", tsv: englishWords)

    /// The list with this identity, nil when this build has none.
    public static func named(_ identity: String) -> PolarityLexicon? {
        identity == english.identity ? english : nil
    }
}
