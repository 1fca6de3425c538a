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
