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
            .filter { ($0["name"] as? String) == "news" }.compactMap { ($0["version"] as? String).flatMap { Int($0) } }
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
}
