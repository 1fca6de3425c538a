import Foundation
import PostgresNIO
import StoreInterface

/// The PostgreSQL schema and its migrations. `sentiment_schema` holds the version; a database with a higher one
/// (written by a newer build) is refused. Migrations run in one transaction under an advisory lock, so several
/// processes opening a new database at once migrate it once.
enum PostgresSchema {
    /// Key of the advisory lock taken while migrating (any fixed number; "SNTM").
    static let migrationLock: Int64 = 0x534E_544D
    /// Key of the advisory lock that orders prediction inserts (see `Predictions.swift`).
    static let predictionLock: Int64 = 0x534E_544E
    /// Key of the advisory lock under which the active model changes (see `Models.swift`).
    static let statusLock: Int64 = 0x534E_544F

    static var version: Int { migrations.count }

    /// Migration `i` takes the schema from version `i` to `i + 1`.
    static let migrations: [String] = [
        """
        CREATE TABLE sentiment_schema (version integer NOT NULL);
        INSERT INTO sentiment_schema (version) VALUES (0);

        CREATE TABLE corpus (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL,
            source_path text NOT NULL,
            format text NOT NULL,
            sha256 text NOT NULL UNIQUE,
            row_count bigint NOT NULL,
            label_counts text NOT NULL,
            imported_at double precision NOT NULL
        );
        CREATE INDEX corpus_name ON corpus (name);

        CREATE TABLE document (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            corpus_id bigint NOT NULL REFERENCES corpus (id) ON DELETE CASCADE,
            line bigint NOT NULL,
            text text NOT NULL,
            label text NOT NULL
        );
        CREATE INDEX document_corpus ON document (corpus_id, id);

        -- 'deleted' rows are tombstones (payloads removed) kept so predictions keep their model's name, version and
        -- labels, and versions are never reused.
        CREATE TABLE model (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name text NOT NULL,
            version integer NOT NULL CHECK (version > 0),
            created_at double precision NOT NULL,
            parent_id bigint REFERENCES model (id) ON DELETE SET NULL,
            labels text[] NOT NULL,
            feature_config text NOT NULL,
            hyperparameters text NOT NULL,
            tuning text,
            metrics text,
            temperature double precision NOT NULL,
            status text NOT NULL CHECK (status IN ('active', 'inactive', 'archived', 'deleted')),
            checksum text NOT NULL,
            UNIQUE (name, version)
        );
        -- At most one active model per store.
        CREATE UNIQUE INDEX model_single_active ON model (status) WHERE status = 'active';

        CREATE TABLE model_payload (
            model_id bigint NOT NULL REFERENCES model (id) ON DELETE CASCADE,
            name text NOT NULL,
            kind text NOT NULL CHECK (kind IN ('float32', 'strings')),
            shape text NOT NULL,
            data bytea NOT NULL,
            PRIMARY KEY (model_id, name)
        );

        CREATE TABLE model_corpus (
            model_id bigint NOT NULL REFERENCES model (id) ON DELETE CASCADE,
            corpus_id bigint NOT NULL REFERENCES corpus (id) ON DELETE RESTRICT,
            PRIMARY KEY (model_id, corpus_id)
        );
        CREATE INDEX model_corpus_corpus ON model_corpus (corpus_id);

        CREATE TABLE training_run (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            model_id bigint NOT NULL REFERENCES model (id) ON DELETE CASCADE,
            started_at double precision NOT NULL,
            finished_at double precision NOT NULL,
            duration_seconds double precision NOT NULL,
            iterations bigint NOT NULL,
            final_loss double precision NOT NULL,
            cross_validation text
        );
        CREATE INDEX training_run_model ON training_run (model_id);

        CREATE TABLE evaluation (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            model_id bigint NOT NULL REFERENCES model (id) ON DELETE CASCADE,
            corpus_id bigint REFERENCES corpus (id) ON DELETE SET NULL,
            metrics text NOT NULL,
            confusion_matrix text NOT NULL,
            created_at double precision NOT NULL
        );
        CREATE INDEX evaluation_model ON evaluation (model_id);

        -- probabilities: one per label of the model, in its order (Float32, as the SQLite store keeps them).
        -- words: the text's words as the SQLite store's full-text index splits them (see SearchWords), for `search`.
        CREATE TABLE prediction (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            model_id bigint NOT NULL REFERENCES model (id),
            text text NOT NULL,
            label text NOT NULL,
            confidence double precision NOT NULL,
            probabilities real[] NOT NULL,
            source text NOT NULL,
            created_at double precision NOT NULL,
            corrected_label text,
            corrected_at double precision,
            words tsvector NOT NULL
        );
        CREATE INDEX prediction_model ON prediction (model_id, id);
        CREATE INDEX prediction_corrected ON prediction (corrected_at, id) WHERE corrected_label IS NOT NULL;
        CREATE INDEX prediction_words ON prediction USING gin (words);
        """,
        // v2: counts, summaries and daily counts scanned the prediction table (107–678 ms p99 at 1,000,000
        // predictions). `prediction_count` keeps the number of predictions per model, label, corrected label ('' for
        // none) and UTC day (days since 1970), kept by statement-level triggers in the same transaction as every
        // insert, delete and correction (one grouped upsert per statement, in key order so concurrent writers lock
        // counter rows in one order). Groups whose count fell to 0 stay until `store optimize`. Queries filtered only
        // by model, label, correction and whole UTC days read it (see `PredictionCounts`). Function bodies keep
        // each statement on one line: the migration is split into statements at a semicolon ending a line.
        """
        LOCK TABLE prediction IN SHARE ROW EXCLUSIVE MODE;
        CREATE TABLE prediction_count (
            model_id bigint NOT NULL,
            label text NOT NULL,
            corrected_label text NOT NULL,
            day integer NOT NULL,
            n bigint NOT NULL,
            PRIMARY KEY (model_id, label, corrected_label, day)
        );
        INSERT INTO prediction_count (model_id, label, corrected_label, day, n)
        SELECT model_id, label, COALESCE(corrected_label, ''), floor(created_at / 86400)::integer, COUNT(*)
        FROM prediction GROUP BY 1, 2, 3, 4;
        CREATE FUNCTION prediction_count_add() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO prediction_count AS c (model_id, label, corrected_label, day, n) SELECT model_id, label, COALESCE(corrected_label, ''), floor(created_at / 86400)::integer, COUNT(*) FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4 ON CONFLICT (model_id, label, corrected_label, day) DO UPDATE SET n = c.n + EXCLUDED.n; RETURN NULL; END $$;
        CREATE FUNCTION prediction_count_remove() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO prediction_count AS c (model_id, label, corrected_label, day, n) SELECT model_id, label, COALESCE(corrected_label, ''), floor(created_at / 86400)::integer, -COUNT(*) FROM old_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4 ON CONFLICT (model_id, label, corrected_label, day) DO UPDATE SET n = c.n + EXCLUDED.n; RETURN NULL; END $$;
        CREATE FUNCTION prediction_count_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO prediction_count AS c (model_id, label, corrected_label, day, n) SELECT model_id, label, corrected_label, day, SUM(n) FROM (SELECT model_id, label, COALESCE(corrected_label, '') AS corrected_label, floor(created_at / 86400)::integer AS day, 1 AS n FROM new_rows UNION ALL SELECT model_id, label, COALESCE(corrected_label, ''), floor(created_at / 86400)::integer, -1 FROM old_rows) d GROUP BY 1, 2, 3, 4 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4 ON CONFLICT (model_id, label, corrected_label, day) DO UPDATE SET n = c.n + EXCLUDED.n; RETURN NULL; END $$;
        CREATE TRIGGER prediction_count_insert AFTER INSERT ON prediction REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION prediction_count_add();
        CREATE TRIGGER prediction_count_delete AFTER DELETE ON prediction REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION prediction_count_remove();
        CREATE TRIGGER prediction_count_update AFTER UPDATE ON prediction REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION prediction_count_change();
        """,
        // v3: bulk inserts spent ~10% of the server's time checking prediction.model_id against model row by row:
        // model rows are never deleted (a deleted model is a tombstone) and the store checks the model before
        // inserting, as the SQLite store does, so the foreign key goes. (A 64 MB pending list for the search index
        // made bulk inserts faster, 36–40k vs 33k rows/s, but the insert that merges it held every writer for
        // 0.5–1.1 s: `serve`'s p99 went from 44 ms to that; the index keeps PostgreSQL's 4 MB.)
        """
        ALTER TABLE prediction DROP CONSTRAINT IF EXISTS prediction_model_id_fkey;
        """,
        // v4: a phrase of common short words (`"the of and the"`, 52 rows of 1,000,000) took 400–500 ms: the index
        // returned every row holding all its words, each then checked for the phrase. Rows now also hold a lexeme
        // per pair of adjacent short tokens (`'the of'`, see `SearchWords.pair`), which phrase searches ask for too;
        // here they are added to the rows stored before, from the positions kept in `words` (the counters' update
        // trigger is off meanwhile: no counted column changes), and the index's pending list is merged at the end.
        """
        LOCK TABLE prediction IN SHARE ROW EXCLUSIVE MODE;
        ALTER TABLE prediction DISABLE TRIGGER prediction_count_update;
        UPDATE prediction p SET words = p.words || x.pairs
        FROM (SELECT q.id, array_to_tsvector(array_agg(DISTINCT a.lexeme || ' ' || b.lexeme)) AS pairs
              FROM prediction q, unnest(q.words) a, unnest(q.words) b
              WHERE length(a.lexeme) <= 3 AND length(b.lexeme) <= 3
                AND EXISTS (SELECT 1 FROM unnest(a.positions) pa, unnest(b.positions) pb WHERE pb = pa + 1)
              GROUP BY q.id) x
        WHERE x.id = p.id;
        ALTER TABLE prediction ENABLE TRIGGER prediction_count_update;
        SELECT gin_clean_pending_list('prediction_words'::regclass);
        """,
    ]

    /// Brings the database to `version`, refusing one written by a newer build or used by another application.
    /// Returns whether the schema was created (the database had none).
    @discardableResult
    static func prepare(_ session: Session, path: String) throws -> Bool {
        try session.execute("SELECT pg_advisory_xact_lock($1)", binds(migrationLock))
        guard let probe = try session.row("SELECT to_regclass('sentiment_schema') IS NOT NULL, to_regclass('model') IS NOT NULL") else { return false }
        let (hasSchema, hasModel) = try probe.decode((Bool, Bool).self)
        var current = 0
        if hasSchema {
            current = try session.row("SELECT version FROM sentiment_schema")?.decode(Int.self) ?? 0
        } else if hasModel {
            throw StoreError.cannotOpen(path: path, reason: "the database has a table \"model\" but no sentiment_schema: it belongs to another application")
        }
        if current > version {
            throw StoreError.newerVersion(path: path, detail: "schema version \(current), this build knows up to \(version)")
        }
        for i in current..<version {
            try session.script(migrations[i])
            try session.execute("UPDATE sentiment_schema SET version = $1", binds(i + 1))
        }
        return current == 0
    }
}
