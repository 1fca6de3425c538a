import ClassifierStore
import CorpusIO
import Foundation
import SentimentClassifier

extension SentimentService {
    /// Documents per batch when streaming.
    static let chunkRows = 8_192

    /// Out-of-core training (`StreamingFit`): one pass reads each corpus file, hashes and featurizes it while a
    /// second thread imports its documents into the store (one transaction, committed once the data is known
    /// good); then SGD epochs run over the spilled features. Nothing of the corpus is kept in memory.
    func trainStreaming(_ request: TrainingRequest, events: (TrainingEvent) -> Void) throws -> TrainingResult {
        let started = Date()
        // What was stored before: a training that fails after its import committed removes what it added.
        let before = Set(try store.corpora().map(\.id))
        let importer = CorpusImportThread(store)
        let (parent, fit, corrections): (Parent?, StreamingFit, Int)
        do {
            (parent, fit, corrections) = try streamPass(request, importer, events: events)
            try request.checkCancelled()
            for warning in labelSpellingWarnings(fit.rowsPerLabel) { events(.warning(warning)) }
        } catch {
            _ = try? importer.finish(abort: true)
            throw error
        }
        // The corpora are read whole and good: their import commits (and SQLite copies its WAL into the database)
        // on the import thread while the model trains.
        importer.send(.commit)
        events(.phaseEnded("read"))
        if request.settings.defaultParent == true {
            events(.warning("out of core there is no cross-validation to choose the shipped model's strength: the model is trained without it"))
        }
        events(.fitStarted(rows: fit.rows, outOfCore: true))
        let result = Result { try fit.finish() }
        events(.fitEnded)
        events(.phaseEnded("fit"))
        let imported = Result { try importer.finish() }
        do {
            let (classifier, report) = try result.get()
            let corpora = try imported.get()
            events(.phaseEnded("corpora"))
            try request.checkCancelled()
            return try save(classifier, report, request: request, parent: parent, importing: [], imported: corpora,
                            corrections: corrections, started: started, events: events)
        } catch {
            for corpus in (try? imported.get()) ?? [] where !before.contains(corpus.id) {
                try? store.deleteCorpus(id: corpus.id)
            }
            throw error
        }
    }

    /// Pass 1: the parent's documents and corrections, then each corpus file (featurized and sent to the import).
    /// With a parent or several files a file's hash is computed first, so content already in the training data is
    /// not counted twice (as in memory).
    private func streamPass(_ request: TrainingRequest, _ importer: CorpusImportThread,
                            events: (TrainingEvent) -> Void) throws
        -> (parent: Parent?, fit: StreamingFit, corrections: Int) {
        let parent = try request.parent.map(loadParent)
        let options = request.settings.options(parent: parent?.classifier.options)
        var bucketCount = StreamingFit.defaultBuckets
        if case .hashing(let b) = options.features.vocabulary, request.settings.buckets != nil || parent != nil {
            bucketCount = b
        }
        let fit = try StreamingFit(options: options, buckets: bucketCount, scratchDirectory: NSTemporaryDirectory(),
                                   warmStart: parent?.classifier)
        func add(_ docs: [(text: String, label: String)]) throws {
            var start = 0
            while start < docs.count {
                let part = docs[start..<min(start + Self.chunkRows, docs.count)]
                try fit.add(texts: part.map(\.text), labels: part.map(\.label))
                start += part.count
            }
        }
        var known = Set<String>()  // SHA-256 of the corpora already in the training data
        if let parent {
            for id in parent.stored.corpusIds {
                known.insert(try store.corpus(id: id).sha256)
                try add(try store.documents(corpusId: id))
            }
        }
        var corrections = 0
        if request.includeCorrections {
            let c = try store.corrections()
            try add(c)
            corrections = c.count
        }
        for path in request.corpora {
            let (name, absolute) = corpusNameAndPath(path)
            let alternatives = alternativeCorpusNames(absolute)
            // Progress by bytes (approximate: texts and labels plus separators) against the file's size.
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            events(.reading(file: path, rows: 0, fraction: size > 0 ? 0 : nil))
            if parent != nil || request.corpora.count > 1 {
                let chunks = try LabelledChunks(path: path, options: request.reading)
                while try chunks.next(Self.chunkRows) != nil {}
                let sha = chunks.sha256()
                if known.contains(sha) {
                    importer.send(.begin(name: name, alternatives: alternatives, sourcePath: absolute, format: chunks.reader.format.rawValue))
                    importer.send(.end(sha256: sha))  // already stored: the import finds it
                    continue
                }
            }
            let chunks = try LabelledChunks(path: path, options: request.reading)
            importer.send(.begin(name: name, alternatives: alternatives, sourcePath: absolute, format: chunks.reader.format.rawValue))
            // Reading and hashing run a chunk ahead on their own thread.
            let ahead = ReadAhead(chunks, rows: Self.chunkRows)
            defer { ahead.cancel() }
            var rows = 0, bytes = 0
            while let docs = try ahead.next() {
                importer.send(.documents(docs))
                try fit.add(texts: docs.map(\.text), labels: docs.map(\.label))
                rows += docs.count
                for d in docs { bytes += d.text.utf8.count + d.label.utf8.count + 4 }
                events(.reading(file: path, rows: rows, fraction: size > 0 ? Double(bytes) / Double(size) : nil))
                try request.checkCancelled()
            }
            let sha = chunks.sha256()
            importer.send(.end(sha256: sha))
            known.insert(sha)
        }
        try checkLabels(fit.labels, options, request)
        do { try fit.checkModelSize() } catch let e as ModelSizeError { throw tooLarge(e, request, streaming: true) }
        // The trainer's weights and accumulators, then the model's weights, their stored copy and SQLite's.
        let k = fit.labels.count, features = fit.featureCount
        try AddressSpace.reserve(features * (4 * k + 1) * 4, for: "a model of \(features) features × \(k) labels")
        return (parent, fit, corrections)
    }
}
