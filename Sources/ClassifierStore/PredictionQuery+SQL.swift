import GRDB
import StoreInterface

extension PredictionQuery.Order {
    var byConfidence: Bool { self == .confidenceDescending || self == .confidenceAscending }
}

extension PredictionQuery {
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
            clauses.append("id IN (SELECT rowid FROM prediction_fts WHERE prediction_fts MATCH ?)"); args += [search]
        }
        if let corrected { clauses.append(corrected ? "correctedLabel IS NOT NULL" : "correctedLabel IS NULL") }
        return (clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "), args)
    }

    /// Filters on what `PredictionBlocks` hold (model, label, confidence, correction status) and nothing else.
    var filtersOnBlockColumns: Bool {
        modelName != nil || label != nil || minConfidence != nil || maxConfidence != nil || corrected != nil
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
