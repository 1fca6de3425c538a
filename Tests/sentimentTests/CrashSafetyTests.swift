import ClassifierStore
import Foundation
import XCTest

/// SIGKILL `train` and `predict --file` at several points: the store stays intact, no partial model is visible,
/// the previous model predicts exactly as before, and predictions are stored in whole batches or not at all.
///
/// The kills land at observed points of the command's progress (a phase line of `train --timings`, a number of
/// stored predictions, the store's write lock held by the command), not after fixed delays: those landed after the
/// end on a fast machine and all at the start on a slow one.
final class CrashSafetyTests: XCTestCase {
    /// Where a run is killed: when all the given conditions hold, observed in this order.
    struct KillPoint: CustomStringConvertible {
        /// `train --timings` printed the end of this phase (`read`, `hash`, `fit`, `corpora`, `model`).
        var phase: String? = nil
        /// The process has the store open.
        var storeOpen = false
        /// The store holds at least this many of the run's predictions.
        var stored: Int? = nil
        /// The process holds the store's write lock: a transaction of its own is open (a batch of predictions,
        /// a corpus, a model being written), so the kill lands inside it.
        var writing = false

        var description: String {
            var parts: [String] = []
            if let phase { parts.append("after \(phase)") }
            if storeOpen { parts.append("store open") }
            if let stored { parts.append("\(stored) stored") }
            if writing { parts.append("writing") }
            return parts.joined(separator: ", ")
        }
    }

    /// Long enough for any point on a loaded debug build; a run that has not reached its point by then fails.
    static let deadline: TimeInterval = 300

    /// Runs `sentiment ARGS`, waits until it reaches `point` and kills it there with SIGKILL. Returns true when
    /// the kill ended the process, false when it had finished first (which must have been a success: every point
    /// comes before the end). `stored` counts the run's predictions in the store.
    func killed(_ box: Sandbox, _ args: [String], at point: KillPoint, stored: () throws -> Int = { 0 }) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sentimentBinary)
        process.arguments = args + ["--db", box.db]
        process.standardOutput = FileHandle.nullDevice
        let stderr = PipeText()
        process.standardError = stderr.pipe
        try process.run()
        stderr.startReading()
        let pid = process.processIdentifier
        let deadline = Date().addingTimeInterval(Self.deadline)
        // The phase line is written when the phase ends: blocking on the pipe wakes up as soon as it arrives.
        var reached = point.phase.map { phase in stderr.wait(until: deadline) { Self.printed(phase, $0) } } ?? true
        if reached {
            // The rest is polled every millisecond: the transactions to land in last from about 10 ms (a model in
            // a debug build) to hundreds (a batch of 10,000).
            reached = false
            while process.isRunning && Date() < deadline {
                if try (!point.storeOpen || hasOpen(pid, box.db)) && (point.stored.map { try stored() >= $0 } ?? true)
                    && (!point.writing || holdsWriteLock(pid, box.db)) {
                    reached = true
                    break
                }
                usleep(1000)
            }
        }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        stderr.finish()
        let what = "sentiment \(args.first ?? "") killed at \(point)"
        if process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL {
            XCTAssertTrue(reached, "\(what): not reached within \(Int(Self.deadline)) s: \(stderr.text)")
            return true
        }
        XCTAssertEqual(process.terminationStatus, 0, "\(what): ended before the kill, and failed: \(stderr.text)")
        if let phase = point.phase { XCTAssertTrue(Self.printed(phase, stderr.text), "\(what): no \(phase) line: \(stderr.text)") }
        return false
    }

    /// Whether `train --timings` output has the line of `phase` ("fit     3.183 s   peak RSS…").
    static func printed(_ phase: String, _ text: String) -> Bool {
        text.split(separator: "\n").contains { $0.split(separator: " ").first.map(String.init) == phase }
    }

    /// Whether process `pid` has the file at `path` open (Linux: /proc/PID/fd). Elsewhere there is nothing to
    /// observe: true.
    private func hasOpen(_ pid: Int32, _ path: String) -> Bool {
        #if os(Linux)
        let fds = "/proc/\(pid)/fd"
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: fds)) ?? []
        return entries.contains { (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fds)/\($0)")) == target }
        #else
        return true
        #endif
    }

    /// Whether process `pid` holds the write lock of the store at `path`: in WAL mode a writer holds a POSIX lock
    /// on byte 120 of the `-shm` file from the start of its transaction to the end of its commit
    /// (https://www.sqlite.org/walformat.html), which Linux lists in /proc/locks ("1: POSIX ADVISORY WRITE PID
    /// MAJOR:MINOR:INODE 120 120"). Elsewhere there is nothing to observe: true.
    private func holdsWriteLock(_ pid: Int32, _ path: String) -> Bool {
        #if os(Linux)
        guard let inode = (try? FileManager.default.attributesOfItem(atPath: path + "-shm"))?[.systemFileNumber] as? NSNumber,
              let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return false }
        return locks.split(separator: "\n").contains { line in
            let f = line.split(separator: " ")
            return f.count >= 8 && f[1] == "POSIX" && f[3] == "WRITE" && f[4] == "\(pid)"
                && f[5].hasSuffix(":\(inode.uint64Value)") && f[6] == "120" && f[7] == "120"
        }
        #else
        return true
        #endif
    }

    func testKillsLoseNothingAndExposeNothingPartial() throws {
        let box = try Sandbox()
        let corpus = repoPath("Corpora/headlines-en/headlines.csv")
        try box.ok(["train", "--corpus", corpus, "--name", "news", "--format", "json"])
        let probe = ["Profit jumps 40% as orders surge", "Factory closes and 300 jobs are cut"]
        let reference = try box.ok(["predict", "--model", "news@1", "--no-store", "--format", "json"] + probe)
        let modelsBefore = try jsonArray(box.ok(["models", "list", "--format", "json"]))

        // A 60,000-line file: predictions are stored in batches of 10,000, about a second each in a debug build,
        // so a run killed at 10,000 or 20,000 stored rows is far from its end.
        let csv = try String(contentsOfFile: corpus, encoding: .utf8).split(separator: "\n").map(String.init)
        let rows = csv.dropFirst()
        let texts = rows.map { line -> String in
            var t = line
            if let comma = t.lastIndex(of: ",") { t = String(t[..<comma]) }
            return t.replacingOccurrences(of: "\"", with: "")
        }
        let lineCount = 60_000
        var lines: [String] = []
        while lines.count < lineCount { lines += texts }
        let big = try box.write("big.txt", lines.prefix(lineCount).joined(separator: "\n") + "\n")
        // A 12,000-row training corpus the store does not have yet: in memory it is imported in the transaction
        // that saves the model (after `fit`); out of core its import commits while the model trains (after `read`).
        var corpusLines = [csv[0]]
        while corpusLines.count <= 12_000 { corpusLines += rows }
        let trainCorpus = try box.write("train.csv", corpusLines.prefix(12_001).joined(separator: "\n") + "\n")

        let train = ["train", "--corpus", trainCorpus, "--name", "news", "--no-tune", "--timings"]
        let trainOutOfCore = train + ["--streaming"]
        let predict = ["predict", "--model", "news@1", "--file", big]
        let runs: [([String], KillPoint)] = [
            // Nothing written yet.
            (train, KillPoint(phase: "read")),
            (predict, KillPoint(storeOpen: true)),
            // Inside the transaction that imports the new corpus and saves the model; inside the out-of-core
            // import's commit while the model trains.
            (train, KillPoint(phase: "fit", writing: true)),
            (trainOutOfCore, KillPoint(phase: "read", writing: true)),
            // Between two batches (the next one is being predicted), then inside the second and third batches'
            // transactions.
            (predict, KillPoint(stored: 10_000)),
            (predict, KillPoint(stored: 10_000, writing: true)),
            (predict, KillPoint(stored: 20_000, writing: true)),
        ]
        let query = PredictionQuery(modelName: "news", modelVersion: 1)
        var midway = 0
        var stored = 0
        var outcomes: [String] = []
        for (args, point) in runs {
            // One store per run, open before the child starts, for watching it and for the checks after the kill:
            // opening a second one in this process would open and close the database file (the store's header
            // check), which drops every POSIX lock this process holds on it, and a child closing the store could
            // then delete the WAL under the first one (SQLite: "How To Corrupt An SQLite Database File", 2.2).
            let store = try SentimentStore(path: box.db)
            let before = try store.countPredictions(query)
            XCTAssertEqual(before, stored)
            let landed = try killed(box, args, at: point) {
                // Whatever the moment, a reader sees whole batches only.
                let n = try store.countPredictions(query) - before
                XCTAssertTrue(n % 10_000 == 0 || n == lineCount, "\(n) predictions visible while running: a partial batch")
                return n
            }
            if landed { midway += 1 }

            XCTAssertEqual(try store.verify(), [], "store damaged after a kill at \(point)")
            // Every visible model loads (checksums verified) and news@1 predicts exactly as before.
            for m in try store.models() { XCTAssertNoThrow(try store.loadModel(name: m.name, version: m.version)) }
            // Every visible corpus is whole (a kill inside the import leaves none of it).
            for c in try store.corpora() {
                XCTAssertEqual(try store.documents(corpusId: c.id).count, c.rowCount, "corpus \(c.name) after a kill at \(point)")
            }
            XCTAssertEqual(try box.ok(["predict", "--model", "news@1", "--no-store", "--format", "json"] + probe), reference)
            // Whole batches only: this run stored 0, 10,000, 20,000… rows, or the whole file.
            stored = try store.countPredictions(query)
            let added = stored - before
            XCTAssertTrue(added % 10_000 == 0 || added == lineCount, "\(added) predictions stored at \(point): a partial batch")
            outcomes.append("\(args[0]) \(point): \(landed ? "killed" : "finished first")\(added > 0 ? ", +\(added) predictions" : "")")
        }
        // A run may still finish between the observation and the kill (the model save after `corpora` is short),
        // but most kills must land mid-way or the test checks little.
        XCTAssertGreaterThan(midway * 2, runs.count, "only \(midway) of \(runs.count) kills landed before the end")
        // Models: the ones before, plus only complete new versions of news.
        let after = try jsonArray(box.ok(["models", "list", "--format", "json"]))
        XCTAssertTrue(Set(modelsBefore.compactMap { $0["model"] as? String }).isSubset(of: Set(after.compactMap { $0["model"] as? String })))
        print("crash safety: \(midway) of \(runs.count) kills landed mid-way\n  " + outcomes.joined(separator: "\n  "))
    }
}

/// A child's output pipe read on a thread of its own (so the child never blocks on a full pipe), with a way to
/// wait for given text.
final class PipeText: @unchecked Sendable {
    // @unchecked: `data` and `ended` are guarded by `condition`.
    let pipe = Pipe()
    private let condition = NSCondition()
    private var data = Data()
    private var ended = false

    func startReading() {
        Thread.detachNewThread { [self] in
            let handle = pipe.fileHandleForReading
            while true {
                let chunk = handle.availableData
                condition.lock()
                if chunk.isEmpty { ended = true } else { data.append(chunk) }
                condition.broadcast()
                condition.unlock()
                if chunk.isEmpty { return }
            }
        }
    }

    var text: String {
        condition.lock()
        defer { condition.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits until `found` holds for the text so far; false at the end of the output or at `deadline`.
    func wait(until deadline: Date, _ found: (String) -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if found(String(decoding: data, as: UTF8.self)) { return true }
            if ended || !condition.wait(until: deadline) { return found(String(decoding: data, as: UTF8.self)) }
        }
    }

    /// Waits for the end of the output (the process has exited: its end of the pipe is closed).
    func finish() {
        condition.lock()
        while !ended { condition.wait() }
        condition.unlock()
    }
}
