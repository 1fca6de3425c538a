/// The words of a list the tokenizer reads (`PolarityLexicon`, `ChangeLexicon`), from its `word<TAB>tag` lines
/// (lower-case words as the tokenizer writes them): each word's key (`StableHash.fnv1a` of the word, as
/// `TokenScanner.wordKey` computes it) → `value(tag)`, the first line of a word kept; and how many lines each value
/// has that the table keeps.
func wordListTable(_ tsv: String, value: (Substring) -> Int32) -> (table: KeyTable, counts: [Int32: Int]) {
    var table = KeyTable(minimumCapacity: 1024)
    var counts: [Int32: Int] = [:]
    for line in tsv.split(separator: "\n") {
        guard let tab = line.firstIndex(of: "\t") else { continue }
        let v = value(line[line.index(after: tab)...])
        if table.insert(StableHash.fnv1a(String(line[..<tab])), v) == v { counts[v, default: 0] += 1 }
    }
    return (table, counts)
}
