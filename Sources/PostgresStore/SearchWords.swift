import Foundation
import StoreInterface

/// Full-text search with the SQLite store's words: texts are split as its FTS5 `unicode61 remove_diacritics 2`
/// tokenizer splits them (runs of letters, digits and private-use characters; lowercase; Latin diacritics removed),
/// here in Swift, and stored as a `tsvector` with positions — PostgreSQL's own parser would split `Q3-2024` or
/// `U.S.` differently. Searches are turned into a `tsquery` of the same tokens: user text only ever becomes quoted
/// lexemes, never query syntax.
enum SearchWords {
    /// Longest lexeme PostgreSQL accepts (2 KiB); longer runs are cut (no headline has one).
    static let maxTokenBytes = 2046
    /// Positions PostgreSQL keeps per lexeme, and its highest position.
    static let maxPositionsPerToken = 256
    static let maxPosition = 16_383

    static func isTokenCharacter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            return true
        default:
            return false
        }
    }

    /// The tokens of `text` in order.
    static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            guard !current.isEmpty else { return }
            var token = String(current).lowercased().folding(options: .diacriticInsensitive, locale: nil)
            if token.utf8.count > maxTokenBytes {
                token = String(decoding: token.utf8.prefix(maxTokenBytes), as: UTF8.self)
            }
            out.append(token)
            current = String.UnicodeScalarView()
        }
        for s in text.unicodeScalars {
            if isTokenCharacter(s) { current.append(s) } else { flush() }
        }
        flush()
        return out
    }

    static func quoted(_ token: String) -> String {
        // Foundation's replacingOccurrences costs microseconds even when there is nothing to replace.
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\\") }) else { return "'" + token + "'" }
        return "'" + token.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `text`'s tokens as a `tsvector` literal: `'token':1,5 'other':2`.
    static func vector(_ text: String) -> String {
        asciiVector(text) ?? referenceVector(text)
    }

    /// `vector` for ASCII text, on its bytes: tokens are runs of letters and digits, lowercased, so neither Unicode
    /// properties nor diacritic folding nor quoting is needed (storing 1,000,000 headlines spent ~60 s of client CPU
    /// in `referenceVector`). nil when the text has a non-ASCII byte.
    static func asciiVector(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { src -> String? in
            let n = src.count
            // Token spans in `src` (start, length), in order; `group[k]`: the first token with the same bytes.
            var starts: [Int] = [], lengths: [Int] = []
            var i = 0
            @inline(__always) func isWord(_ b: UInt8) -> Bool {
                b &- 0x30 < 10 || (b | 0x20) &- 0x61 < 26
            }
            while i < n {
                let b = src[i]
                if b >= 0x80 { return nil }
                if isWord(b) {
                    let start = i
                    while i < n && src[i] < 0x80 && isWord(src[i]) { i += 1 }
                    if i < n && src[i] >= 0x80 { return nil }
                    starts.append(start)
                    lengths.append(min(i - start, maxTokenBytes))
                } else {
                    i += 1
                }
            }
            if starts.isEmpty { return "" }
            @inline(__always) func lower(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }
            func same(_ a: Int, _ b: Int) -> Bool {
                guard lengths[a] == lengths[b] else { return false }
                let x = starts[a], y = starts[b]
                for j in 0..<lengths[a] where lower(src[x + j]) != lower(src[y + j]) { return false }
                return true
            }
            let count = starts.count
            // For each token, the next token of its group (-1: none); groups listed by first appearance.
            var next = [Int](repeating: -1, count: count), last: [Int] = [], firsts: [Int] = []
            var byKey: [String: Int] = [:]
            for k in 0..<count {
                var g = -1
                if count <= 64 {
                    for (h, f) in firsts.enumerated() where same(f, k) { g = h; break }
                } else {
                    let key = String(decoding: UnsafeBufferPointer(rebasing: src[starts[k]..<(starts[k] + lengths[k])]), as: UTF8.self).lowercased()
                    if let known = byKey[key] { g = known } else { byKey[key] = firsts.count }
                }
                if g < 0 {
                    firsts.append(k)
                    last.append(k)
                } else {
                    next[last[g]] = k
                    last[g] = k
                }
            }
            var out: [UInt8] = []
            out.reserveCapacity(n + count * 6)
            func decimal(_ v: Int) {
                if v >= 10 { decimal(v / 10) }
                out.append(UInt8(ascii: "0") + UInt8(v % 10))
            }
            for (h, f) in firsts.enumerated() {
                if h > 0 { out.append(UInt8(ascii: " ")) }
                out.append(UInt8(ascii: "'"))
                for j in 0..<lengths[f] { out.append(lower(src[starts[f] + j])) }
                out.append(UInt8(ascii: "'"))
                out.append(UInt8(ascii: ":"))
                var k = f, kept = 0, previous = -1
                while k >= 0 && kept < maxPositionsPerToken {
                    let position = min(k + 1, maxPosition)
                    if position != previous {
                        if kept > 0 { out.append(UInt8(ascii: ",")) }
                        decimal(position)
                        kept += 1
                        previous = position
                    }
                    k = next[k]
                }
            }
            // Pairs of adjacent short tokens (see `pair`).
            for k in 0..<(count - 1) where lengths[k] <= maxPairTokenLength && lengths[k + 1] <= maxPairTokenLength {
                out.append(UInt8(ascii: " "))
                out.append(UInt8(ascii: "'"))
                for j in 0..<lengths[k] { out.append(lower(src[starts[k] + j])) }
                out.append(UInt8(ascii: " "))
                for j in 0..<lengths[k + 1] { out.append(lower(src[starts[k + 1] + j])) }
                out.append(UInt8(ascii: "'"))
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// `vector` for any text, through `tokens` (Unicode properties, lowercasing, diacritic folding).
    static func referenceVector(_ text: String) -> String {
        var positions: [String: [Int]] = [:]
        var order: [String] = []
        let all = tokens(text)
        for (i, token) in all.enumerated() {
            let position = min(i + 1, maxPosition)
            if positions[token] == nil { order.append(token) }
            if positions[token, default: []].count < maxPositionsPerToken, positions[token]?.last != position {
                positions[token, default: []].append(position)
            }
        }
        var out = order.map { quoted($0) + ":" + positions[$0]!.map(String.init).joined(separator: ",") }
        for (a, b) in zip(all, all.dropFirst()) { if let p = pair(a, b) { out.append(quoted(p)) } }
        return out.joined(separator: " ")
    }

    /// Tokens of at most this many characters are also indexed in pairs.
    static let maxPairTokenLength = 3

    /// The lexeme that marks two short tokens as adjacent: `"the of"` (no token has a space, so no search word can
    /// name it). The index knows which rows hold words but not where; a phrase of common short words (`"the of and
    /// the"`) matched too many rows to check one by one. Schema v4 adds these to every row; a phrase search asks
    /// for them too (`query`), which only narrows the rows the index returns: a row where the phrase occurs has them.
    static func pair(_ a: String, _ b: String) -> String? {
        a.unicodeScalars.count <= maxPairTokenLength && b.unicodeScalars.count <= maxPairTokenLength ? a + " " + b : nil
    }

    /// The `tsquery` literal of a `.words` search: every whitespace-separated word or "quoted phrase" must occur
    /// (its tokens adjacent, in order). nil when the search has no token (it then matches nothing, as on SQLite).
    static func query(_ search: String) -> String? {
        var parts: [String] = []
        var current = ""
        var quotedPhrase = false
        func flush() {
            let t = tokens(current)
            if !t.isEmpty { parts.append("(" + t.map(quoted).joined(separator: " <-> ") + ")") }
            for (a, b) in zip(t, t.dropFirst()) { if let p = pair(a, b) { parts.append(quoted(p)) } }
            current = ""
        }
        for ch in search {
            if ch == "\"" {
                flush()
                quotedPhrase.toggle()
            } else if ch.isWhitespace && !quotedPhrase {
                flush()
            } else {
                current.append(ch)
            }
        }
        flush()
        return parts.isEmpty ? nil : parts.joined(separator: " & ")
    }
}
