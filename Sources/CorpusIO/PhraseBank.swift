// Financial PhraseBank raw format: `sentence@label`, Latin-1 (or UTF-8 where a record is valid UTF-8), split at
// the last '@'.
extension RecordParser {
    mutating func phraseBankRecord(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws -> (String, String?) {
        var at = end - 1
        while at >= start && p[at] != 0x40 { at -= 1 }
        var textEnd = end
        var label: String? = nil
        if at >= start {
            textEnd = at
            let (ls, le) = trimmed(p, at + 1, end)
            if ls == le { throw CorpusError(file: file, line: line, problem: .emptyLabel) }
            label = phraseBankString(p, ls, le)
        }
        let settled = try settleLabel(label, missing: .missingLabel(expected: "sentence@label"))
        if settled == nil && label != nil { textEnd = end }  // file without labels: the '@' belongs to the text
        if isBlank(p, start, textEnd) { throw CorpusError(file: file, line: line, problem: .emptyText) }
        return (phraseBankString(p, start, textEnd), settled)
    }
}
