import Foundation
import GRDB
import StoreInterface

/// Letters and digits: a word without any has no token for the index (e.g. "&" or "-").
private let alphanumerics = CharacterSet.alphanumerics

extension PredictionQuery.Order {
    var byConfidence: Bool { self == .confidenceDescending || self == .confidenceAscending }
}

extension PredictionQuery {
    /// The FTS5 MATCH expression of `search`: as given with `.fts5`; with `.words` every whitespace-separated word
    /// (or "quoted phrase") becomes an FTS5 string — a phrase of the tokens the index's tokenizer makes of it — so
    /// punctuation is never syntax and all of them must match. nil when there is nothing to match.
    var matchExpression: String? {
        guard let search else { return nil }
        if searchSyntax == .fts5 { return search }
        var parts: [String] = []
        var current = ""
        var quoted = false
        func flush() {
            if current.unicodeScalars.contains(where: { alphanumerics.contains($0) }) {
                parts.append("\"" + current.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
            }
            current = ""
        }
        for ch in search {
            if ch == "\"" {
                flush()
                quoted.toggle()
            } else if ch.isWhitespace && !quoted {
                flush()
            } else {
                current.append(ch)
            }
        }
        flush()
        return parts.isEmpty ? "\"\"" : parts.joined(separator: " ")
    }
    /// WHERE clause and its arguments.
    func whereClause() -> (sql: String, arguments: StatementArguments) {
        var clauses: [String] = []
        var args = StatementArguments()
        if let modelName {
            if let modelVersion {
                clauses.append("modelId IN (SELECT id FROM model WHERE name = ? AND version = ?)")
                args += [modelName, modelVersion]
            } else {
                clauses.append("modelId IN (SELECT id FROM model WHERE name = ?)"); args += [modelName]
            }
        }
        if let label { clauses.append("label = ?"); args += [label] }
        if let minConfidence { clauses.append("confidence >= ?"); args += [minConfidence] }
        if let maxConfidence { clauses.append("confidence <= ?"); args += [maxConfidence] }
        if let createdFrom { clauses.append("createdAt >= ?"); args += [Clock.seconds(createdFrom)] }
        if let createdBefore { clauses.append("createdAt < ?"); args += [Clock.seconds(createdBefore)] }
        if let search {
            clauses.append("id IN (SELECT rowid FROM prediction_fts WHERE prediction_fts MATCH ?)"); args += [matchExpression ?? search]
        }
        if let corrected { clauses.append(corrected ? "correctedLabel IS NOT NULL" : "correctedLabel IS NULL") }
        if let maxId { clauses.append("id <= ?"); args += [maxId] }
        return (clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "), args)
    }

    /// Filters on what `PredictionBlocks` hold (model, label, confidence, correction status) and nothing else.
    var filtersOnBlockColumns: Bool {
        modelName != nil || label != nil || minConfidence != nil || maxConfidence != nil || corrected != nil || maxId != nil
    }

    /// A full-text search and no other filter.
    var isOnlySearch: Bool {
        search != nil && !filtersOnBlockColumns && createdFrom == nil && createdBefore == nil
    }

    /// ORDER BY over columns of `table`. "Newest" is insertion order (ids grow with each insert).
    func orderClause(_ table: String) -> String {
        switch order {
        case .newest: return "ORDER BY \(table).id DESC"
        case .oldest: return "ORDER BY \(table).id ASC"
        case .confidenceDescending: return "ORDER BY \(table).confidence DESC, \(table).id DESC"
        case .confidenceAscending: return "ORDER BY \(table).confidence ASC, \(table).id ASC"
        }
    }
}
