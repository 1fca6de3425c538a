import ClassifierStore
import CorpusIO
import Foundation
import SentimentClassifier

/// A labelled corpus file read in batches of documents, hashing its content (`CorpusHasher`) on the way.
final class LabelledChunks {
    let reader: CorpusReader
    private var hasher = CorpusHasher()

    init(path: String, options: CorpusOptions) throws {
        var options = options
        options.requireLabels = true
        reader = try CorpusReader(path: path, options: options)
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

/// `LabelledChunks` read on a thread of its own, up to two chunks ahead of the consumer. `cancel()` (or the
/// consumer's end) stops the thread even while it waits on a full queue.
final class ReadAhead {
    private let queue = BoundedQueue<Result<[CorpusDocument]?, Error>>(capacity: 2)
    private var done = false

    init(_ chunks: LabelledChunks, rows: Int) {
        let handed = HandedOver(chunks)
        let thread = Thread { [queue] in
            let chunks = handed.value
            while true {
                let r = Result { try chunks.next(rows) }
                guard queue.push(r) else { return }
                if case .success(.some) = r { continue }
                return
            }
        }
        thread.name = "sentiment.train.read"
        thread.start()
    }

    deinit { queue.close(discarding: true) }

    /// The next chunk, nil at the end; rethrows the reader's error. Call until it returns nil or throws.
    func next() throws -> [CorpusDocument]? {
        guard !done, let r = queue.pop() else { return nil }
        if case .success(.some) = r {} else { done = true }
        return try r.get()
    }

    func cancel() { queue.close(discarding: true) }
}

/// The store side of streaming training: one write transaction, on its own thread, importing each corpus as its
/// documents are read for training; committed only when training may go on.
final class CorpusImportThread: @unchecked Sendable {
    // @unchecked: `imported` and `failure` are written by the import thread and read only after `group.wait()`;
    // `ended` is used by the one sending thread only.
    enum Message {
        case begin(name: String, sourcePath: String, format: String)
        case documents([CorpusDocument])
        case end(sha256: String)
        case commit
        case abort
    }
    struct Aborted: Error {}

    private let queue = BoundedQueue<Message>(capacity: 4)
    private let group = DispatchGroup()
    private var imported: [CorpusInfo] = []
    private var failure: Error?

    init(_ db: any SentimentStoring) {
        DispatchQueue.global().async(group: group) { [self] in
            do {
                imported = try db.importCorpora { session in
                    var infos: [CorpusInfo] = []
                    while true {
                        switch queue.pop() {
                        case let .begin(name, sourcePath, format):
                            var sha: String? = nil
                            infos.append(try session.importCorpus(name: name, sourcePath: sourcePath, format: format,
                                                                  renamingIfTaken: true, sha256: { sha ?? "" }) {
                                switch queue.pop() {
                                case .documents(let docs): return docs
                                case .end(let hash): sha = hash; return nil
                                default: throw Aborted()
                                }
                            })
                        case .commit: return infos
                        default: throw Aborted()
                        }
                    }
                }
            } catch {
                failure = error
            }
            // Whatever the sender still sends is dropped: it never blocks on a full queue.
            queue.close(discarding: true)
        }
    }

    /// Whether `.commit` or `.abort` was sent (by the one thread that sends).
    private var ended = false

    func send(_ m: Message) {
        switch m {
        case .commit, .abort: ended = true
        default: break
        }
        queue.push(m)
    }

    /// Commits (or with `abort`, rolls back) unless `commit` or `abort` was sent already, and waits; the imported
    /// corpora, in order.
    func finish(abort: Bool = false) throws -> [CorpusInfo] {
        let aborted = abort && !ended
        if !ended { send(abort ? .abort : .commit) }
        group.wait()
        if let failure, !(failure is Aborted) { throw failure }
        return aborted ? [] : imported
    }
}

extension SentimentService {
    /// Documents per batch when streaming.
    static let chunkRows = 8_192

    /// Out-of-core training (`StreamingFit`): one pass reads each corpus file, hashes and featurizes it while a
    /// second thread imports its documents into the store (one transaction, committed once the data is known
    /// good); then SGD epochs run over the spilled features. Nothing of the corpus is kept in memory.
    func trainStreaming(_ request: TrainingRequest, events: (TrainingEvent) -> Void) throws -> TrainingResult {
        let started = Date()
        let importer = CorpusImportThread(store)
        do {
            let (parent, fit, corrections) = try streamPass(request, importer)
            // The corpora are read whole and good: their import commits (and SQLite copies its WAL into the
            // database) on the import thread while the model trains.
            importer.send(.commit)
            events(.phaseEnded("read"))
            events(.fitStarted(rows: fit.rows, outOfCore: true))
            let result = Result { try fit.finish() }
            events(.fitEnded)
            events(.phaseEnded("fit"))
            let (classifier, report) = try result.get()
            let imported = try importer.finish()
            events(.phaseEnded("corpora"))
            return try save(classifier, report, request: request, parent: parent, corpora: imported,
                            corrections: corrections, started: started, events: events)
        } catch {
            _ = try? importer.finish(abort: true)
            throw error
        }
    }

    /// Pass 1: the parent's documents and corrections, then each corpus file (featurized and sent to the import).
    /// With a parent or several files a file's hash is computed first, so content already in the training data is
    /// not counted twice (as in memory).
    private func streamPass(_ request: TrainingRequest, _ importer: CorpusImportThread) throws
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
            if parent != nil || request.corpora.count > 1 {
                let chunks = try LabelledChunks(path: path, options: request.reading)
                while try chunks.next(Self.chunkRows) != nil {}
                let sha = chunks.sha256()
                if known.contains(sha) {
                    importer.send(.begin(name: name, sourcePath: absolute, format: chunks.reader.format.rawValue))
                    importer.send(.end(sha256: sha))  // already stored: the import finds it
                    continue
                }
            }
            let chunks = try LabelledChunks(path: path, options: request.reading)
            importer.send(.begin(name: name, sourcePath: absolute, format: chunks.reader.format.rawValue))
            // Reading and hashing run a chunk ahead on their own thread.
            let ahead = ReadAhead(chunks, rows: Self.chunkRows)
            defer { ahead.cancel() }
            while let docs = try ahead.next() {
                importer.send(.documents(docs))
                try fit.add(texts: docs.map(\.text), labels: docs.map(\.label))
            }
            let sha = chunks.sha256()
            importer.send(.end(sha256: sha))
            known.insert(sha)
        }
        try checkLabels(fit.labels, options, request)
        return (parent, fit, corrections)
    }
}
