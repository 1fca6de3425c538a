/// The corpus file formats `CorpusIO` reads.
public enum CorpusFormat: String, CaseIterable, Codable, Sendable {
    /// Comma-separated values with a header row (RFC 4180 quoting).
    case csv
    /// Tab-separated values with a header row (same quoting rules as CSV).
    case tsv
    /// JSON Lines: one object per line, e.g. `{"text": "...", "label": "positive"}`.
    case jsonl
    /// fastText: `__label__positive Some text` (several labels allowed; the first is used).
    case fasttext
    /// Financial PhraseBank raw format: `sentence@label` per line, Latin-1; split at the last `@`.
    case phrasebank
    /// One text per line, no header, no labels (prediction input).
    case lines

    /// Chooses a format from the file extension, sniffing the first bytes where the extension is ambiguous.
    ///
    /// `.csv` → csv, `.tsv`/`.tab` → tsv, `.jsonl`/`.ndjson` → jsonl, `.ft`/`.fasttext` → fasttext.
    /// `.txt` → fasttext when the first non-blank line starts with `__label__`, phrasebank when it ends with
    /// `@positive`, `@negative` or `@neutral`, otherwise lines.
    /// Standard input (`-`) is csv. Any other extension is sniffed: `{` → jsonl, then the `.txt` rules,
    /// then a tab in the first line → tsv, otherwise csv.
    public static func infer(path: String, firstBytes: [UInt8]) -> CorpusFormat {
        if path == "-" { return .csv }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let ext: String
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            ext = name[name.index(after: dot)...].lowercased()
        } else {
            ext = ""
        }
        switch ext {
        case "csv": return .csv
        case "tsv", "tab": return .tsv
        case "jsonl", "ndjson": return .jsonl
        case "ft", "fasttext": return .fasttext
        case "txt": return sniffText(firstLine(firstBytes)) ?? .lines
        default:
            let line = firstLine(firstBytes)
            if line.first == UInt8(ascii: "{") { return .jsonl }
            if let format = sniffText(line) { return format }
            if line.contains(UInt8(ascii: "\t")) && !line.contains(UInt8(ascii: ",")) { return .tsv }
            return .csv
        }
    }

    /// The first non-blank line (without BOM, trailing CR and surrounding spaces).
    static func firstLine(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        var rest = bytes[...]
        if rest.starts(with: [0xEF, 0xBB, 0xBF]) { rest = rest.dropFirst(3) }
        while !rest.isEmpty {
            let end = rest.firstIndex(of: 0x0A) ?? rest.endIndex
            var line = rest[rest.startIndex..<end]
            while let b = line.first, isASCIISpace(b) { line = line.dropFirst() }
            while let b = line.last, isASCIISpace(b) { line = line.dropLast() }
            if !line.isEmpty { return line }
            rest = end < rest.endIndex ? rest[(end + 1)...] : rest[rest.endIndex...]
        }
        return rest
    }

    static func sniffText(_ line: ArraySlice<UInt8>) -> CorpusFormat? {
        if line.starts(with: Array("__label__".utf8)) { return .fasttext }
        for suffix in ["@positive", "@negative", "@neutral"] {
            let s = Array(suffix.utf8)
            if line.count >= s.count && line.suffix(s.count).elementsEqual(s) { return .phrasebank }
        }
        return nil
    }
}
