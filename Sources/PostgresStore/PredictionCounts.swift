import ClassifierStore
import Foundation
import PostgresNIO
import StoreInterface

/// Counts, summaries and daily counts from `prediction_count` (schema v2: predictions per model, label, corrected
/// label and UTC day, kept by triggers) instead of the prediction table: a few hundred rows instead of millions.
/// Only for queries that filter on nothing else: model, label, corrected or not, dates on whole UTC days, and
/// `maxId` when no prediction above it is stored yet (checked in the same snapshot).
struct CounterFilter {
    var sql = ""
    var binds = PostgresBindings()
    var maxId: Int64?
    private var count = 0

    /// nil: the query needs the prediction table.
    init?(_ query: PredictionQuery) throws {
        guard query.allowsBlocks, query.search == nil, query.minConfidence == nil, query.maxConfidence == nil else { return nil }
        var clauses: [String] = []
        func param<T: PostgresThrowingDynamicTypeEncodable>(_ value: T) throws -> String {
            try binds.append(value)
            count += 1
            return "$\(count)"
        }
        func day(_ date: Date) -> Int32? {
            let seconds = Clock.seconds(date)
            let days = (seconds / 86_400).rounded(.down)
            guard days * 86_400 == seconds, abs(days) < Double(Int32.max) else { return nil }
            return Int32(days)
        }
        if let modelName = query.modelName {
            if let modelVersion = query.modelVersion {
                clauses.append("model_id IN (SELECT id FROM model WHERE name = \(try param(modelName)) AND version = \(try param(modelVersion)))")
            } else {
                clauses.append("model_id IN (SELECT id FROM model WHERE name = \(try param(modelName)))")
            }
        }
        if let label = query.label { clauses.append("label = \(try param(label))") }
        if let from = query.createdFrom {
            guard let d = day(from) else { return nil }
            clauses.append("day >= \(try param(d))")
        }
        if let before = query.createdBefore {
            guard let d = day(before) else { return nil }
            clauses.append("day < \(try param(d))")
        }
        if let corrected = query.corrected { clauses.append(corrected ? "corrected_label <> ''" : "corrected_label = ''") }
        maxId = query.maxId
        sql = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
    }

    /// Whether the counters answer in this snapshot: no prediction above `maxId` is stored.
    func applies(_ session: Session) throws -> Bool {
        guard let maxId else { return true }
        let latest = try session.row("SELECT MAX(id) FROM prediction")?.decode(Int64?.self) ?? nil
        return (latest ?? 0) <= maxId
    }
}
