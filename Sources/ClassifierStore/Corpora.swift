import Foundation
import StoreInterface
import GRDB
import GRDBSQLite

extension SentimentStore {
    /// Imports a corpus and its documents in one transaction. Content already imported (same `sha256`)
    /// is not duplicated: the existing corpus is returned.
    /// With `renamingIfTaken`, a new corpus whose name another corpus has gets `NAME-2`, `NAME-3`…
    public func importCorpus(_ corpus: NewCorpus, renamingIfTaken: Bool = false) throws -> CorpusInfo {
        try importCorpora { try $0.importCorpus(corpus, renamingIfTaken: renamingIfTaken) }
    }

    /// Runs `body` in one write transaction in which it imports corpora whose documents arrive in batches, so
    /// corpora of any size land together or not at all: an error thrown by `body` rolls every one back.
    public func importCorpora<T>(_ body: (any CorpusImporting) throws -> T) throws -> T {
        try write { db in try Self.withSmallPageCache(db) { try body(CorpusImportSession(db: db)) } }
    }
}

/// Imports corpora inside `SentimentStore.importCorpora(_:)`'s transaction.
public final class CorpusImportSession: CorpusImporting {
    private let db: Database

    init(db: Database) { self.db = db }

    /// The stored corpus with this content, if any (including those imported earlier in this transaction).
    public func corpus(sha256: String) throws -> CorpusInfo? {
        try Row.fetchOne(db, sql: "SELECT * FROM corpus WHERE sha256 = ?", arguments: [sha256]).map(SentimentStore.corpusInfo)
    }

    /// Imports one corpus: `documents` is called until it returns nil, then `sha256` gives the content's identity
    /// (so it can be computed while the documents stream). Content already stored, or imported earlier in this
    /// transaction, is not duplicated: its documents are deleted again and the stored corpus returned.
    /// With `renamingIfTaken`, a new corpus whose name another corpus has gets the first free name of
    /// `alternatives`, else `NAME-2`, `NAME-3`…
    public func importCorpus(name: String, alternatives: [String], sourcePath: String, format: String, renamingIfTaken: Bool,
                             sha256: () throws -> String,
                             documents: () throws -> [CorpusDocument]?) throws -> CorpusInfo {
        guard !name.isEmpty else { throw StoreError.invalidValue("corpus name is empty") }
        do {
            let now = Clock.now()
            // A unique placeholder until the content's hash is known.
            try db.execute(sql: """
                INSERT INTO corpus (name, sourcePath, format, sha256, rowCount, labelCounts, importedAt)
                VALUES (?, ?, ?, 'pending:' || hex(randomblob(16)), 0, '{}', ?)
                """, arguments: [name, sourcePath, format, Clock.seconds(now)])
            let id = db.lastInsertedRowID
            // Documents are appended in rowid order.
            let statement = try db.cachedStatement(
                sql: "INSERT INTO document (corpusId, line, text, label) VALUES (?, ?, ?, ?)")
            let stmt = statement.sqliteStatement
            defer { sqlite3_reset(stmt); sqlite3_clear_bindings(stmt) }
            sqlite3_bind_int64(stmt, 1, id)
            var counts: [String: Int] = [:]
            var rows = 0
            while let batch = try documents() {
                for d in batch {
                    counts[d.label, default: 0] += 1
                    var text = d.text, label = d.label
                    try text.withUTF8 { t in
                        try label.withUTF8 { l in
                            sqlite3_bind_int64(stmt, 2, Int64(d.line))
                            SQLiteBinding.text(stmt, 3, t)
                            SQLiteBinding.text(stmt, 4, l)
                            try SQLiteBinding.step(stmt, db)
                        }
                    }
                }
                rows += batch.count
            }
            let hash = try sha256()
            if let existing = try corpus(sha256: hash) {
                // Not a savepoint rollback: a savepoint keeps every page it touches in the sub-journal (memory).
                try db.execute(sql: "DELETE FROM document WHERE corpusId = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM corpus WHERE id = ?", arguments: [id])
                return existing
            }
            var stored = name
            if renamingIfTaken {
                let names = Set(try String.fetchAll(db, sql: "SELECT name FROM corpus WHERE id != ?", arguments: [id]))
                if names.contains(stored), let free = alternatives.first(where: { !$0.isEmpty && !names.contains($0) }) {
                    stored = free
                }
                var k = 2
                while names.contains(stored) { stored = "\(name)-\(k)"; k += 1 }
            }
            try db.execute(sql: "UPDATE corpus SET name = ?, sha256 = ?, rowCount = ?, labelCounts = ? WHERE id = ?",
                           arguments: [stored, hash, rows, JSONText.encode(counts), id])
            return CorpusInfo(id: id, name: stored, sourcePath: sourcePath, format: format, sha256: hash,
                              rowCount: rows, labelCounts: counts, importedAt: now)
        }
    }
}

extension SentimentStore {
    /// All corpora, oldest first.
    public func corpora() throws -> [CorpusInfo] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM corpus ORDER BY id").map(Self.corpusInfo)
        }
    }

    /// The most recently imported corpus named `name`.
    /// - Throws: `StoreError.corpusNotFound`.
    public func corpus(named name: String) throws -> CorpusInfo {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM corpus WHERE name = ? ORDER BY id DESC LIMIT 1",
                                             arguments: [name]) else { throw StoreError.corpusNotFound(name) }
            return try Self.corpusInfo(row)
        }
    }

    /// The corpus with database id `id`.
    /// - Throws: `StoreError.corpusNotFound`.
    public func corpus(id: Int64) throws -> CorpusInfo {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM corpus WHERE id = ?", arguments: [id]) else {
                throw StoreError.corpusNotFound("#\(id)")
            }
            return try Self.corpusInfo(row)
        }
    }

    /// The corpus's documents in import order.
    public func documents(corpusId: Int64) throws -> [(text: String, label: String)] {
        try corpusDocuments(corpusId: corpusId).map { ($0.text, $0.label) }
    }

    /// The corpus's documents in import order, with their source lines.
    /// - Throws: `StoreError.corpusNotFound`.
    public func corpusDocuments(corpusId: Int64) throws -> [CorpusDocument] {
        try read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM corpus WHERE id = ?", arguments: [corpusId]) != nil else {
                throw StoreError.corpusNotFound("#\(corpusId)")
            }
            var out: [CorpusDocument] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT text, label, line FROM document WHERE corpusId = ? ORDER BY id",
                                           arguments: [corpusId])
            while let row = try rows.next() {
                out.append(CorpusDocument(text: row[0], label: row[1], line: row[2]))
            }
            return out
        }
    }

    /// Deletes a corpus and its documents. Refused while a model links to it (lineage must stay reproducible).
    public func deleteCorpus(id: Int64) throws {
        try write { db in
            let users = try String.fetchAll(db, sql: """
                SELECT model.name || '@' || model.version FROM model_corpus JOIN model ON model.id = model_corpus.modelId
                WHERE corpusId = ? ORDER BY model.id
                """, arguments: [id])
            if !users.isEmpty {
                throw StoreError.invalidValue("corpus #\(id) was used to train \(users.joined(separator: ", ")); delete those models first")
            }
            try db.execute(sql: "DELETE FROM corpus WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.corpusNotFound("#\(id)") }
        }
    }

    /// The models (not deleted) trained on the corpus, oldest first.
    public func models(trainedOn corpusId: Int64) throws -> [ModelInfo] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT model.* FROM model_corpus JOIN model ON model.id = model_corpus.modelId
                WHERE corpusId = ? AND model.status <> 'deleted' ORDER BY model.id
                """, arguments: [corpusId]).map(Self.modelInfo)
        }
    }

    static func corpusInfo(_ row: Row) throws -> CorpusInfo {
        CorpusInfo(id: try row.value("id", table: "corpus"), name: try row.value("name", table: "corpus"), sourcePath: try row.value("sourcePath", table: "corpus"), format: try row.value("format", table: "corpus"),
                   sha256: try row.value("sha256", table: "corpus"), rowCount: try row.value("rowCount", table: "corpus"),
                   labelCounts: try JSONText.decode([String: Int].self, try row.value("labelCounts", table: "corpus"), what: "label counts"),
                   importedAt: Clock.date(try row.value("importedAt", table: "corpus")))
    }
}
