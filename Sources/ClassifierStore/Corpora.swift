import Foundation
import GRDB
import GRDBSQLite

/// One labeled document of a corpus, with its line in the source file.
public struct CorpusDocument: Equatable, Sendable {
    public var text: String
    public var label: String
    public var line: Int
    public init(text: String, label: String, line: Int) {
        self.text = text
        self.label = label
        self.line = line
    }
}

/// A corpus to import: its description and documents. `sha256` is the hex SHA-256 of the file content.
public struct NewCorpus: Sendable {
    public var name: String
    public var sourcePath: String
    public var format: String
    public var sha256: String
    public var documents: [CorpusDocument]
    public init(name: String, sourcePath: String, format: String, sha256: String, documents: [CorpusDocument]) {
        self.name = name
        self.sourcePath = sourcePath
        self.format = format
        self.sha256 = sha256
        self.documents = documents
    }
}

/// A stored corpus (without its documents).
public struct CorpusInfo: Equatable, Sendable {
    public var id: Int64
    public var name: String
    public var sourcePath: String
    public var format: String
    public var sha256: String
    public var rowCount: Int
    /// Documents per label.
    public var labelCounts: [String: Int]
    public var importedAt: Date
}

/// A corpus to import without its documents in memory (see `SentimentStore.importCorpus(_:documents:)`).
public struct CorpusHeader: Sendable {
    public var name: String
    public var sourcePath: String
    public var format: String
    /// Hex SHA-256 identifying the content (the caller's definition; `NewCorpus` documents how the CLI hashes).
    public var sha256: String
    public init(name: String, sourcePath: String, format: String, sha256: String) {
        self.name = name
        self.sourcePath = sourcePath
        self.format = format
        self.sha256 = sha256
    }
}

extension SentimentStore {
    /// Imports a corpus and its documents in one transaction. Content already imported (same `sha256`)
    /// is not duplicated: the existing corpus is returned.
    public func importCorpus(_ corpus: NewCorpus) throws -> CorpusInfo {
        var sent = false
        return try importCorpus(CorpusHeader(name: corpus.name, sourcePath: corpus.sourcePath, format: corpus.format,
                                             sha256: corpus.sha256)) {
            defer { sent = true }
            return sent ? nil : corpus.documents
        }
    }

    /// Imports a corpus whose documents arrive in batches: `documents` is called until it returns nil, inside one
    /// transaction, so a corpus of any size lands whole or not at all (an error thrown by `documents` rolls it
    /// back). When content with `header.sha256` is already stored, `documents` is not called and the stored
    /// corpus is returned.
    public func importCorpus(_ header: CorpusHeader, documents: () throws -> [CorpusDocument]?) throws -> CorpusInfo {
        guard !header.name.isEmpty else { throw StoreError.invalidValue("corpus name is empty") }
        return try write { db in
            if let existing = try Row.fetchOne(db, sql: "SELECT * FROM corpus WHERE sha256 = ?",
                                               arguments: [header.sha256]) {
                return try Self.corpusInfo(existing)
            }
            let now = Clock.now()
            try db.execute(sql: """
                INSERT INTO corpus (name, sourcePath, format, sha256, rowCount, labelCounts, importedAt)
                VALUES (?, ?, ?, ?, 0, '{}', ?)
                """, arguments: [header.name, header.sourcePath, header.format, header.sha256, Clock.seconds(now)])
            let id = db.lastInsertedRowID
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
            try db.execute(sql: "UPDATE corpus SET rowCount = ?, labelCounts = ? WHERE id = ?",
                           arguments: [rows, JSONText.encode(counts), id])
            return CorpusInfo(id: id, name: header.name, sourcePath: header.sourcePath, format: header.format,
                              sha256: header.sha256, rowCount: rows, labelCounts: counts, importedAt: now)
        }
    }

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

    static func corpusInfo(_ row: Row) throws -> CorpusInfo {
        CorpusInfo(id: row["id"], name: row["name"], sourcePath: row["sourcePath"], format: row["format"],
                   sha256: row["sha256"], rowCount: row["rowCount"],
                   labelCounts: try JSONText.decode([String: Int].self, row["labelCounts"], what: "label counts"),
                   importedAt: Clock.date(row["importedAt"]))
    }
}
