import ClassifierStore
import Foundation

/// Copies a whole store into an empty one, between backends or within one (`sentiment store copy`): corpora and
/// their documents, models with their payloads, checksums, versions and statuses (deleted models' tombstones
/// included), training runs, evaluations, predictions with their ids, times, probabilities and corrections. Rows are
/// streamed in batches (memory does not grow with the number of predictions) inside one read snapshot of the source
/// and one write transaction of the destination: the destination gets everything or nothing.
///
/// Then it verifies: the destination is read back and every table's row count and digest (SHA-256 over its rows in id
/// order) must equal the source's, computed while copying, and every model must load with its checksum.
///
///     let report = try StoreCopy.run(from: source, to: destination)
///     print(report.predictions, report.digest)
public enum StoreCopy {
    /// Row counts and digests of one store's tables.
    public struct Tables: Equatable, Sendable {
        public var corpora = 0, documents = 0, models = 0, trainingRuns = 0, evaluations = 0, predictions = 0
        /// Predictions with a corrected label.
        public var corrections = 0
        /// Hex SHA-256 per table, over its rows in id order ("corpora", "documents", …).
        public var digests: [String: String] = [:]
        public init() {}
    }

    public struct Report: Sendable {
        public var source: String
        public var destination: String
        public var tables: Tables
        /// Models (not deleted) loaded from the destination with their checksum verified.
        public var modelsVerified: Int
        /// Time taken by the copy and by the verification, in seconds.
        public var copySeconds: Double
        public var verifySeconds: Double
        /// The predictions' digest (hex SHA-256 over every prediction in id order).
        public var predictionDigest: String { tables.digests["predictions"] ?? "" }
    }

    /// Copies `source` into `destination`, which must be empty, and verifies the copy.
    /// - Throws: `SentimentKitError.invalidInput` when the destination is not empty (nothing is written);
    ///   `StoreError.corrupted` (on the destination) when the verification finds a difference.
    public static func run(from source: any SentimentStoring, to destination: any SentimentStoring,
                           batchSize: Int = 10_000) throws -> Report {
        guard try destination.isEmptyForCopy() else {
            let s = try destination.statistics()
            throw SentimentKitError.invalidInput("\(destination.path) is not empty (\(s.models) models, \(s.corpora) corpora, \(s.predictions) predictions): copy into a new store or an empty database")
        }
        let started = Date()
        var copied = Digest()
        do {
            try destination.writeRows { write in
                try source.readRows(batchSize: batchSize) { batch in
                    copied.add(batch)
                    try write(batch)
                }
            }
        } catch StoreError.invalidValue(let message) where message.hasSuffix("copied into an empty one only") {
            throw SentimentKitError.invalidInput(message)
        }
        let copySeconds = Date().timeIntervalSince(started)

        let verifyStarted = Date()
        var found = Digest()
        try destination.readRows(batchSize: batchSize) { found.add($0) }
        let expected = copied.tables, actual = found.tables
        var differences: [String] = []
        for (name, key) in Digest.tableNames {
            let e = expected[keyPath: key], a = actual[keyPath: key]
            if e != a { differences.append("\(name): \(e) rows copied, \(a) found") }
            else if expected.digests[name] != actual.digests[name] { differences.append("\(name): the rows differ") }
        }
        if expected.corrections != actual.corrections {
            differences.append("corrections: \(expected.corrections) copied, \(actual.corrections) found")
        }
        var verified = 0
        for model in try destination.models() {
            do {
                _ = try destination.loadModel(name: model.name, version: model.version)
                verified += 1
            } catch {
                differences.append("\(model.reference): \(error)")
            }
        }
        guard differences.isEmpty else {
            throw StoreError.corrupted(path: destination.path, reason: "the copy does not match \(source.path): " + differences.joined(separator: "; "))
        }
        return Report(source: source.path, destination: destination.path, tables: actual, modelsVerified: verified,
                      copySeconds: copySeconds, verifySeconds: Date().timeIntervalSince(verifyStarted))
    }

    /// Counts and SHA-256 digests of the rows of a store as `readRows` sends them (every table in id order).
    struct Digest {
        static var tableNames: [(String, KeyPath<Tables, Int>)] { [
            ("corpora", \.corpora), ("documents", \.documents), ("models", \.models), ("training runs", \.trainingRuns),
            ("evaluations", \.evaluations), ("predictions", \.predictions),
        ] }
        private var hashes: [String: SHA256] = [:]
        private var counts = Tables()
        private var bytes: [UInt8] = []

        var tables: Tables {
            var t = counts
            for (name, _) in Self.tableNames {
                var h = hashes[name] ?? SHA256()
                t.digests[name] = SHA256.hexString(h.finalize())
            }
            return t
        }

        mutating func add(_ batch: StoreRows.Batch) {
            bytes.removeAll(keepingCapacity: true)
            let table: String
            switch batch {
            case .corpora(let rows):
                table = "corpora"
                counts.corpora += rows.count
                for c in rows {
                    put(c.id); put(c.name); put(c.sourcePath); put(c.format); put(c.sha256); put(Int64(c.rowCount))
                    put(c.labelCounts); put(c.importedAt)
                }
            case .documents(let rows):
                table = "documents"
                counts.documents += rows.count
                for d in rows { put(d.id); put(d.corpusId); put(Int64(d.line)); put(d.text); put(d.label) }
            case .models(let rows):
                table = "models"
                counts.models += rows.count
                for m in rows {
                    put(m.id); put(m.name); put(Int64(m.version)); put(m.createdAt); put(m.parentId)
                    put(Int64(m.labels.count)); m.labels.forEach { put($0) }
                    put(m.featureConfig); put(m.hyperparameters); put(m.tuning); put(m.metrics); put(m.temperature)
                    put(m.status); put(m.checksum)
                    put(Int64(m.payloads.count))
                    for p in m.payloads { put(p.name); put(p.kind); put(p.shape); put(Int64(p.data.count)); bytes += p.data }
                    put(Int64(m.corpusIds.count)); m.corpusIds.forEach { put($0) }
                }
            case .trainingRuns(let rows):
                table = "training runs"
                counts.trainingRuns += rows.count
                for r in rows {
                    put(r.id); put(r.modelId); put(r.startedAt); put(r.finishedAt); put(r.durationSeconds)
                    put(Int64(r.iterations)); put(r.finalLoss); put(r.crossValidation)
                }
            case .evaluations(let rows):
                table = "evaluations"
                counts.evaluations += rows.count
                for e in rows { put(e.id); put(e.modelId); put(e.corpusId); put(e.metrics); put(e.confusionMatrix); put(e.createdAt) }
            case .predictions(let rows):
                table = "predictions"
                counts.predictions += rows.count
                for p in rows {
                    put(p.id); put(p.modelId); put(p.text); put(p.label); put(p.confidence)
                    put(Int64(p.probabilities.count))
                    for v in p.probabilities { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
                    put(p.source); put(p.createdAt); put(p.correctedLabel); put(p.correctedAt)
                    if p.correctedLabel != nil { counts.corrections += 1 }
                }
            }
            hashes[table, default: SHA256()].update(bytes)
        }

        private mutating func put(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        private mutating func put(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        private mutating func put(_ s: String) { put(Int64(s.utf8.count)); bytes += s.utf8 }
        private mutating func put(_ v: Int64?) { if let v { bytes.append(1); put(v) } else { bytes.append(0) } }
        private mutating func put(_ v: Double?) { if let v { bytes.append(1); put(v) } else { bytes.append(0) } }
        private mutating func put(_ s: String?) { if let s { bytes.append(1); put(s) } else { bytes.append(0) } }
    }
}
