import CorpusIO
import Dispatch
import Foundation
import Synchronization

/// Reads batches of records on a thread of its own, up to two batches ahead of the consumer.
final class BatchReader: Sendable {
    /// The reader's error, with whether it was one row's problem (which `skipInvalid` would have skipped).
    struct InputError: Error {
        var error: any Error
        var rowLevel: Bool
    }

    private enum Item { case batch(PredictionBatch), end, failure(InputError) }
    private let queue = BoundedQueue<Item>(capacity: 2)
    private let skippedRows = Count()

    private final class Count: Sendable { let value = Atomic<Int>(0) }

    /// With `skipInvalid`, rows with a problem of their own go to `invalidRow` (on the reader's thread, in file
    /// order) and are left out; otherwise the first one ends the input, after a batch of the rows before it.
    init(_ reader: CorpusReader, sourcePrefix: String, batchSize: Int, skipInvalid: Bool,
         invalidRow: @escaping @Sendable (CorpusError) -> Void) {
        let handed = HandedOver(reader)
        let thread = Thread { [queue, skippedRows] in
            let reader = handed.value
            var bytes = 0
            while true {
                var texts: [String] = [], lines: [Int] = [], columns: [[CorpusField]] = []
                texts.reserveCapacity(batchSize)
                lines.reserveCapacity(batchSize)
                var stop: Item? = nil
                rows: while texts.count < batchSize {
                    let row: CorpusRow?
                    do { row = try reader.nextRow() } catch {
                        stop = .failure(InputError(error: error, rowLevel: false))
                        break
                    }
                    switch row {
                    case .record(let record):
                        texts.append(record.text)
                        lines.append(record.line)
                        if !record.columns.isEmpty {
                            if columns.isEmpty { columns = Array(repeating: [], count: texts.count - 1) }
                            columns.append(record.columns)
                        } else if !columns.isEmpty {
                            columns.append([])
                        }
                        bytes += record.text.utf8.count + (record.label?.utf8.count ?? 0) + 2
                    case .invalid(let e):
                        if skipInvalid {
                            skippedRows.value.add(1, ordering: .relaxed)
                            invalidRow(e)
                        } else {
                            stop = .failure(InputError(error: e, rowLevel: true))
                            break rows
                        }
                    case nil:
                        stop = .end
                        break rows
                    }
                }
                // The rows before an error are predicted (and stored) like any others: the error says how many.
                if !texts.isEmpty {
                    let batch = PredictionBatch(texts: texts, sources: .numbered(prefix: sourcePrefix, numbers: lines),
                                                bytesRead: bytes, columns: columns.isEmpty ? nil : columns)
                    guard queue.push(.batch(batch)) else { return }
                }
                if let stop {
                    queue.push(stop)
                    return
                }
            }
        }
        thread.name = "sentiment.predict.read"
        thread.start()
    }

    /// The next full batch (the last one may be shorter), nil at the end; throws the reader's error (`InputError`)
    /// in order.
    func next() throws -> PredictionBatch? {
        switch queue.pop() {
        case .batch(let b): return b
        case .failure(let e): throw e
        case .end, nil: return nil
        }
    }

    /// Rows skipped so far.
    var skipped: Int { skippedRows.value.load(ordering: .relaxed) }

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

