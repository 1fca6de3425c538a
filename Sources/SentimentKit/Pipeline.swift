import CorpusIO
import Dispatch
import Foundation
import Synchronization

/// Reads batches of records on a thread of its own, up to two batches ahead of the consumer.
final class BatchReader: Sendable {
    private enum Item { case batch(PredictionBatch), end, failure(Error) }
    private let queue = BoundedQueue<Item>(capacity: 2)

    init(_ reader: CorpusReader, sourcePrefix: String, batchSize: Int) {
        let handed = HandedOver(reader)
        let thread = Thread { [queue] in
            let reader = handed.value
            var bytes = 0
            do {
                while true {
                    var texts: [String] = [], lines: [Int] = []
                    texts.reserveCapacity(batchSize)
                    lines.reserveCapacity(batchSize)
                    while texts.count < batchSize, let record = try reader.next() {
                        texts.append(record.text)
                        lines.append(record.line)
                        bytes += record.text.utf8.count + (record.label?.utf8.count ?? 0) + 2
                    }
                    if texts.isEmpty { break }
                    let batch = PredictionBatch(texts: texts, sources: .numbered(prefix: sourcePrefix, numbers: lines),
                                                bytesRead: bytes)
                    guard queue.push(.batch(batch)) else { return }
                    if texts.count < batchSize { break }
                }
                queue.push(.end)
            } catch {
                // The records read before the error are dropped, as they were when reading in line.
                queue.push(.failure(error))
            }
        }
        thread.name = "sentiment.predict.read"
        thread.start()
    }

    /// The next full batch (the last one may be shorter), nil at the end; rethrows the reader's error in order.
    func next() throws -> PredictionBatch? {
        switch queue.pop() {
        case .batch(let b): return b
        case .failure(let e): throw e
        case .end, nil: return nil
        }
    }

    /// Stops the reader thread (it exits at its next batch, also when waiting for room).
    func cancel() { queue.close(discarding: true) }
}

/// The first error of a pipeline's stages.
final class PipelineFailure: Sendable {
    private let error = Mutex<(any Error)?>(nil)

    var current: (any Error)? { error.withLock { $0 } }

    func record(_ e: any Error) { error.withLock { if $0 == nil { $0 = e } } }
}

/// Runs submitted work on one background queue, in submission order, with at most two items in flight. The first
/// error (shared by the stages of one pipeline) stops the rest; `finish()` waits for everything and rethrows it.
final class OrderedPipeline: Sendable {
    private let queue: DispatchQueue
    private let slots = DispatchSemaphore(value: 2)
    let failure: PipelineFailure

    init(label: String, failure: PipelineFailure) {
        queue = DispatchQueue(label: label)
        self.failure = failure
    }

    func submit(_ work: @escaping @Sendable () throws -> Void) throws {
        if let failure = failure.current { throw failure }
        slots.wait()
        queue.async {
            defer { self.slots.signal() }
            guard self.failure.current == nil else { return }
            do { try work() } catch { self.failure.record(error) }
        }
    }

    /// Waits for all submitted work.
    func drain() { queue.sync {} }
}

