import Foundation
import SentimentKit
import Synchronization

/// Trainings started through the API, one at a time, each on a thread of its own (a fit takes the cores for
/// seconds to minutes; it must not hold the server's request threads). Jobs are kept in memory: they are the
/// progress of this process's work, while their results (models, runs) are in the store.
final class TrainingJobs: Sendable {
    struct Job: Sendable {
        enum Status: String, Sendable { case queued, running, succeeded, failed, cancelled }
        var id: String
        var status: Status = .queued
        var createdAt = Date()
        var startedAt: Date? = nil
        var finishedAt: Date? = nil
        var phase = "queued"
        var fraction: Double? = 0
        var model: String? = nil
        var error: APIError? = nil
        /// What the training warned about (as `sentiment train` prints on standard error), at most `maxWarnings`.
        var warnings: [String] = []
    }

    static let maxWarnings = 20

    private struct State {
        var jobs: [String: Job] = [:]
        var next = 1
        var running: String? = nil
        var stopping = false
    }

    private let state = Mutex(State())
    private let idle = DispatchSemaphore(value: 1)
    /// Jobs kept for `GET /v1/jobs/{id}` (the oldest finished ones are forgotten past this).
    static let kept = 100

    /// Starts `request` (its `isCancelled` is set here) on a new thread; `then` runs once it ended, whatever the
    /// outcome. - Throws: `APIError.conflict` while another job runs.
    func start(_ service: SentimentService, _ request: TrainingRequest, then: @escaping @Sendable () -> Void) throws -> Job {
        let job: Job = try state.withLock { s in
            if s.stopping { throw APIError(.storeBusy, "the server is shutting down") }
            if let running = s.running {
                throw APIError(.conflict, "training job \(running) is still running; one training at a time")
            }
            let job = Job(id: String(s.next))
            s.next += 1
            s.jobs[job.id] = job
            s.running = job.id
            if s.jobs.count > Self.kept, let oldest = s.jobs.values.filter({ $0.finishedAt != nil })
                .min(by: { $0.createdAt < $1.createdAt }) {
                s.jobs[oldest.id] = nil
            }
            return job
        }
        idle.wait()
        var cancellable = request
        cancellable.isCancelled = { [self] in state.withLock { $0.stopping } }
        let request = cancellable
        let id = job.id
        let thread = Thread { [self] in
            update(id) { $0.status = .running; $0.startedAt = Date(); $0.phase = "reading" }
            let fraction: [String: Double] = ["read": 0.2, "hash": 0.25, "fit": 0.9, "corpora": 0.92, "model": 1]
            let next: [String: String] = ["read": "fitting", "hash": "fitting", "fit": "storing", "corpora": "storing",
                                          "model": "done"]
            let outcome = Result {
                try service.train(request) { event in
                    if case .phaseEnded(let phase) = event {
                        self.update(id) { $0.phase = next[phase] ?? phase; $0.fraction = fraction[phase] ?? $0.fraction }
                    } else if case .warning(let text) = event {
                        self.update(id) { if $0.warnings.count < Self.maxWarnings { $0.warnings.append(text) } }
                    }
                }
            }
            then()
            // The job's end and the slot's release in one step: a client that sees it finished may start the next.
            update(id, releasingSlot: true) { job in
                job.finishedAt = Date()
                switch outcome {
                case .success(let result):
                    job.status = .succeeded
                    job.model = result.model.reference
                    job.phase = "done"
                    job.fraction = 1
                case .failure(let error as CancellationError):
                    _ = error
                    job.status = .cancelled
                    job.phase = "cancelled"
                    job.error = APIError(.storeBusy, "cancelled: the server was shutting down; nothing was stored")
                case .failure(let error):
                    job.status = .failed
                    job.phase = "failed"
                    job.error = APIError(error)
                }
            }
            idle.signal()
        }
        thread.name = "sentiment.train.\(id)"
        thread.start()
        return job
    }

    func job(_ id: String) -> Job? { state.withLock { $0.jobs[id] } }

    private func update(_ id: String, releasingSlot: Bool = false, _ change: (inout Job) -> Void) {
        state.withLock { s in
            if var job = s.jobs[id] { change(&job); s.jobs[id] = job }
            if releasingSlot { s.running = nil }
        }
    }

    /// Refuses new jobs, asks a running one to stop at its next phase boundary and waits for it.
    func stop() {
        state.withLock { $0.stopping = true }
        idle.wait()
        idle.signal()
    }
}
