import ClassifierStore
import Foundation
import XCTest

/// SIGKILL `train` and `predict --file` at several points: the store stays intact, no partial model is visible,
/// the previous model predicts exactly as before, and predictions are stored in whole batches or not at all.
final class CrashSafetyTests: XCTestCase {
    /// Starts `sentiment ARGS` and kills it with SIGKILL after `delay` seconds (if still running).
    func killed(_ box: Sandbox, _ args: [String], after delay: Double) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sentimentBinary)
        process.arguments = args + ["--db", box.db]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(useconds_t(delay * 1e6))
        let wasRunning = process.isRunning
        if wasRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return wasRunning
    }

    func testKillsLoseNothingAndExposeNothingPartial() throws {
        let box = try Sandbox()
        let corpus = repoPath("Corpora/headlines-en/headlines.csv")
        try box.ok(["train", "--corpus", corpus, "--name", "news", "--format", "json"])
        let probe = ["Profit jumps 40% as orders surge", "Factory closes and 300 jobs are cut"]
        let reference = try box.ok(["predict", "--model", "news@1", "--no-store", "--format", "json"] + probe)
        let modelsBefore = try jsonArray(box.ok(["models", "list", "--format", "json"]))

        // A 25,000-line file: predictions are stored in batches of 10,000.
        let texts = try String(contentsOfFile: corpus, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { line -> String in
                var t = String(line)
                if let comma = t.lastIndex(of: ",") { t = String(t[..<comma]) }
                return t.replacingOccurrences(of: "\"", with: "")
            }
        var lines: [String] = []
        while lines.count < 25_000 { lines += texts }
        let big = try box.write("big.txt", lines.prefix(25_000).joined(separator: "\n") + "\n")

        var kills = 0
        var stored = 0
        for delay in [0.05, 0.2, 0.4, 0.8, 1.5] {
            if try killed(box, ["train", "--corpus", corpus, "--name", "news", "--no-tune"], after: delay) { kills += 1 }
            if try killed(box, ["predict", "--model", "news@1", "--file", big], after: delay) { kills += 1 }

            let store = try SentimentStore(path: box.db)
            XCTAssertEqual(try store.verify(), [], "store damaged after a kill at \(delay) s")
            // Every visible model loads (checksums verified) and news@1 predicts exactly as before.
            for m in try store.models() { XCTAssertNoThrow(try store.loadModel(name: m.name, version: m.version)) }
            XCTAssertEqual(try box.ok(["predict", "--model", "news@1", "--no-store", "--format", "json"] + probe), reference)
            // Whole batches only: this run stored 0, 10,000 or 20,000 rows, or the whole file.
            let now = try store.countPredictions(PredictionQuery(modelName: "news", modelVersion: 1))
            XCTAssertTrue([0, 10_000, 20_000, 25_000].contains(now - stored), "\(now - stored) predictions stored: a partial batch")
            stored = now
        }
        XCTAssertGreaterThan(kills, 0, "no command was still running when killed")
        // Models: the ones before, plus only complete new versions of news.
        let after = try jsonArray(box.ok(["models", "list", "--format", "json"]))
        XCTAssertTrue(Set(modelsBefore.compactMap { $0["model"] as? String }).isSubset(of: Set(after.compactMap { $0["model"] as? String })))
        print("crash safety: \(kills) kills survived")
    }
}
