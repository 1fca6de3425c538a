import ClassifierStore
import Foundation
import PostgresNIO
import StoreInterface

extension PostgresStore {
    static let predictionColumns = """
        p.id, p.model_id, m.name, m.version, p.text, p.label, p.confidence, p.probabilities, p.source, p.created_at,
        p.corrected_label, p.corrected_at, m.labels
        """

    /// One multi-row INSERT over `unnest` of the columns, in one transaction. Inserts take a transaction-scoped
    /// advisory lock first, so ids are assigned and committed in increasing order across processes: a reader that
    /// saw id N never later finds a new id below N (paging cursors and `maxId` rely on it).
    public func insertPredictions(_ columns: PredictionColumns) throws -> [Int64] {
        let n = columns.count
        guard n > 0 else { return [] }
        return try transaction { session in
            guard let row = try session.row("SELECT name, version, labels FROM model WHERE id = $1 AND status <> 'deleted'",
                                            binds(columns.modelId)) else {
                throw StoreError.modelNotFound("#\(columns.modelId)")
            }
            let (name, version, labels) = try row.decode((String, Int, [String]).self)
            let k = labels.count
            guard columns.labelIndices.count == n else { throw StoreError.invalidValue("\(columns.labelIndices.count) labels for \(n) texts") }
            guard columns.probabilities.count == n * k else {
                throw StoreError.invalidValue("\(columns.probabilities.count) probabilities for \(n) texts and \(k) labels")
            }
            let sources: [String]
            switch columns.sources {
            case .constant(let value):
                sources = Array(repeating: Text.storable(value), count: n)
            case .numbered(let prefix, let numbers):
                guard numbers.count == n else { throw StoreError.invalidValue("\(numbers.count) sources for \(n) texts") }
                sources = numbers.map { Text.storable(prefix) + String($0) }
            case .each(let each):
                guard each.count == n else { throw StoreError.invalidValue("\(each.count) sources for \(n) texts") }
                sources = each.map(Text.storable)
            }
            for i in 0..<n where !(0..<k).contains(columns.labelIndices[i]) {
                throw StoreError.invalidValue("label index \(columns.labelIndices[i]) is not one of \(name)@\(version)'s \(k) labels")
            }
            for v in columns.probabilities where !v.isFinite { throw StoreError.invalidValue("probability is not a finite number") }
            let texts = columns.texts.map(Text.storable)
            let words = texts.map(SearchWords.vector)
            let confidences = (0..<n).map { Double(columns.probabilities[$0 * k + columns.labelIndices[$0]]) }
            let createdAt = Clock.seconds(columns.createdAt ?? Date())
            try session.execute("SELECT pg_advisory_xact_lock($1)", binds(PostgresSchema.predictionLock))
            let ids = try session.rows("""
                INSERT INTO prediction (model_id, text, label, confidence, probabilities, source, created_at, words)
                SELECT $1, u.text, ($2::text[])[u.label + 1], u.confidence, ($3::real[])[((u.n - 1) * $4)::int + 1 : (u.n * $4)::int],
                       u.source, $5, u.words::tsvector
                FROM unnest($6::text[], $7::int[], $8::float8[], $9::text[], $10::text[])
                     WITH ORDINALITY AS u(text, label, confidence, source, words, n)
                ORDER BY u.n
                RETURNING id
                """, binds(columns.modelId, labels, columns.probabilities, k, createdAt, texts,
                           columns.labelIndices.map { Int32($0) }, confidences, sources, words)).map { try $0.decode(Int64.self) }
            return ids.sorted()
        }
    }

    /// Runs `body`, then merges the search index's pending list (up to 4 MB of entries a search would otherwise
    /// read through) into the index, so searches right after a bulk load are as fast as later ones.
    public func withBulkWrites<T>(_ body: () throws -> T) throws -> T {
        let value = try body()
        try transaction { session in try session.execute("SELECT gin_clean_pending_list('prediction_words'::regclass)") }
        return value
    }

    public func predictions(_ query: PredictionQuery) throws -> [PredictionInfo] {
        var out: [PredictionInfo] = []
        try forEach(query, replayable: true) { out.append($0) }
        return out
    }

    /// The body sees rows as they arrive: a connection lost meanwhile is not retried (it has seen some).
    public func forEachPrediction(_ query: PredictionQuery, _ body: (PredictionInfo) throws -> Void) throws {
        try forEach(query, replayable: false, body)
    }

    private func forEach(_ query: PredictionQuery, replayable: Bool, _ body: (PredictionInfo) throws -> Void) throws {
        var filter = try PredictionFilter(query, alias: "p")
        if filter.matchesNothing { return }
        let page = try filter.page(query)
        let sql = """
            SELECT \(Self.predictionColumns) FROM prediction p JOIN model m ON m.id = p.model_id
            \(filter.sql) \(PredictionFilter.order(query, "p"))\(page)
            """
        try transaction(readOnly: true, replayable: replayable) { session in
            if query.limit != nil {
                for row in try session.rows(sql, filter.binds) { try body(try Self.predictionInfo(row)) }
            } else {
                try session.each(sql, filter.binds) { try body(try Self.predictionInfo($0)) }
            }
        }
    }

    public func streamPredictions(_ query: PredictionQuery, models: ([StreamedModel]) throws -> Void,
                                  row: (StreamedPrediction) throws -> Void) throws {
        var filter = try PredictionFilter(query, alias: "p")
        let page = try filter.page(query)
        try transaction(readOnly: true, replayable: false) { session in
            var index: [Int64: Int] = [:]
            var announced: [StreamedModel] = []
            for r in try session.rows("SELECT id, name, version, labels FROM model ORDER BY id") {
                let (id, name, version, labels) = try r.decode((Int64, String, Int, [String]).self)
                index[id] = announced.count
                announced.append(StreamedModel(id: id, name: name, version: version, labels: labels))
            }
            try models(announced)
            if filter.matchesNothing { return }
            try session.each("""
                SELECT \(Self.predictionColumns) FROM prediction p JOIN model m ON m.id = p.model_id
                \(filter.sql) \(PredictionFilter.order(query, "p"))\(page)
                """, filter.binds) { r in
                let info = try Self.predictionInfo(r)
                guard let model = index[info.modelId] else { return }
                let probabilities = announced[model].labels.map { info.probabilities[$0] ?? .nan }
                var text = info.text, label = info.label, source = info.source, corrected = info.correctedLabel
                try text.withUTF8 { t in try label.withUTF8 { l in try source.withUTF8 { s in
                    try probabilities.withUnsafeBufferPointer { p in
                        func emit(_ c: UnsafeBufferPointer<UInt8>?) throws {
                            try row(StreamedPrediction(id: info.id, model: model, text: t, label: l, confidence: info.confidence,
                                                       probabilities: p, source: s, createdAt: info.createdAt.timeIntervalSince1970,
                                                       correctedLabel: c, correctedAt: info.correctedAt?.timeIntervalSince1970))
                        }
                        if corrected != nil { try corrected!.withUTF8 { try emit($0) } } else { try emit(nil) }
                    }
                }}}
            }
        }
    }

    public func countPredictions(_ query: PredictionQuery) throws -> Int {
        let filter = try PredictionFilter(query, alias: "prediction")
        if filter.matchesNothing { return 0 }
        let counters = try CounterFilter(query)
        return try transaction(readOnly: true) { session in
            if let counters, try counters.applies(session) {
                return try session.row("SELECT COALESCE(SUM(n), 0)::bigint FROM prediction_count \(counters.sql)", counters.binds)?
                    .decode(Int.self) ?? 0
            }
            return try session.row("SELECT COUNT(*) FROM prediction \(filter.sql)", filter.binds)?.decode(Int.self) ?? 0
        }
    }

    public func summary(_ query: PredictionQuery) throws -> PredictionSummary {
        let filter = try PredictionFilter(query, alias: "prediction")
        var total = 0, corrected = 0
        var byLabel: [String: Int] = [:], byModel: [String: Int] = [:], byCorrected: [String: Int] = [:]
        if !filter.matchesNothing {
            let counters = try CounterFilter(query)
            let rows = try transaction(readOnly: true) { session in
                if let counters, try counters.applies(session) {
                    return try session.rows("""
                        SELECT m.name || '@' || m.version, c.label, NULLIF(c.corrected_label, ''), c.n
                        FROM (SELECT model_id, label, corrected_label, SUM(n)::bigint AS n FROM prediction_count \(counters.sql)
                              GROUP BY model_id, label, corrected_label HAVING SUM(n) <> 0) c
                        JOIN model m ON m.id = c.model_id
                        """, counters.binds)
                }
                return try session.rows("""
                    SELECT m.name || '@' || m.version, c.label, c.corrected_label, c.n
                    FROM (SELECT model_id, label, corrected_label, COUNT(*) AS n FROM prediction \(filter.sql)
                          GROUP BY model_id, label, corrected_label) c
                    JOIN model m ON m.id = c.model_id
                    """, filter.binds)
            }
            for r in rows {
                let (model, label, correctedLabel, n) = try r.decode((String, String, String?, Int).self)
                total += n
                byLabel[label, default: 0] += n
                byModel[model, default: 0] += n
                if let c = correctedLabel {
                    corrected += n
                    byCorrected[c, default: 0] += n
                }
            }
        }
        return PredictionSummary(total: total, byLabel: byLabel, byModel: byModel, corrected: corrected,
                                 uncorrected: total - corrected, byCorrectedLabel: byCorrected)
    }

    public func dailyCounts(_ query: PredictionQuery) throws -> [DailyCount] {
        let filter = try PredictionFilter(query, alias: "prediction")
        if filter.matchesNothing { return [] }
        let counters = try CounterFilter(query)
        let rows = try transaction(readOnly: true) { session in
            if let counters, try counters.applies(session) {
                return try session.rows("""
                    SELECT to_char(date '1970-01-01' + day, 'YYYY-MM-DD'), label, SUM(n)::bigint
                    FROM prediction_count \(counters.sql) GROUP BY day, label HAVING SUM(n) <> 0 ORDER BY day
                    """, counters.binds)
            }
            return try session.rows("""
                SELECT to_char(to_timestamp(floor(created_at)) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, label, COUNT(*)
                FROM prediction \(filter.sql) GROUP BY day, label ORDER BY day
                """, filter.binds)
        }
        var days: [DailyCount] = []
        for r in rows {
            let (day, label, n) = try r.decode((String, String, Int).self)
            if days.last?.day != day { days.append(DailyCount(day: day, byLabel: [:])) }
            days[days.count - 1].byLabel[label, default: 0] += n
        }
        return days
    }

    public func prediction(id: Int64) throws -> PredictionInfo {
        try transaction(readOnly: true) { session in
            guard let row = try session.row("""
                SELECT \(Self.predictionColumns) FROM prediction p JOIN model m ON m.id = p.model_id WHERE p.id = $1
                """, binds(id)) else { throw StoreError.predictionNotFound(id) }
            return try Self.predictionInfo(row)
        }
    }

    public func latestPredictionId() throws -> Int64? {
        try transaction(readOnly: true) { session in try session.row("SELECT MAX(id) FROM prediction")?.decode(Int64?.self) }
    }

    public func correct(predictionId: Int64, label: String) throws {
        try transaction { session in
            guard let row = try session.row("SELECT m.labels FROM prediction p JOIN model m ON m.id = p.model_id WHERE p.id = $1",
                                            binds(predictionId)) else { throw StoreError.predictionNotFound(predictionId) }
            let labels = try row.decode([String].self)
            guard labels.contains(label) else {
                throw StoreError.invalidValue("label \"\(label)\" is not one of the model's labels (\(labels.joined(separator: ", ")))")
            }
            try session.execute("UPDATE prediction SET corrected_label = $1, corrected_at = $2 WHERE id = $3",
                                binds(label, Clock.seconds(Date()), predictionId))
        }
    }

    public func corrections(modelName: String?) throws -> [(text: String, label: String)] {
        try transaction(readOnly: true) { session in
            let rows: [PostgresRow]
            if let modelName {
                rows = try session.rows("""
                    SELECT text, corrected_label FROM prediction
                    WHERE corrected_label IS NOT NULL AND model_id IN (SELECT id FROM model WHERE name = $1)
                    ORDER BY corrected_at, id
                    """, binds(modelName))
            } else {
                rows = try session.rows("SELECT text, corrected_label FROM prediction WHERE corrected_label IS NOT NULL ORDER BY corrected_at, id")
            }
            return try rows.map { row in
                let (text, label) = try row.decode((String, String).self)
                return (text: text, label: label)
            }
        }
    }

    public func deletePredictions(_ query: PredictionQuery) throws -> Int {
        let filter = try PredictionFilter(query, alias: "prediction")
        if filter.matchesNothing { return 0 }
        return try transaction { session in try session.execute("DELETE FROM prediction \(filter.sql)", filter.binds) }
    }

    public func deletePredictions(ids: [Int64]) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try transaction { session in
            try session.execute("DELETE FROM prediction WHERE id = ANY($1::bigint[])", binds(Array(Set(ids)).sorted()))
        }
    }

    static func predictionInfo(_ row: PostgresRow) throws -> PredictionInfo {
        let (id, modelId, name, version, text, label, confidence, probabilities, source, createdAt, correctedLabel, correctedAt, labels) =
            try row.decode((Int64, Int64, String, Int, String, String, Double, [Float], String, Double, String?, Double?, [String]).self)
        var byLabel: [String: Double] = [:]
        // As the SQLite store reads them back: the Float32's shortest decimal form, read as a Double.
        for (l, p) in zip(labels, probabilities) { byLabel[l] = Double(p.description) ?? Double(p) }
        return PredictionInfo(id: id, modelId: modelId, modelName: name, modelVersion: version, text: text, label: label,
                              confidence: confidence, probabilities: byLabel, source: source, createdAt: Clock.date(createdAt),
                              correctedLabel: correctedLabel, correctedAt: correctedAt.map(Clock.date))
    }
}
