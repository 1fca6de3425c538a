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

    /// A list from `word<TAB>up`, `word<TAB>down` and `word<TAB>skip` lines (lower-case words as the tokenizer writes
    /// them).
    init(identity: String, tsv: String) {
        var table = KeyTable(minimumCapacity: 1024)
        var counts = [0, 0, 0, 0]
        for line in tsv.split(separator: "\n") {
            guard let tab = line.firstIndex(of: "\t") else { continue }
            let kind: Int32
            switch line[line.index(after: tab)...] {
            case "up": kind = Kind.up
            case "down": kind = Kind.down
            default: kind = Kind.skip
            }
            if table.insert(StableHash.fnv1a(String(line[..<tab])), kind) == kind { counts[Int(kind)] += 1 }
        }
        self.identity = identity
        self.table = table
        upCount = counts[1]
        downCount = counts[2]
        skippedCount = counts[3]
    }

    /// The word's kind (`Kind`), 0 for a word the list does not have.
    @inline(__always)
    func kind(_ key: UInt64) -> Int32 { max(table.find(key), 0) }

    /// The English list (`Lexicons/en/changes.tsv`).
    public static let english = ChangeLexicon(identity: "en-1", tsv: englishWords)

    /// The list with this identity, nil when this build has none.
    public static func named(_ identity: String) -> ChangeLexicon? {
        identity == english.identity ? english : nil
    }
}
