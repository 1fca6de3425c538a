import ClassifierStore
import Foundation
import GRDB
import XCTest

/// Hostile input gets a clean refusal and leaves the store as it was (issue "Data safety").
final class DataSafetyTests: XCTestCase {
    /// A portable model file rewritten with another header version and a recomputed checksum (a crafted file).
    private func craftedModel(_ box: Sandbox, version: Int, name: String, perturb: Bool) throws -> String {
        let bytes = try box.run(["models", "export", "default", "-"]).stdoutBytes
        let newline = try XCTUnwrap(bytes[18...].firstIndex(of: 0x0a))
        var header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[18..<newline])) as? [String: Any])
        header["version"] = version
        header["name"] = name
        if perturb { header["temperature"] = 1.25 }  // other content: a new version, not the same model
        let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        var out = Array(bytes[0..<18]) + [UInt8](json) + [0x0a] + Array(bytes[(newline + 1)..<(bytes.count - 32)])
        out += SHA256.hash(out)
        let path = box.path("crafted-\(version)-\(perturb).model")
        try Data(out).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testVersionsNeverWrap() throws {
        let box = try Sandbox()
        try box.ok(["models", "list"])
        let huge = try craftedModel(box, version: Int.max, name: "news", perturb: false)
        let first = try box.ok(["models", "import", huge])
        let second = try box.ok(["models", "import", try craftedModel(box, version: Int.max, name: "news", perturb: true)])
        let versions = try jsonArray(box.ok(["models", "list", "--format", "json"]))
            .filter { ($0["name"] as? String) == "news" }.compactMap { $0["version"] as? Int }
        XCTAssertEqual(versions.count, 2, first + second)
        XCTAssertTrue(versions.allSatisfy { $0 >= 1 && $0 <= Int(Int32.max) }, "versions \(versions)")
        // The name stays usable.
        try box.ok(["predict", "--model", "news", "--no-store", "Shares soar"])
        for v in versions { try box.ok(["predict", "--model", "news@\(v)", "--no-store", "Shares soar"]) }
    }

    func testBadModelNameIsRefusedBeforeAnythingIsImported() throws {
        let box = try Sandbox()
        try box.ok(["models", "list"])
        let corpus = try box.write("a@b.csv", try smallCorpus())
        try box.fails(["train", "--corpus", corpus, "--no-tune"], code: 65, mentions: "--name")
        for bad in ["x@1", " padded", "tab\there", String(repeating: "n", count: 201)] {
            let r = try box.run(["train", "--corpus", try box.write("ok.csv", try smallCorpus()), "--name", bad])
            XCTAssertNotEqual(r.code, 0, "name \(bad) accepted")
        }
        XCTAssertEqual(try jsonArray(box.ok(["corpora", "list", "--format", "json"])).count, 0, "nothing imported")
    }

    func testMistypedValuesWrittenAroundTheStoreAreStoreErrors() throws {
        let box = try Sandbox()
        try box.ok(["predict", "Shares soar after record profit", "Plant closes"])
        let db = try DatabaseQueue(path: box.db)
        try db.write { try $0.execute(sql: "UPDATE prediction SET confidence = 'very' WHERE id = 2") }
        try box.fails(["predictions", "--format", "jsonl"], code: 74, mentions: "table prediction, row 2, column confidence")
        try db.write { try $0.execute(sql: "UPDATE model SET temperature = 'hot'") }
        try db.close()
        try box.fails(["models", "list"], code: 74, mentions: "column temperature")
        try box.fails(["predict", "--no-store", "Shares soar"], code: 74, mentions: "column temperature")
    }

    func testUserTextNeverReachesTheTerminalRaw() throws {
        let box = try Sandbox()
        let esc = "\u{1B}", csi = "\u{9B}", bel = "\u{07}"
        func raw(_ s: String) -> Bool { s.contains(esc) || s.contains(csi) || s.contains(bel) || s.contains("\r") }
        // Labels, a model name's corpus and headlines carrying escape sequences.
        var csv = "text,label\n"
        for i in 0..<30 {
            csv += "\"Shares soar \(i) \(esc)]0;pwned\(bel)\",pos\(esc)[2Jitive\n"
            csv += "\"Plant closes \(i) \(csi)31m\",negative\n"
        }
        let corpus = try box.write("evil.csv", csv)
        try box.ok(["train", "--corpus", corpus, "--name", "evil", "--no-tune"])
        let outputs = [
            try box.run(["predict", "--model", "evil", "Shares soar \(esc)[2J now\rX", "Plant \(csi)31m closes"]),
            try box.run(["predictions"]),
            try box.run(["models", "list"]),
            try box.run(["models", "show", "evil"]),
            try box.run(["corpora", "show", "evil"]),
            try box.run(["predict", "--model", "evil\(esc)]0;x\(bel)", "hi"]),
            try box.run(["correct", "1", "neg\(esc)[2Jative"]),
        ]
        for r in outputs {
            XCTAssertFalse(raw(r.stdout), "raw control characters on stdout: \(r.stdout.debugDescription)")
            XCTAssertFalse(raw(r.stderr), "raw control characters on stderr: \(r.stderr.debugDescription)")
        }
        XCTAssertTrue(outputs[0].stdout.contains("\\u{1B}"), outputs[0].stdout)
        // JSON keeps the text, escaped (C1 included).
        let json = try box.ok(["predictions", "--format", "jsonl"])
        XCTAssertFalse(raw(json), json.debugDescription)
        XCTAssertTrue(json.contains("\\u001b"), json)
        XCTAssertTrue(json.contains("\\u009b"), json)
    }

    func testStoreOnAFIFOOrDeviceIsRefusedWithoutHanging() throws {
        let box = try Sandbox()
        XCTAssertEqual(mkfifo(box.path("fifo"), 0o600), 0)
        // Before the fix this blocked forever in open(2): run it with a generous deadline that fails the test.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sentimentBinary)
        process.arguments = ["models", "list", "--db", box.path("fifo")]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate(); XCTFail("sentiment hung on a FIFO store") }
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 74)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(message.contains("FIFO"), message)
        try box.fails(["models", "list", "--db", "/dev/null"], code: 74, mentions: "device")
    }

    /// The shipped model's file with its header and payload bytes edited, its checksum recomputed (a crafted file).
    private func crafted(_ box: Sandbox, _ name: String,
                         edit: (inout [String: Any], inout [UInt8], [(name: String, offset: Int, bytes: Int)]) throws -> Void) throws -> String {
        let bytes = try box.run(["models", "export", "default", "-", "--db", box.path("source.sqlite")]).stdoutBytes
        let newline = try XCTUnwrap(bytes[18...].firstIndex(of: 0x0a))
        var header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[18..<newline])) as? [String: Any])
        var payload = Array(bytes[(newline + 1)..<(bytes.count - 32)])
        var layout: [(name: String, offset: Int, bytes: Int)] = []
        var offset = 0
        for d in try XCTUnwrap(header["payloads"] as? [[String: Any]]) {
            let n = try XCTUnwrap(d["byteLength"] as? Int)
            layout.append((try XCTUnwrap(d["name"] as? String), offset, n))
            offset += n
        }
        try edit(&header, &payload, layout)
        let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        var out = Array(bytes[0..<18]) + [UInt8](json) + [0x0a] + payload
        out += SHA256.hash(out)
        let path = box.path(name)
        try Data(out).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testModelFilesThatCannotPredictAreRefusedAtImport() throws {
        let box = try Sandbox()
        try box.ok(["models", "list"])
        let before = try box.ok(["models", "list", "--format", "json"])
        func setConfig(_ header: inout [String: Any], _ change: (inout [String: Any]) -> Void) throws {
            var config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data((header["featureConfig"] as! String).utf8)) as? [String: Any])
            change(&config)
            header["featureConfig"] = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
        }
        let cases: [(String, String, (inout [String: Any], inout [UInt8], [(name: String, offset: Int, bytes: Int)]) throws -> Void)] = [
            ("huge-buckets.model", "hashing buckets", { h, _, _ in
                try setConfig(&h) { $0["vocabulary"] = ["hashing": ["buckets": 1 << 62]] } }),
            ("nan-weight.model", "finite", { _, p, layout in
                let w = layout.first { $0.name == "weights" }!
                for (i, b) in [0x00, 0x00, 0xC0, 0x7F].enumerated() { p[w.offset + 40 + i] = UInt8(b) } }),
            ("extra-label.model", "labels", { h, _, _ in
                h["labels"] = (h["labels"] as! [String]) + ["surprise"] }),
            ("tiny-temperature.model", "temperature", { h, _, _ in h["temperature"] = 1e-300 }),
            ("not-json-config.model", "feature configuration", { h, _, _ in h["featureConfig"] = "buckets: lots" }),
        ]
        for (file, mention, edit) in cases {
            let path = try crafted(box, file, edit: edit)
            try box.fails(["models", "import", path], code: 65, mentions: mention)
        }
        XCTAssertEqual(try box.ok(["models", "list", "--format", "json"]), before, "nothing was imported")
    }

    func testTooManyLabelsAreRefusedBeforeTrainingAndImportNothing() throws {
        let box = try Sandbox()
        try box.ok(["models", "list"])
        var csv = "text,label\n"
        for i in 0..<1_001 { csv += "headline number \(i),label\(i)\n" }
        let corpus = try box.write("labels.csv", csv)
        for mode in [["--no-streaming"], ["--streaming"]] {
            try box.fails(["train", "--corpus", corpus, "--name", "many"] + mode, code: 65, mentions: "1001 distinct labels")
        }
        XCTAssertEqual(try jsonArray(box.ok(["corpora", "list", "--format", "json"])).count, 0, "nothing imported")
    }

    func testStoreCreationIsAllOrNothing() throws {
        let box = try Sandbox()
        let path = box.path("new.sqlite")
        // Kill the first command as soon as its store is being built: a temporary file, or the store's own path,
        // has appeared. At that moment the path must hold nothing or a complete store.
        for _ in 0..<3 {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: sentimentBinary)
            process.arguments = ["models", "list", "--db", path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(120)
            while process.isRunning && Date() < deadline {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: box.dir.path)) ?? []
                if names.contains(where: { $0.hasPrefix(".sentiment-creating-") || $0.hasPrefix("new.sqlite") }) {
                    kill(process.processIdentifier, SIGKILL)
                    break
                }
            }
            process.waitUntilExit()
            if FileManager.default.fileExists(atPath: path) {
                let out = try box.ok(["models", "list", "--db", path, "--format", "json"])
                XCTAssertTrue(out.contains("default@1") && out.contains("active"), "an incomplete store: \(out)")
            }
        }
        // The next command creates (or finds) a complete store with its active default model, and leaves no
        // temporary files behind, also of the killed creations.
        let out = try box.ok(["models", "list", "--db", path, "--format", "json"])
        XCTAssertTrue(out.contains("default@1") && out.contains("active"), out)
        try box.ok(["predict", "--db", path, "--no-store", "Shares soar"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: box.dir.path).filter { $0.hasPrefix(".sentiment-creating-") }
        XCTAssertEqual(leftovers, [], "temporary files left behind")
    }

    func testHugeOneLineInputGivesAShortError() throws {
        let box = try Sandbox()
        // Carriage returns only: the whole file is one "line" to a CSV reader, with a stray quote in it.
        var csv = "text,label\r"
        for i in 0..<60_000 { csv += "headline \(i) with \"quote,positive\r" }
        let corpus = try box.write("cr-only.csv", csv)
        let r = try box.run(["train", "--corpus", corpus, "--name", "cr"])
        XCTAssertNotEqual(r.code, 0)
        XCTAssertLessThan(r.stderr.utf8.count, 2_000, "error of \(r.stderr.utf8.count) bytes")
        XCTAssertFalse(r.stderr.dropLast().contains("\r") || r.stderr.dropLast().contains("\n"), "one line, no raw CR")
        XCTAssertTrue(r.stderr.contains("cr-only.csv"), r.stderr)
    }

    /// Another process's write transaction, opened right after the WAL was truncated (so the WAL file is empty).
    private func holdWriteLock(_ path: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.allowsUnsafeTransactions = true
        config.busyMode = .timeout(30)
        let queue = try DatabaseQueue(path: path, configuration: config)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            try db.execute(sql: "BEGIN IMMEDIATE")
        }
        return queue
    }

    func testReadersNeverWaitForAWriterEvenWithAnEmptyWAL() throws {
        let box = try Sandbox()
        try box.ok(["predict", "Shares soar after record profit"])
        let wal = box.db + "-wal"
        let holder = try holdWriteLock(box.db)
        XCTAssertEqual((try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? NSNumber)?.intValue ?? 0, 0)
        let started = Date()
        for args in [["models", "list"], ["predictions"], ["predictions", "summary"], ["models", "show"],
                     ["corpora", "list"], ["predict", "--no-store", "Plant closes"]] {
            let r = try box.run(args)
            XCTAssertEqual(r.code, 0, "\(args): \(r.stderr)")
        }
        // Each would have waited the 5 s busy timeout and failed before.
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
        try holder.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
    }

    func testStoringWaitsForAnotherWriterInsteadOfStoppingHalfway() throws {
        let box = try Sandbox()
        let lines = (0..<60_000).map { "headline \($0) about profits and losses" }
        let file = try box.write("many.txt", lines.joined(separator: "\n") + "\n")
        try box.ok(["models", "list"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sentimentBinary)
        process.arguments = ["predict", "--file", file, "--db", box.db, "--format", "csv"]
        process.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        process.standardError = err
        // Take the write lock once the first batch is stored, and keep it longer than the 5 s busy timeout.
        try process.run()
        let store = try SentimentStore(path: box.db, readOnly: true)
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline, (try? store.countPredictions(PredictionQuery())) ?? 0 < 10_000 {
            usleep(1_000)
        }
        let holder = try holdWriteLock(box.db)
        Thread.sleep(forTimeInterval: 7)
        try holder.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
        process.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, message)
        XCTAssertEqual(try store.countPredictions(PredictionQuery()), 60_000, "every row stored once")
    }

    func testAModelWithoutFeaturesIsNotStored() throws {
        let box = try Sandbox()
        try box.ok(["models", "list"])
        let corpus = try box.write("small.csv", try smallCorpus())
        // Without a parent to carry it (beside the shipped model a corpus needs no feature of its own: AdaptationTests).
        try box.fails(["train", "--corpus", corpus, "--name", "empty", "--min-df", "99999999999", "--no-default-parent"],
                      code: 65, mentions: "--min-df")
        XCTAssertFalse(try box.ok(["models", "list"]).contains("empty"))
        XCTAssertEqual(try jsonArray(box.ok(["corpora", "list", "--format", "json"])).count, 0)
    }

    func testNoSilentConversionsInCorpora() throws {
        let box = try Sandbox()
        func jsonl(_ name: String, _ odd: String) throws -> String {
            var lines = (0..<10).map { "{\"text\": \"shares up \($0)\", \"label\": \"positive\"}" }
            lines += (0..<10).map { "{\"text\": \"shares down \($0)\", \"label\": \"negative\"}" }
            lines.insert(odd, at: 5)
            return try box.write(name, lines.joined(separator: "\n") + "\n")
        }
        try box.fails(["train", "--corpus", try jsonl("bool.jsonl", "{\"text\": \"odd\", \"label\": true}"), "--name", "x"],
                      code: 65, mentions: "bool.jsonl:6")
        try box.fails(["train", "--corpus", try jsonl("comma.jsonl", "{\"text\": \"odd\", \"label\": \"positive\",}"), "--name", "x"],
                      code: 65, mentions: "comma before }")
        try box.fails(["train", "--corpus", try jsonl("dup.jsonl", "{\"text\": \"a\", \"text\": \"b\", \"label\": \"positive\"}"), "--name", "x"],
                      code: 65, mentions: "\"text\" appears more than once")
        // Integer labels are a documented decision: taken as their decimal text.
        try box.ok(["train", "--corpus", try jsonl("int.jsonl", "{\"text\": \"odd\", \"label\": 7}"), "--name", "ints", "--no-tune"])
        let csv = try box.write("dup.csv", "text,label,text\n" + (0..<10).map { "up \($0),positive,x\ndown \($0),negative,y" }.joined(separator: "\n") + "\n")
        try box.fails(["train", "--corpus", csv, "--name", "x"], code: 65, mentions: "appears 2 times in the header (columns 1, 3)")
        // A PhraseBank file saved as UTF-8 is read as UTF-8, not as Latin-1 mojibake.
        let pb = (0..<10).map { "Sales in Hämeenlinna rose \($0) %@positive\nProfit in Jyväskylä fell \($0) %@negative" }
        let path = try box.write("pb.txt", pb.joined(separator: "\n") + "\n")
        try box.ok(["train", "--corpus", path, "--name", "pb", "--no-tune"])
        let shown = try box.ok(["corpora", "show", "pb", "--format", "json"])
        XCTAssertTrue(shown.contains("Hämeenlinna"), shown)
        XCTAssertFalse(shown.contains("Ã"), shown)
    }

    func testSearchTakesEverydayNewsTermsAsPlainWords() throws {
        let box = try Sandbox()
        try box.ok(["predict", "S&P 500 rallies as U.S. stocks gain", "Q3-2024 profit-warning at Nokia's unit, EUR 2.0 mn",
                    "Quarterly profit falls"])
        let expected = ["S&P 500": 1, "Q3-2024": 1, "profit-warning": 1, "U.S. stocks": 1, "Nokia's": 1, "EUR 2.0": 1,
                        "profit": 2, "\"profit warning\"": 1, "stocks profit": 0]
        for (words, count) in expected {
            let rows = try jsonArray(box.ok(["predictions", "--search", words, "--format", "json"]))
            XCTAssertEqual(rows.count, count, "--search \(words)")
        }
        let fts = try jsonArray(box.ok(["predictions", "--search", "profit NOT warning", "--fts", "--format", "json"]))
        XCTAssertEqual(fts.count, 1)
        try box.fails(["predictions", "--search", "S&P 500", "--fts"], code: 65, mentions: "invalid search")
    }
}
