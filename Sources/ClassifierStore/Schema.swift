import StoreInterface
import GRDB

/// The store's schema, built by GRDB's `DatabaseMigrator`.
///
/// Rules: one migration per schema change, named "v1", "v2", …; a migration is never edited once it has
/// landed. Each migration sets `PRAGMA user_version` to its number, so a store written by a newer version
/// (user_version greater than `Schema.version`, or unknown migration identifiers) is refused.
enum Schema {
    /// `PRAGMA application_id` of a sentiment store ("SNTM").
    static let applicationID: Int32 = 0x534E_544D
    /// Highest schema version this build knows.
    static var version: Int { migrationCount }
    private static let migrationCount = 4

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                PRAGMA application_id = \(applicationID);
                PRAGMA user_version = 1;

                CREATE TABLE corpus (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    sourcePath TEXT NOT NULL,
                    format TEXT NOT NULL,
                    sha256 TEXT NOT NULL UNIQUE,
                    rowCount INTEGER NOT NULL,
                    labelCounts TEXT NOT NULL,
                    importedAt REAL NOT NULL
                );
                CREATE INDEX corpus_name ON corpus(name);

                CREATE TABLE document (
                    id INTEGER PRIMARY KEY,
                    corpusId INTEGER NOT NULL REFERENCES corpus(id) ON DELETE CASCADE,
                    line INTEGER NOT NULL,
                    text TEXT NOT NULL,
                    label TEXT NOT NULL
                );
                CREATE INDEX document_corpus ON document(corpusId);

                CREATE TABLE model (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    createdAt REAL NOT NULL,
                    parentId INTEGER REFERENCES model(id) ON DELETE SET NULL,
                    labels TEXT NOT NULL,
                    featureConfig TEXT NOT NULL,
                    hyperparameters TEXT NOT NULL,
                    tuning TEXT,
                    metrics TEXT,
                    temperature REAL NOT NULL,
                    -- 'deleted' rows are tombstones (payloads removed) kept so predictions keep their model's name,
                    -- version and labels, and versions are never reused.
                    status TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'archived', 'deleted')),
                    checksum TEXT NOT NULL,
                    UNIQUE (name, version)
                );
                -- At most one active model per store (the default when no model is named).
                CREATE UNIQUE INDEX model_single_active ON model(status) WHERE status = 'active';
                CREATE INDEX model_parent ON model(parentId);

                -- Everything needed to predict: tensors (Float32 LE) and string lists (vocabulary).
                CREATE TABLE model_payload (
                    modelId INTEGER NOT NULL REFERENCES model(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('float32', 'strings')),
                    shape TEXT NOT NULL,
                    data BLOB NOT NULL,
                    PRIMARY KEY (modelId, name)
                ) WITHOUT ROWID;

                CREATE TABLE model_corpus (
                    modelId INTEGER NOT NULL REFERENCES model(id) ON DELETE CASCADE,
                    corpusId INTEGER NOT NULL REFERENCES corpus(id) ON DELETE RESTRICT,
                    PRIMARY KEY (modelId, corpusId)
                ) WITHOUT ROWID;
                CREATE INDEX model_corpus_corpus ON model_corpus(corpusId);

                CREATE TABLE training_run (
                    id INTEGER PRIMARY KEY,
                    modelId INTEGER NOT NULL REFERENCES model(id) ON DELETE CASCADE,
                    startedAt REAL NOT NULL,
                    finishedAt REAL NOT NULL,
                    durationSeconds REAL NOT NULL,
                    iterations INTEGER NOT NULL,
                    finalLoss REAL NOT NULL,
                    crossValidation TEXT
                );
                CREATE INDEX training_run_model ON training_run(modelId);

                CREATE TABLE evaluation (
                    id INTEGER PRIMARY KEY,
                    modelId INTEGER NOT NULL REFERENCES model(id) ON DELETE CASCADE,
                    corpusId INTEGER REFERENCES corpus(id) ON DELETE SET NULL,
                    metrics TEXT NOT NULL,
                    confusionMatrix TEXT NOT NULL,
                    createdAt REAL NOT NULL
                );
                CREATE INDEX evaluation_model ON evaluation(modelId);
                CREATE INDEX evaluation_corpus ON evaluation(corpusId);

                -- modelId has no FOREIGN KEY clause on purpose (the per-row parent check costs ~7% of bulk-insert
                -- speed): the store checks it before inserting and never deletes model rows (tombstones).
                CREATE TABLE prediction (
                    id INTEGER PRIMARY KEY,
                    modelId INTEGER NOT NULL,
                    text TEXT NOT NULL,
                    label TEXT NOT NULL,
                    confidence REAL NOT NULL,
                    probabilities TEXT NOT NULL,
                    source TEXT NOT NULL,
                    createdAt REAL NOT NULL,
                    correctedLabel TEXT,
                    correctedAt REAL
                );
                -- Few indexes on purpose, each costs ~10-25% of bulk-insert speed (measured). Listing is by id
                -- (insertion order = newest first) and stops at LIMIT; label (3 values), confidence and time filters
                -- scan, which is cheap next to the index cost on every insert.
                CREATE INDEX prediction_model ON prediction(modelId);
                CREATE INDEX prediction_corrected ON prediction(correctedLabel) WHERE correctedLabel IS NOT NULL;

                -- External-content FTS5 index over prediction.text. Inserts are indexed by the store in bulk, in the
                -- same transaction (INSERT … SELECT over the batch's id range): a per-row trigger is ~4x slower.
                -- Deletes and text updates are kept in sync by triggers.
                CREATE VIRTUAL TABLE prediction_fts USING fts5(
                    text, content='prediction', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
                );
                -- Merge segments less eagerly while bulk inserting (measured ~+15% insert speed).
                INSERT INTO prediction_fts(prediction_fts, rank) VALUES ('automerge', 16);
                CREATE TRIGGER prediction_fts_delete AFTER DELETE ON prediction BEGIN
                    INSERT INTO prediction_fts(prediction_fts, rowid, text) VALUES ('delete', old.id, old.text);
                END;
                CREATE TRIGGER prediction_fts_update AFTER UPDATE OF text ON prediction BEGIN
                    INSERT INTO prediction_fts(prediction_fts, rowid, text) VALUES ('delete', old.id, old.text);
                    INSERT INTO prediction_fts(rowid, text) VALUES (new.id, new.text);
                END;
                """)
        }
        m.registerMigration("v2") { db in
            // The full-text index without its per-row size table (`columnsize=0`): one B-tree insert less for every
            // stored prediction (~13% less CPU per stored headline, measured). Sizes only serve ranking (bm25), which the
            // store does not use; search syntax and results are unchanged. Existing texts are indexed again.
            try db.execute(sql: """
                PRAGMA user_version = 2;

                DROP TRIGGER prediction_fts_delete;
                DROP TRIGGER prediction_fts_update;
                DROP TABLE prediction_fts;
                CREATE VIRTUAL TABLE prediction_fts USING fts5(
                    text, content='prediction', content_rowid='id', tokenize='unicode61 remove_diacritics 2',
                    columnsize=0
                );
                INSERT INTO prediction_fts(prediction_fts, rank) VALUES ('automerge', 16);
                INSERT INTO prediction_fts(prediction_fts, rank) VALUES ('hashsize', 8388608);
                INSERT INTO prediction_fts(prediction_fts) VALUES ('rebuild');
                CREATE TRIGGER prediction_fts_delete AFTER DELETE ON prediction BEGIN
                    INSERT INTO prediction_fts(prediction_fts, rowid, text) VALUES ('delete', old.id, old.text);
                END;
                CREATE TRIGGER prediction_fts_update AFTER UPDATE OF text ON prediction BEGIN
                    INSERT INTO prediction_fts(prediction_fts, rowid, text) VALUES ('delete', old.id, old.text);
                    INSERT INTO prediction_fts(rowid, text) VALUES (new.id, new.text);
                END;
                """)
        }
        m.registerMigration("v3") { db in
            // Filters on label and confidence, lowest-confidence-first pages, counts and summaries scanned the whole
            // prediction table (100–335 ms at 1M predictions), and an index on (label, confidence) halved bulk-insert
            // speed. v3 keeps a columnar copy of id, confidence and label in blocks (see `PredictionBlocks`), written by
            // the store with every insert and delete, built here for the predictions already stored.
            // The blocks also answer every query by model (pages, counts, summaries), so the index on modelId goes:
            // bulk inserts without it are ~20% faster (measured: 239–255k → 287–311k rows/s). What still filters by
            // model in SQL (streaming exports, deleting a model's predictions) reads the whole table anyway.
            try db.execute(sql: """
                PRAGMA user_version = 3;
                DROP INDEX prediction_model;

                CREATE TABLE prediction_block (
                    id INTEGER PRIMARY KEY,
                    modelId INTEGER NOT NULL,
                    firstId INTEGER NOT NULL,
                    lastId INTEGER NOT NULL,
                    -- JSON array: the label codes of `data` index it.
                    labels TEXT NOT NULL,
                    -- n × Int64 id, n × Float64 confidence, n × UInt16 label code, little-endian.
                    data BLOB NOT NULL
                );
                """)
            // The blocks are built by v4 (in its layout), which always follows.
        }
        m.registerMigration("v4") { db in
            // Lowest-confidence pages still read every block's rows, and daily counts scanned the whole table.
            // v4 blocks carry each row's creation time and the rows' order by confidence, so a confidence-ordered page reads the head of each block and
            // daily counts and date filters read blocks; `tag` (new on every write) keys the in-memory block cache of
            // long-running processes, and the creation-time bounds let date filters skip whole blocks.
            // `data` stays the last column: SQLite reads a row's columns in order, so a column after a large BLOB
            // would make every read of the block list walk the BLOB's overflow pages.
            try db.execute(sql: """
                PRAGMA user_version = 4;
                DROP TABLE prediction_block;
                CREATE TABLE prediction_block (
                    id INTEGER PRIMARY KEY,
                    modelId INTEGER NOT NULL,
                    firstId INTEGER NOT NULL,
                    lastId INTEGER NOT NULL,
                    -- JSON array: the label codes of `data` index it.
                    labels TEXT NOT NULL,
                    -- Random, new on every write of the block.
                    tag INTEGER NOT NULL,
                    minCreatedAt REAL NOT NULL,
                    maxCreatedAt REAL NOT NULL,
                    -- n × Int64 id, n × Float64 confidence, n × Float64 createdAt, n × UInt16 label code,
                    -- n × UInt16 row index in (confidence, id) order; little-endian.
                    data BLOB NOT NULL
                );
                """)
            try PredictionBlocks.rebuild(db)
        }
        // Next: m.registerMigration("v5") { db in …; PRAGMA user_version = 5 } and bump migrationCount.
        return m
    }
}
