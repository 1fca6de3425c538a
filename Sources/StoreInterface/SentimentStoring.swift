import Foundation

/// What the application layer needs of a store: corpora, models with their payloads, training runs, evaluations
/// and predictions. A backend (SQLite, embedded; PostgreSQL, shared) implements it with its own schema and
/// migrations; nothing here names a database type. Every method is one transaction (all or nothing) and may be
/// called from several threads.
///
/// Decisions every backend keeps: at most one active model; versions per name are assigned by the store inside
/// the write transaction and never reused; deleting a model keeps its predictions unless asked; corpora are
/// deduplicated by the SHA-256 of their content; "newest first" is insertion order.
public protocol SentimentStoring: AnyObject, Sendable, StoreCopying {
    /// Where the store is, for messages (a path or a URL without its password).
    var path: String { get }
    /// The files the store keeps on this machine (never written over by exports); empty for a server.
    var files: [String] { get }

    // Models
    func saveModel(_ model: NewModel) throws -> ModelInfo
    /// Imports `corpora` (deduplicated by content) and saves the model trained on them, their ids added to its
    /// corpora, in one transaction: both or neither.
    func saveModel(_ model: NewModel, importing corpora: [NewCorpus]) throws -> (model: ModelInfo, corpora: [CorpusInfo])
    func models() throws -> [ModelInfo]
    func loadModel(name: String, version: Int?) throws -> StoredModel
    func loadActiveModel() throws -> StoredModel?
    func activeModel() throws -> ModelInfo?
    func modelInfo(name: String, version: Int?) throws -> ModelInfo
    func modelInfo(id: Int64) throws -> ModelInfo
    func activate(name: String, version: Int?) throws -> ModelInfo
    func archive(name: String, version: Int?) throws -> ModelInfo
    /// Returns the number of predictions deleted with it.
    func delete(name: String, version: Int?, deletePredictions: Bool) throws -> Int
    /// The portable model file's bytes (checksum verified).
    func exportData(name: String, version: Int?) throws -> [UInt8]
    /// Adds a model from portable bytes (`source` names them in errors) once `accept` has seen it decoded;
    /// nothing is stored when `accept` throws. Identical content under the same name is not added twice.
    func importModel(data: [UInt8], source: String, accept: (StoredModel) throws -> Void) throws -> ModelInfo

    // Corpora
    func importCorpus(_ corpus: NewCorpus, renamingIfTaken: Bool) throws -> CorpusInfo
    /// Imports corpora whose documents arrive in batches, in one transaction: an error thrown by `body` rolls
    /// every one back.
    func importCorpora<T>(_ body: (any CorpusImporting) throws -> T) throws -> T
    func corpora() throws -> [CorpusInfo]
    func corpus(named name: String) throws -> CorpusInfo
    func corpus(id: Int64) throws -> CorpusInfo
    func documents(corpusId: Int64) throws -> [(text: String, label: String)]
    func corpusDocuments(corpusId: Int64) throws -> [CorpusDocument]
    /// Deletes a corpus and its documents; refused (`StoreError.invalidValue`) while a model was trained on it.
    func deleteCorpus(id: Int64) throws
    /// The models (not deleted) trained on the corpus, oldest first.
    func models(trainedOn corpusId: Int64) throws -> [ModelInfo]

    // Evaluations
    func saveEvaluation(_ evaluation: NewEvaluation) throws -> EvaluationInfo
    func evaluations(modelId: Int64) throws -> [EvaluationInfo]

    // Predictions
    /// Stores a batch in one transaction; the new ids in order.
    func insertPredictions(_ columns: PredictionColumns) throws -> [Int64]
    func forEachPrediction(_ query: PredictionQuery, _ body: (PredictionInfo) throws -> Void) throws
    /// The predictions matching `query` in order, from one read snapshot, read in place (for exports of millions
    /// of rows): first `models` with every model a row may name (`StreamedPrediction.model` indexes it), then
    /// `row` for each prediction.
    func streamPredictions(_ query: PredictionQuery, models: ([StreamedModel]) throws -> Void,
                           row: (StreamedPrediction) throws -> Void) throws
    func predictions(_ query: PredictionQuery) throws -> [PredictionInfo]
    func countPredictions(_ query: PredictionQuery) throws -> Int
    func summary(_ query: PredictionQuery) throws -> PredictionSummary
    /// Predictions matching `query` per UTC day and predicted label, oldest day first (days without any left out).
    func dailyCounts(_ query: PredictionQuery) throws -> [DailyCount]
    func prediction(id: Int64) throws -> PredictionInfo
    /// The highest prediction id stored so far (nil: none).
    func latestPredictionId() throws -> Int64?
    func correct(predictionId: Int64, label: String) throws
    func corrections(modelName: String?) throws -> [(text: String, label: String)]
    func deletePredictions(_ query: PredictionQuery) throws -> Int
    /// Deletes the predictions with these ids (ids not stored are ignored); returns how many were deleted.
    func deletePredictions(ids: [Int64]) throws -> Int
    /// Runs many `insertPredictions` in a row (a backend may arrange its housekeeping around them).
    func withBulkWrites<T>(_ body: () throws -> T) throws -> T

    // Maintenance
    func statistics() throws -> StoreStatistics
    /// Problems found (empty: consistent).
    func verify() throws -> [String]
    func optimize() throws
    /// Releases the store (a long-running front end, at its end); later calls fail.
    func close() throws
}

/// Imports corpora inside `SentimentStoring.importCorpora(_:)`'s transaction.
public protocol CorpusImporting {
    /// The corpus already stored with this content hash.
    func corpus(sha256: String) throws -> CorpusInfo?
    /// Imports one corpus whose documents `next` returns in batches (nil at the end); `sha256` is asked for once
    /// they are all read. Content already stored is not duplicated. With `renamingIfTaken`, a name other content
    /// has is replaced by the first free one of `alternatives`, else `NAME-2`, `NAME-3`…
    func importCorpus(name: String, alternatives: [String], sourcePath: String, format: String, renamingIfTaken: Bool,
                      sha256: () throws -> String, documents next: () throws -> [CorpusDocument]?) throws -> CorpusInfo
}

extension CorpusImporting {
    /// Imports a corpus held in memory; content already stored is returned as stored, not duplicated.
    public func importCorpus(_ corpus: NewCorpus, renamingIfTaken: Bool) throws -> CorpusInfo {
        if let existing = try self.corpus(sha256: corpus.sha256) { return existing }
        var sent = false
        return try importCorpus(name: corpus.name, alternatives: corpus.alternativeNames, sourcePath: corpus.sourcePath,
                                format: corpus.format, renamingIfTaken: renamingIfTaken, sha256: { corpus.sha256 }) {
            defer { sent = true }
            return sent ? nil : corpus.documents
        }
    }

    /// Imports one corpus whose documents arrive in batches, with no alternative names.
    public func importCorpus(name: String, sourcePath: String, format: String, renamingIfTaken: Bool,
                             sha256: () throws -> String, documents next: () throws -> [CorpusDocument]?) throws -> CorpusInfo {
        try importCorpus(name: name, alternatives: [], sourcePath: sourcePath, format: format,
                         renamingIfTaken: renamingIfTaken, sha256: sha256, documents: next)
    }
}

extension SentimentStoring {
    public func importModel(data: [UInt8], source: String) throws -> ModelInfo {
        try importModel(data: data, source: source, accept: { _ in })
    }
    public func loadModel(name: String) throws -> StoredModel { try loadModel(name: name, version: nil) }
    public func modelInfo(name: String) throws -> ModelInfo { try modelInfo(name: name, version: nil) }
    public func exportData(name: String) throws -> [UInt8] { try exportData(name: name, version: nil) }
    public func corrections() throws -> [(text: String, label: String)] { try corrections(modelName: nil) }
    public func predictions() throws -> [PredictionInfo] { try predictions(PredictionQuery()) }
}
