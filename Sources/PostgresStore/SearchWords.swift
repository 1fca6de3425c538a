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
        "'" + token.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `text`'s tokens as a `tsvector` literal: `'token':1,5 'other':2`.
    static func vector(_ text: String) -> String {
        var positions: [String: [Int]] = [:]
        var order: [String] = []
        for (i, token) in tokens(text).enumerated() {
            let position = min(i + 1, maxPosition)
            if positions[token] == nil { order.append(token) }
            if positions[token, default: []].count < maxPositionsPerToken, positions[token]?.last != position {
                positions[token, default: []].append(position)
            }
        }
        return order.map { quoted($0) + ":" + positions[$0]!.map(String.init).joined(separator: ",") }.joined(separator: " ")
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
