import ClassifierStore
import Foundation
import PostgresNIO
import StoreInterface

/// A query's WHERE clause with its parameters numbered from `$1`, with the SQLite store's semantics
/// (`PredictionQuery+SQL.swift`): the same filters, the same order (insertion order is id order), the same search.
struct PredictionFilter {
    var sql = ""
    var binds = PostgresBindings()
    /// The search can match nothing (no word in it): the query returns no row without asking the database.
    var matchesNothing = false
    private var count = 0

    /// - Throws: `StoreError.invalidSearch` for FTS5 syntax, which only the SQLite store understands.
    init(_ query: PredictionQuery, alias p: String = "prediction") throws {
        var clauses: [String] = []
        func param<T: PostgresThrowingDynamicTypeEncodable>(_ value: T) throws -> String {
            try binds.append(value)
            count += 1
            return "$\(count)"
        }
        if let modelName = query.modelName {
            if let modelVersion = query.modelVersion {
                clauses.append("\(p).model_id IN (SELECT id FROM model WHERE name = \(try param(modelName)) AND version = \(try param(modelVersion)))")
            } else {
                clauses.append("\(p).model_id IN (SELECT id FROM model WHERE name = \(try param(modelName)))")
            }
        }
        if let label = query.label { clauses.append("\(p).label = \(try param(label))") }
        if let v = query.minConfidence { clauses.append("\(p).confidence >= \(try param(v))") }
        if let v = query.maxConfidence { clauses.append("\(p).confidence <= \(try param(v))") }
        if let d = query.createdFrom { clauses.append("\(p).created_at >= \(try param(Clock.seconds(d)))") }
        if let d = query.createdBefore { clauses.append("\(p).created_at < \(try param(Clock.seconds(d)))") }
        if let search = query.search {
            guard query.searchSyntax == .words else {
                throw StoreError.invalidSearch(query: search, message: "FTS5 query syntax is available on the SQLite store only; this store reads searches as words")
            }
            if let tsquery = SearchWords.query(search) {
                clauses.append("\(p).words @@ \(try param(tsquery))::tsquery")
            } else {
                matchesNothing = true
                clauses.append("false")
            }
        }
        if let corrected = query.corrected {
            clauses.append(corrected ? "\(p).corrected_label IS NOT NULL" : "\(p).corrected_label IS NULL")
        }
        if let maxId = query.maxId { clauses.append("\(p).id <= \(try param(maxId))") }
        sql = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
    }

    /// LIMIT / OFFSET of the query's page ("" for all rows).
    mutating func page(_ query: PredictionQuery) throws -> String {
        var out = ""
        if let limit = query.limit {
            try binds.append(Int64(max(0, limit)))
            count += 1
            out += " LIMIT $\(count)"
        }
        if query.offset > 0 {
            try binds.append(Int64(query.offset))
            count += 1
            out += " OFFSET $\(count)"
        }
        return out
    }

    static func order(_ query: PredictionQuery, _ p: String) -> String {
        switch query.order {
        case .newest: return "ORDER BY \(p).id DESC"
        case .oldest: return "ORDER BY \(p).id ASC"
        case .confidenceDescending: return "ORDER BY \(p).confidence DESC, \(p).id DESC"
        case .confidenceAscending: return "ORDER BY \(p).confidence ASC, \(p).id ASC"
        }
    }
}
