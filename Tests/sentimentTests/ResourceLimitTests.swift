import Foundation
import XCTest

/// What a flag or an input can make the tool allocate is bounded: over a bound is a clear error (65 bad input,
/// 64 a bad flag), and running short of memory is an error too (74), never a signal.
final class ResourceLimitTests: XCTestCase {
    /// A record longer than 1 MiB is refused with its line, before it is buffered and tokenized whole.
    func testOverlongRecordIsAnErrorNamingItsLine() throws {
        let box = try Sandbox()
        let long = String(repeating: "profit rose strongly ", count: 60_000)  // 1.26 MB
        let csv = try box.write("long.csv", "text,label\nProfit rose,positive\nSales fell,negative\n\"\(long)\",positive\nok,neutral\n")
        try box.fails(["train", "--corpus", csv, "--name", "long"], code: 65,
                      mentions: "long.csv:4: record longer than 1048576 bytes")
        try box.fails(["train", "--corpus", csv, "--name", "long", "--streaming"], code: 65,
                      mentions: "long.csv:4: record longer than 1048576 bytes")
        XCTAssertFalse(FileManager.default.fileExists(atPath: box.db), "a failed first train leaves no store")
        let lines = try box.write("long.txt", "Profit rose\n\(long)\n")
        try box.fails(["predict", "--file", lines, "--no-store"], code: 65, mentions: "long.txt:2: record longer than")
        // A quote never closed no longer swallows the rest of a large file into one field.
        let rest = String(repeating: "Shares rose,positive\n", count: 60_000)
        let open = try box.write("open.csv", "text,label\nfine,positive\n\"never closed,negative\n" + rest)
        try box.fails(["train", "--corpus", open, "--name", "open"], code: 65, mentions: "open.csv:3: record longer than")
        // Just under the bound is one long text like any other.
        let under = try box.write("under.txt", String(repeating: "profit rose ", count: 80_000) + "\n")
        XCTAssertEqual(try jsonArray(box.ok(["predict", "--file", under, "--no-store", "--format", "json"])).count, 1)
    }

    /// `--buckets` is bounded by what a weight matrix can hold, checked against the labels before allocating.
    func testBucketsAreBoundedBeforeAllocating() throws {
        let box = try Sandbox()
        let corpus = try box.write("news.csv", smallCorpus(step: 6))
        try box.fails(["train", "--corpus", corpus, "--buckets", "\(1 << 30)"], code: 64,
                      mentions: "--buckets must be in 1...16777216")
        try box.fails(["train", "--corpus", corpus, "--buckets", "\(1 << 24)", "--no-streaming"], code: 65,
                      mentions: "16777216 hashed features × 3 labels would need more than the 4194304 weights")
        // Out of core the bound is larger, but not for many labels: known after the read pass, before the trainer.
        var rows = ["text,label"]
        for i in 0..<400 { rows.append("headline number \(i) about topic \(i % 7),label\(i % 7)") }
        let seven = try box.write("seven.csv", rows.joined(separator: "\n") + "\n")
        try box.fails(["train", "--corpus", seven, "--name", "seven", "--buckets", "\(1 << 24)", "--streaming"], code: 65,
                      mentions: "16777216 hashed features × 7 labels would need more than the 67108864 weights")
        XCTAssertFalse(FileManager.default.fileExists(atPath: box.db), "nothing was stored")
    }

    /// In memory, a vocabulary of unique tokens is refused once counted, before features are named and weighed.
    func testInMemoryVocabularyIsBounded() throws {
        let box = try Sandbox()
        // 65,536 rows of 16 random 7-letter words: 2.0M distinct 1–2-grams, 4.6M 1–5-grams.
        var rng = SystemRandomNumberGenerator()
        var bytes = Array("text,label\n".utf8)
        bytes.reserveCapacity(9_000_000)
        let labels = [Array(",negative\n".utf8), Array(",neutral\n".utf8), Array(",positive\n".utf8)]
        for i in 0..<65_536 {
            for j in 0..<16 {
                if j > 0 { bytes.append(0x20) }
                for _ in 0..<7 { bytes.append(0x61 + UInt8(rng.next() % 26)) }
            }
            bytes += labels[i % 3]
        }
        let path = box.path("noise.csv")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try box.fails(["train", "--corpus", path, "--name", "noise", "--no-streaming", "--min-df", "1"], code: 65,
                      mentions: "raise --min-df, or train with --streaming")
        try box.fails(["train", "--corpus", path, "--name", "noise", "--no-streaming", "--min-df", "1", "--ngrams", "5"],
                      code: 65, mentions: "more than 4194304 distinct n-grams, too many to count in memory")
        XCTAssertFalse(FileManager.default.fileExists(atPath: box.db), "nothing was stored")
    }

    /// Runs `sentiment ARGS` under `ulimit -v KB` (set by bash, which then execs the tool).
    func runLimited(_ box: Sandbox, kilobytes: Int, _ args: [String]) throws -> RunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "ulimit -v \(kilobytes) && exec \"$0\" \"$@\"", sentimentBinary] + args
        var env = ProcessInfo.processInfo.environment
        env["SENTIMENT_DB"] = box.db
        env["HOME"] = box.dir.path
        process.environment = env
        process.currentDirectoryURL = box.dir
        let out = box.path("limited.out"), err = box.path("limited.err")
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, "ended by signal \(process.terminationStatus)")
        return RunResult(code: process.terminationStatus, stdout: try String(contentsOfFile: out, encoding: .utf8),
                         stderr: try String(contentsOfFile: err, encoding: .utf8))
    }

    /// Under `ulimit -v`, train and predict either have the room they need or say so (exit 74), never die of a
    /// failed allocation. 250 MB is more than the tool needs to start and far less than it needs to work (320 MB
    /// beyond start); 4 GB is plenty.
    func testAddressSpaceLimitGivesACleanError() throws {
        let box = try Sandbox()
        var rows = ["text,label"]
        let cues = [("shares plunge after loss warning", "negative"), ("board names new chair", "neutral"),
                    ("profit soars to record", "positive")]
        for i in 0..<30_000 { rows.append("company \(i % 977) \(cues[i % 3].0) in quarter \(i % 13),\(cues[i % 3].1)") }
        let corpus = try box.write("news.csv", rows.joined(separator: "\n") + "\n")
        let texts = try box.write("texts.txt", String(repeating: "Shares soar after record profit\nPlant closes\n", count: 5_000))
        try box.ok(["models", "list"])  // the store exists with its default model
        for args in [["train", "--corpus", corpus, "--name", "news", "--streaming"],
                     ["train", "--corpus", corpus, "--name", "news", "--no-streaming", "--no-tune"],
                     ["predict", "--file", texts, "--format", "csv"]] {
            let r = try runLimited(box, kilobytes: 250_000, args)
            XCTAssertEqual(r.code, 74, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("sentiment: error: not enough memory for "), r.stderr)
            XCTAssertFalse(r.stderr.contains("Fatal error") || r.stderr.contains("Backtracing"), r.stderr)
        }
        XCTAssertEqual(try box.ok(["predictions", "--format", "json"]).trimmingCharacters(in: .whitespacesAndNewlines), "[]")
        for args in [["train", "--corpus", corpus, "--name", "news", "--streaming"],
                     ["predict", "--file", texts, "--format", "csv", "--no-store"]] {
            let r = try runLimited(box, kilobytes: 4_000_000, args)
            XCTAssertEqual(r.code, 0, "\(args): \(r.stderr)")
        }
    }
}
