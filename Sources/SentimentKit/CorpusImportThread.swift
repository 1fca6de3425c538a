import ClassifierStore
import CorpusIO
import Foundation
import SentimentClassifier

/// The store side of streaming training: one write transaction, on its own thread, importing each corpus as its
/// documents are read for training; committed only when training may go on.
final class CorpusImportThread: @unchecked Sendable {
    // @unchecked: `imported` and `failure` are written by the import thread and read only after `group.wait()`;
    // `ended` is used by the one sending thread only.
    enum Message {
        case begin(name: String, alternatives: [String], sourcePath: String, format: String)
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
                        case let .begin(name, alternatives, sourcePath, format):
                            var sha: String? = nil
                            infos.append(try session.importCorpus(name: name, alternatives: alternatives,
                                                                  sourcePath: sourcePath, format: format,
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
