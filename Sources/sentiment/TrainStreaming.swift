import ClassifierStore
import CorpusIO
import Foundation
import SentimentClassifier

/// A labelled corpus file read in batches of documents, hashing its content (`CorpusHasher`) on the way.
final class LabelledChunks {
    let reader: CorpusReader
    private var hasher = CorpusHasher()

    init(path: String, options: CorpusReadingOptions) throws {
        reader = try CorpusReader(path: path, options: options.corpusOptions(requireLabels: true))
        if reader.hasLabels == false { throw CorpusError(file: path, problem: .noLabels(format: reader.format)) }
    }

    /// Up to `size` documents; nil after the last.
    func next(_ size: Int) throws -> [CorpusDocument]? {
        var out: [CorpusDocument] = []
        out.reserveCapacity(size)
        while out.count < size, let r = try reader.next() {
            guard let label = r.label else { throw CorpusError(file: reader.path, problem: .noLabels(format: reader.format)) }
            hasher.add(text: r.text, label: label)
            out.append(CorpusDocument(text: r.text, label: label, line: r.line))
        }
        return out.isEmpty ? nil : out
    }

    /// The content hash, once every document has been read.
    func sha256() -> String { hasher.hex() }
}

extension Train {
    /// Documents per batch when streaming.
    static let chunkRows = 16_384

    /// Out-of-core training (`StreamingFit`): one pass reads, hashes and featurizes each corpus file (nothing else
    /// of it is kept in memory), then SGD epochs run over the spilled features while a second thread reads the
    /// files again into the store, checking they still hash the same.
    func runStreaming() throws {
        try reporting {
            var clock = PhaseClock(enabled: timings)
            // A store is opened first only when it must hold the parent: a bad corpus then never creates one.
            let parentStore = try from.map { _ in try store.open() }
            let parent = try from.map { try loadParent(parentStore!, $0) }
            let options = try resolvedOptions(parent: parent?.0)
            var bucketCount = StreamingFit.defaultBuckets
            if case .hashing(let b) = options.features.vocabulary, buckets != nil || parent != nil { bucketCount = b }
            let fit = try StreamingFit(options: options, buckets: bucketCount, scratchDirectory: NSTemporaryDirectory(),
                                       warmStart: parent?.0)
            func add(_ docs: [(text: String, label: String)]) throws {
                var start = 0
                while start < docs.count {
                    let part = docs[start..<min(start + Self.chunkRows, docs.count)]
                    try fit.add(texts: part.map(\.text), labels: part.map(\.label))
                    start += part.count
                }
            }
            var known = Set<String>()  // SHA-256 of the corpora already in the training data
            if let parent, let db = parentStore {
                for id in parent.1.corpusIds {
                    known.insert(try db.corpus(id: id).sha256)
                    try add(try db.documents(corpusId: id))
                }
            }
            var corrections = 0
            if includeCorrections, let db = parentStore {
                let c = try db.corrections()
                try add(c)
                corrections = c.count
            }
            // Pass 1. With a parent or several files, a file's hash is computed first, so content already in the
            // training data is not counted twice (as in memory).
            var headers: [(path: String, header: CorpusHeader)] = []
            for path in corpus {
                let chunks = try LabelledChunks(path: path, options: reading)
                let (name, absolute) = corpusNameAndPath(path)
                var sha: String
                if parent != nil || corpus.count > 1 {
                    while try chunks.next(Self.chunkRows) != nil {}
                    sha = chunks.sha256()
                    if known.contains(sha) {
                        headers.append((path, CorpusHeader(name: name, sourcePath: absolute, format: chunks.reader.format.rawValue, sha256: sha)))
                        continue
                    }
                }
                let reading = try LabelledChunks(path: path, options: self.reading)
                while let docs = try reading.next(Self.chunkRows) {
                    try fit.add(texts: docs.map(\.text), labels: docs.map(\.label))
                }
                sha = reading.sha256()
                known.insert(sha)
                headers.append((path, CorpusHeader(name: name, sourcePath: absolute, format: reading.reader.format.rawValue, sha256: sha)))
            }
            try checkLabels(fit.labels, options)
            clock.mark("read")
            let db = try parentStore ?? store.open()

            // The store import (second read of each file) runs beside the SGD epochs.
            final class Outcome: @unchecked Sendable { var imported: [CorpusInfo] = []; var error: Error? }
            let outcome = Outcome()
            let toImport = headers
            let group = DispatchGroup()
            DispatchQueue.global().async(group: group) {
                do {
                    for (path, header) in toImport {
                        var header = header
                        header.name = try uniqueCorpusName(db, header.name, sha256: header.sha256)
                        let chunks = try LabelledChunks(path: path, options: reading)
                        outcome.imported.append(try db.importCorpus(header) {
                            if let docs = try chunks.next(Self.chunkRows) { return docs }
                            guard chunks.sha256() == header.sha256 else {
                                throw CLIFailure.badInput("\(path): the file changed while training; nothing was stored")
                            }
                            return nil
                        })
                    }
                } catch { outcome.error = error }
            }
            let progress = Phase("training on \(fit.rows) texts, out of core")
            let result = Result { try fit.finish() }
            progress.finish()
            clock.mark("fit")
            group.wait()
            clock.mark("corpora")
            if let error = outcome.error { throw error }
            let (classifier, report) = try result.get()
            try save(db, classifier, report, parent: parent, corpora: outcome.imported, corrections: corrections, clock: &clock)
        }
    }
}
