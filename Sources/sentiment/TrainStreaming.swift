import ClassifierStore
import CorpusIO
import Foundation
import SentimentKit
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

/// `LabelledChunks` read on a background thread, up to two chunks ahead of the consumer.
final class ReadAhead: @unchecked Sendable {
    private let queue = BlockingQueue<Result<[CorpusDocument]?, Error>>(capacity: 2)
    private var done = false

    init(_ chunks: LabelledChunks, rows: Int) {
        DispatchQueue.global().async { [queue] in
            while true {
                let r = Result { try chunks.next(rows) }
                queue.push(r)
                if case .success(.some) = r { continue }
                return
            }
        }
    }

    /// The next chunk, nil at the end; rethrows the reader's error. Call until it returns nil or throws.
    func next() throws -> [CorpusDocument]? {
        guard !done else { return nil }
        let r = queue.pop()
        if case .success(.some) = r {} else { done = true }
        return try r.get()
    }
}

/// A bounded first-in first-out queue between two threads: `push` waits while it is full, `pop` while empty.
final class BlockingQueue<T>: @unchecked Sendable {
    private var items: [T?] = []
    private var head = 0
    private let capacity: Int
    private let condition = NSCondition()

    init(capacity: Int) { self.capacity = capacity }

    func push(_ item: T) {
        condition.lock()
        while items.count - head >= capacity { condition.wait() }
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    func pop() -> T {
        condition.lock()
        while items.count == head { condition.wait() }
        let item = items[head]!
        items[head] = nil  // a popped item is not kept alive by the queue
        head += 1
        if head >= 64 { items.removeFirst(head); head = 0 }
        condition.broadcast()
        condition.unlock()
        return item
    }
}

/// The store side of streaming training: one write transaction, on its own thread, importing each corpus as its
/// documents are read for training; committed only when training may go on.
final class CorpusImportThread: @unchecked Sendable {
    enum Message {
        case begin(name: String, sourcePath: String, format: String)
        case documents([CorpusDocument])
        case end(sha256: String)
        case commit
        case abort
    }
    struct Aborted: Error {}

    private let queue = BlockingQueue<Message>(capacity: 4)
    private let group = DispatchGroup()
    private var imported: [CorpusInfo] = []
    private var failure: Error?

    init(_ db: SentimentStore) {
        DispatchQueue.global().async(group: group) { [self] in
            var ended = false  // .commit or .abort was received
            func next() -> Message {
                let m = queue.pop()
                switch m {
                case .commit, .abort: ended = true
                default: break
                }
                return m
            }
            do {
                imported = try db.importCorpora { session in
                    var infos: [CorpusInfo] = []
                    while true {
                        switch next() {
                        case let .begin(name, sourcePath, format):
                            var sha: String? = nil
                            infos.append(try session.importCorpus(name: name, sourcePath: sourcePath, format: format,
                                                                  renamingIfTaken: true, sha256: { sha ?? "" }) {
                                switch next() {
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
                // Drain until the reading side ends, so it never blocks on a full queue.
                while !ended { _ = next() }
            }
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

extension Train {
    /// Documents per batch when streaming.
    static let chunkRows = 8_192

    /// Out-of-core training (`StreamingFit`): one pass reads each corpus file, hashes and featurizes it while a
    /// second thread imports its documents into the store (one transaction, committed once the data is known
    /// good); then SGD epochs run over the spilled features. Nothing of the corpus is kept in memory.
    func runStreaming() throws {
        try reporting {
            var clock = PhaseClock(enabled: timings)
            let path = store.resolvedPath()
            let existed = FileManager.default.fileExists(atPath: path)
            let db = try store.open()
            let importer = CorpusImportThread(db)
            do {
                let (parent, fit, corrections) = try streamPass(db, importer)
                // The corpora are read whole and good: their import commits (and SQLite copies its WAL into the
                // database) on the import thread while the model trains.
                importer.send(.commit)
                clock.mark("read")
                let progress = Phase("training on \(fit.rows) texts, out of core")
                let result = Result { try fit.finish() }
                progress.finish()
                clock.mark("fit")
                let (classifier, report) = try result.get()
                let imported = try importer.finish()
                clock.mark("corpora")
                try save(db, classifier, report, parent: parent, corpora: imported, corrections: corrections, clock: &clock)
            } catch {
                _ = try? importer.finish(abort: true)
                // A store this command created for nothing is removed: bad input leaves things as they were.
                if !existed { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
                throw error
            }
        }
    }

    /// Pass 1: the parent's documents and corrections, then each corpus file (featurized and sent to the import).
    /// With a parent or several files a file's hash is computed first, so content already in the training data is
    /// not counted twice (as in memory).
    private func streamPass(_ db: SentimentStore, _ importer: CorpusImportThread) throws
        -> (parent: (SentimentClassifier, StoredModel)?, fit: StreamingFit, corrections: Int) {
        let parent = try from.map { try loadParent(db, $0) }
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
        if let parent {
            for id in parent.1.corpusIds {
                known.insert(try db.corpus(id: id).sha256)
                try add(try db.documents(corpusId: id))
            }
        }
        var corrections = 0
        if includeCorrections {
            let c = try db.corrections()
            try add(c)
            corrections = c.count
        }
        for path in corpus {
            let (name, absolute) = corpusNameAndPath(path)
            if parent != nil || corpus.count > 1 {
                let chunks = try LabelledChunks(path: path, options: reading)
                while try chunks.next(Self.chunkRows) != nil {}
                let sha = chunks.sha256()
                if known.contains(sha) {
                    importer.send(.begin(name: name, sourcePath: absolute, format: chunks.reader.format.rawValue))
                    importer.send(.end(sha256: sha))  // already stored: the import finds it
                    continue
                }
            }
            let chunks = try LabelledChunks(path: path, options: reading)
            importer.send(.begin(name: name, sourcePath: absolute, format: chunks.reader.format.rawValue))
            // Reading and hashing run a chunk ahead on their own thread.
            let ahead = ReadAhead(chunks, rows: Self.chunkRows)
            while let docs = try ahead.next() {
                importer.send(.documents(docs))
                try fit.add(texts: docs.map(\.text), labels: docs.map(\.label))
            }
            let sha = chunks.sha256()
            importer.send(.end(sha256: sha))
            known.insert(sha)
        }
        try checkLabels(fit.labels, options)
        return (parent, fit, corrections)
    }
}
