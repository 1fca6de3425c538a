// fastText: `__label__a [__label__b ...] text`. The first label is used; the text is what follows the labels.
extension RecordParser {
    static let labelPrefix = Array("__label__".utf8)

    mutating func fastTextRecord(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws -> (String, String?) {
        var i = start
        var label: String? = nil
        let prefix = Self.labelPrefix
        while true {
            while i < end && (p[i] == 0x20 || p[i] == 0x09) { i += 1 }
            guard end - i >= prefix.count else { break }
            var isLabel = true
            for k in 0..<prefix.count where p[i + k] != prefix[k] { isLabel = false; break }
            if !isLabel { break }
            var tokenEnd = i + prefix.count
            while tokenEnd < end && p[tokenEnd] != 0x20 && p[tokenEnd] != 0x09 { tokenEnd += 1 }
            if label == nil {
                if tokenEnd == i + prefix.count {
                    throw CorpusError(file: file, line: line, problem: .emptyLabel)
                }
                label = makeString(p, i + prefix.count, tokenEnd)
            }
            i = tokenEnd
        }
        let (ts, te) = trimmed(p, i, end)
        if ts == te { throw CorpusError(file: file, line: line, problem: .emptyText) }
        let settled = try settleLabel(label, missing: .missingLabel(expected: "a leading __label__NAME"))
        return (makeString(p, ts, te), settled)
    }
}
