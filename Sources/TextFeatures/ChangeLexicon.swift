/// A list of change words the tokenizer reads (`TokenizerConfig.changeLexicon`): a word that says a quantity went up
/// (`rose`, `widened`) or down (`fell`, `narrowed`) pairs with the last two words before it in its clause, skipping
/// the list's function words (`the`, `of`, `quarter`, `percent` …): `Operating costs rose` gives `<operating→up>` and
/// `<costs→up>`. Whether a rise is news for good or ill depends on what rose, and the words between them are often
/// too many for a word n-gram. Like `PolarityLexicon`, a list ships in the binary under an identity stored with the
/// models that use it, and is never changed in place.
public struct ChangeLexicon: Sendable {
    /// The identity a model stores (`en-1`).
    public let identity: String
    /// Words of each kind.
    public let upCount: Int, downCount: Int, skippedCount: Int
    /// Word key (`StableHash.fnv1a` of the word, as `TokenScanner.wordKey` computes it) → a `Kind`.
    let table: KeyTable

    enum Kind {
        static let up: Int32 = 1, down: Int32 = 2, skip: Int32 = 3
    }

    /// A list from `word<TAB>up`, `word<TAB>down` and `word<TAB>skip` lines (`wordListTable`).
    init(identity: String, tsv: String) {
        let (table, counts) = wordListTable(tsv) { $0 == "up" ? Kind.up : $0 == "down" ? Kind.down : Kind.skip }
        self.identity = identity
        self.table = table
        upCount = counts[Kind.up] ?? 0
        downCount = counts[Kind.down] ?? 0
        skippedCount = counts[Kind.skip] ?? 0
    }

    /// The English list (`Lexicons/en/changes.tsv`).
    public static let english = ChangeLexicon(identity: "en-1", tsv: englishWords)

    /// The list with this identity, nil when this build has none.
    public static func named(_ identity: String) -> ChangeLexicon? {
        identity == english.identity ? english : nil
    }
}
