import ClassifierStore
import Foundation
import PostgresNIO
import StoreInterface

extension PostgresStore {
    static let corpusColumns = "id, name, source_path, format, sha256, row_count, label_counts, imported_at"

    public func importCorpus(_ corpus: NewCorpus, renamingIfTaken: Bool) throws -> CorpusInfo {
        try transaction { session in
            try PostgresCorpusImporter(session: session).importCorpus(corpus, renamingIfTaken: renamingIfTaken)
        }
    }

    /// The body reads the caller's documents: a connection lost after it started is not retried (they are gone).
    public func importCorpora<T>(_ body: (any CorpusImporting) throws -> T) throws -> T {
        try transaction(replayable: false) { session in try body(PostgresCorpusImporter(session: session)) }
    }

    public func corpora() throws -> [CorpusInfo] {
        try transaction(readOnly: true) { session in
            try session.rows("SELECT \(Self.corpusColumns) FROM corpus ORDER BY id").map(Self.corpusInfo)
        }
    }

    public func corpus(named name: String) throws -> CorpusInfo {
        try transaction(readOnly: true) { session in
            guard let row = try session.row("SELECT \(Self.corpusColumns) FROM corpus WHERE name = $1 ORDER BY id DESC LIMIT 1",
                                            binds(name)) else { throw StoreError.corpusNotFound(name) }
            return try Self.corpusInfo(row)
        }
    }

    public func corpus(id: Int64) throws -> CorpusInfo {
        try transaction(readOnly: true) { session in
            guard let row = try session.row("SELECT \(Self.corpusColumns) FROM corpus WHERE id = $1", binds(id)) else {
                throw StoreError.corpusNotFound("#\(id)")
            }
            return try Self.corpusInfo(row)
        }
    }

    public func documents(corpusId: Int64) throws -> [(text: String, label: String)] {
        try corpusDocuments(corpusId: corpusId).map { ($0.text, $0.label) }
    }

    public func corpusDocuments(corpusId: Int64) throws -> [CorpusDocument] {
        try transaction(readOnly: true) { session in
            guard try session.row("SELECT 1 FROM corpus WHERE id = $1", binds(corpusId)) != nil else {
                throw StoreError.corpusNotFound("#\(corpusId)")
            }
            var out: [CorpusDocument] = []
            try session.each("SELECT text, label, line FROM document WHERE corpus_id = $1 ORDER BY id", binds(corpusId)) { row in
                let (text, label, line) = try row.decode((String, String, Int).self)
                out.append(CorpusDocument(text: text, label: label, line: line))
            }
            return out
        }
    }

    public func deleteCorpus(id: Int64) throws {
        try transaction { session in
            let users = try session.rows("""
                SELECT model.name || '@' || model.version FROM model_corpus JOIN model ON model.id = model_corpus.model_id
                WHERE corpus_id = $1 ORDER BY model.id
                """, binds(id)).map { try $0.decode(String.self) }
            if !users.isEmpty {
                throw StoreError.invalidValue("corpus #\(id) was used to train \(users.joined(separator: ", ")); delete those models first")
            }
            if try session.execute("DELETE FROM corpus WHERE id = $1", binds(id)) == 0 { throw StoreError.corpusNotFound("#\(id)") }
        }
    }

    public func models(trainedOn corpusId: Int64) throws -> [ModelInfo] {
        try transaction(readOnly: true) { session in
            try session.rows("""
                SELECT \(Self.modelColumns.split(separator: ",").map { "model." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
                FROM model_corpus JOIN model ON model.id = model_corpus.model_id
                WHERE corpus_id = $1 AND model.status <> 'deleted' ORDER BY model.id
                """, binds(corpusId)).map(Self.modelInfo)
        }
    }

    static func corpusInfo(_ row: PostgresRow) throws -> CorpusInfo {
        let (id, name, sourcePath, format, sha256, rowCount, labelCounts, importedAt) =
            try row.decode((Int64, String, String, String, String, Int, String, Double).self)
        return CorpusInfo(id: id, name: name, sourcePath: sourcePath, format: format, sha256: sha256, rowCount: rowCount,
                          labelCounts: try JSONText.decode([String: Int].self, labelCounts, what: "label counts"),
                          importedAt: Clock.date(importedAt))
    }
}

/// Imports corpora inside one of `PostgresStore`'s transactions; documents go in with one multi-row INSERT per batch.
final class PostgresCorpusImporter: CorpusImporting {
    let session: Session

    init(session: Session) { self.session = session }

    func corpus(sha256: String) throws -> CorpusInfo? {
        try session.row("SELECT \(PostgresStore.corpusColumns) FROM corpus WHERE sha256 = $1", binds(sha256))
            .map(PostgresStore.corpusInfo)
    }

    func importCorpus(name: String, alternatives: [String], sourcePath: String, format: String, renamingIfTaken: Bool,
                      sha256: () throws -> String, documents next: () throws -> [CorpusDocument]?) throws -> CorpusInfo {
        guard !name.isEmpty else { throw StoreError.invalidValue("corpus name is empty") }
        let now = Clock.now()
        // A unique placeholder until the content's hash is known.
        guard let row = try session.row("""
            INSERT INTO corpus (name, source_path, format, sha256, row_count, label_counts, imported_at)
            VALUES ($1, $2, $3, 'pending:' || gen_random_uuid(), 0, '{}', $4) RETURNING id
            """, binds(name, Text.storable(sourcePath), Text.storable(format), Clock.seconds(now))) else {
            throw StoreError.invalidValue("corpus insert returned no id")
        }
        let id = try row.decode(Int64.self)
        var counts: [String: Int] = [:]
        var rows = 0
        while let batch = try next() {
            guard !batch.isEmpty else { continue }
            for d in batch { counts[d.label, default: 0] += 1 }
            try session.execute("""
                INSERT INTO document (corpus_id, line, text, label)
                SELECT $1, line, text, label FROM unnest($2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS d(line, text, label, n)
                ORDER BY n
                """, binds(id, batch.map { Int64($0.line) }, batch.map { Text.storable($0.text) }, batch.map { Text.storable($0.label) }))
            rows += batch.count
        }
        let hash = try sha256()
        // Another process importing the same content at the same time waits here for this one's hash.
        try session.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 1))", binds(hash))
        if let existing = try corpus(sha256: hash) {
            try session.execute("DELETE FROM corpus WHERE id = $1", binds(id))
            return existing
        }
        var stored = name
        if renamingIfTaken {
            let names = Set(try session.rows("SELECT name FROM corpus WHERE id <> $1", binds(id)).map { try $0.decode(String.self) })
            if names.contains(stored), let free = alternatives.first(where: { !$0.isEmpty && !names.contains($0) }) {
                stored = free
            }
            var k = 2
            while names.contains(stored) { stored = "\(name)-\(k)"; k += 1 }
        }
        try session.execute("UPDATE corpus SET name = $1, sha256 = $2, row_count = $3, label_counts = $4 WHERE id = $5",
                            binds(Text.storable(stored), hash, rows, JSONText.encode(counts), id))
        return CorpusInfo(id: id, name: stored, sourcePath: sourcePath, format: format, sha256: hash, rowCount: rows,
                          labelCounts: counts, importedAt: now)
    }
}

/// PostgreSQL text cannot hold NUL; SQLite's text ends at one, so both stores keep what precedes it.
enum Text {
    static func storable(_ s: String) -> String {
        guard s.utf8.contains(0) else { return s }
        return String(s.prefix { $0 != "\u{0}" })
    }
}
