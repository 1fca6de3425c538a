import Dispatch
import Foundation
import Synchronization

/// Stores the predictions of many concurrent callers (a server's requests) in few transactions: group commit.
///
/// A store has one writer at a time, and a transaction costs about the same for 1 row as for 1,000. So callers
/// hand their rows to one writer thread, which takes everything waiting, merges the rows of each model into one
/// insert, commits, and only then answers every caller with its ids: an answered caller's predictions are in
/// the store. A batch closes once it holds `maxRows` rows or `maxWait` after its first rows arrived, whichever
/// comes first; while one batch commits, the next one fills.
public final class GroupCommitter: Sendable {
    public struct Settings: Sendable {
        /// A batch closes once it holds this many rows.
        public var maxRows: Int
        /// …or this long after its first rows arrived.
        public var maxWait: Duration
        public init(maxRows: Int = 20_000, maxWait: Duration = .microseconds(500)) {
            self.maxRows = max(1, maxRows)
            self.maxWait = maxWait
        }
    }

    /// What one committed batch was: for metrics.
    public struct BatchReport: Sendable {
        public var rows: Int
        public var callers: Int
        public var seconds: Double
    }

    private struct Waiting {
        var columns: PredictionColumns
        var done: @Sendable (Result<[Int64], any Error>) -> Void
    }

    private struct State {
        var waiting: [Waiting] = []
        var rows = 0
        var closed = false
        var stopped = false
    }

    private let store: any SentimentStoring
    private let settings: Settings
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let report: @Sendable (BatchReport) -> Void

    /// Starts the writer thread. `report` is called on it after each batch.
    public init(store: any SentimentStoring, settings: Settings = Settings(),
                report: @escaping @Sendable (BatchReport) -> Void = { _ in }) {
        self.store = store
        self.settings = settings
        self.report = report
        let thread = Thread { [self] in self.run() }
        thread.name = "sentiment.group-commit"
        thread.start()
    }

    /// Stores `columns` in the next batch and returns their ids once that batch is committed.
    /// - Throws: the batch's store error (`StoreError` with `isBusy` when the write lock stayed taken), or
    ///   `GroupCommitter.Closed` after `close()`.
    public func store(_ columns: PredictionColumns) async throws -> [Int64] {
        guard columns.count > 0 else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            enqueue(columns) { continuation.resume(with: $0) }
        }
    }

    /// As `store(_:async)`, calling `done` on the writer thread.
    public func enqueue(_ columns: PredictionColumns, done: @escaping @Sendable (Result<[Int64], any Error>) -> Void) {
        let accepted = state.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.waiting.append(Waiting(columns: columns, done: done))
            s.rows += columns.count
            return true
        }
        guard accepted else { return done(.failure(Closed())) }
        wake.signal()
    }

    public struct Closed: Error, CustomStringConvertible {
        public var description: String { "the server is shutting down" }
    }

    /// Commits what is waiting, then stops the writer; later calls fail with `Closed`. Returns once the last batch
    /// is committed and answered.
    public func close() {
        let first = state.withLock { s -> Bool in
            defer { s.closed = true }
            return !s.closed
        }
        guard first else { return }
        wake.signal()
        finished.wait()
    }

    private func run() {
        // Storing is the writer's whole life: the WAL is checkpointed on a thread of the store's own meanwhile,
        // not inside this thread's commits (which stalled every request of the batch behind them).
        var ran = false
        _ = try? store.withBulkWrites { ran = true; loop() }
        if !ran { loop() }
        finished.signal()
    }

    private func loop() {
        while true {
            wake.wait()
            // Let the batch fill: up to maxWait after its first rows, unless it is full or the store is closing.
            let deadline = DispatchTime.now() + .nanoseconds(Int(settings.maxWait.components.attoseconds / 1_000_000_000
                                                                 + settings.maxWait.components.seconds * 1_000_000_000))
            while state.withLock({ $0.rows < settings.maxRows && !$0.closed }) {
                if wake.wait(timeout: deadline) == .timedOut { break }
            }
            let (batch, closed) = state.withLock { s -> ([Waiting], Bool) in
                defer { s.waiting = []; s.rows = 0 }
                return (s.waiting, s.closed)
            }
            if !batch.isEmpty { commit(batch) }
            if closed && state.withLock({ $0.waiting.isEmpty }) { break }
        }
    }

    /// Attempts at a busy store before the batch's callers get the busy error (each waits the store's busy
    /// timeout).
    static let busyAttempts = 3

    private func commit(_ batch: [Waiting]) {
        let start = DispatchTime.now().uptimeNanoseconds
        // One insert per model, in arrival order of each model's first caller.
        var order: [Int64] = []
        var groups: [Int64: [Int]] = [:]
        for (i, w) in batch.enumerated() {
            if groups[w.columns.modelId] == nil { order.append(w.columns.modelId) }
            groups[w.columns.modelId, default: []].append(i)
        }
        var results = [Result<[Int64], any Error>?](repeating: nil, count: batch.count)
        var rows = 0
        for modelId in order {
            let members = groups[modelId]!
            let merged = Self.merge(members.map { batch[$0].columns })
            rows += merged.count
            let outcome = Result { try store.insertPredictions(merged, attempts: Self.busyAttempts) }
            var offset = 0
            for i in members {
                let n = batch[i].columns.count
                results[i] = outcome.map { Array($0[offset..<offset + n]) }
                offset += n
            }
        }
        for (i, w) in batch.enumerated() { w.done(results[i]!) }
        report(BatchReport(rows: rows, callers: batch.count,
                           seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
    }

    /// The rows of several batches of one model as one.
    static func merge(_ parts: [PredictionColumns]) -> PredictionColumns {
        guard parts.count > 1 else { return parts[0] }
        var texts: [String] = [], labels: [Int] = [], probabilities: [Float] = []
        let total = parts.reduce(0) { $0 + $1.count }
        texts.reserveCapacity(total)
        labels.reserveCapacity(total)
        var sources: [String] = []
        let constant: String? = {
            guard case .constant(let first) = parts[0].sources else { return nil }
            return parts.allSatisfy { $0.sources == .constant(first) } ? first : nil
        }()
        for p in parts {
            texts += p.texts
            labels += p.labelIndices
            probabilities += p.probabilities
            if constant == nil {
                switch p.sources {
                case .constant(let s): sources += Array(repeating: s, count: p.count)
                case .numbered(let prefix, let numbers): sources += numbers.map { prefix + String($0) }
                case .each(let each): sources += each
                }
            }
        }
        return PredictionColumns(modelId: parts[0].modelId, texts: texts, labelIndices: labels,
                                 probabilities: probabilities, sources: constant.map { .constant($0) } ?? .each(sources),
                                 createdAt: parts[0].createdAt)
    }
}

extension SentimentStoring {
    /// `insertPredictions`, tried up to `attempts` times while another process holds the write lock (each attempt
    /// waits the store's busy timeout): the one busy retry of every storing path.
    func insertPredictions(_ columns: PredictionColumns, attempts: Int) throws -> [Int64] {
        var attempt = 1
        while true {
            do {
                return try insertPredictions(columns)
            } catch let e as StoreError where e.isBusy && attempt < attempts {
                attempt += 1
            }
        }
    }
}
