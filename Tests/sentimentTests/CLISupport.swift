import Foundation
import XCTest

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
func repoPath(_ relative: String) -> String { repoRoot.appendingPathComponent(relative).path }

/// The built `sentiment` executable next to the test bundle.
let sentimentBinary: String = {
    let dir = Bundle.main.bundleURL
    for candidate in [dir.appendingPathComponent("sentiment"), dir.deletingLastPathComponent().appendingPathComponent("sentiment")] {
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
    }
    return repoPath(".build/debug/sentiment")
}()

struct RunResult {
    var code: Int32
    var stdout: String
    var stderr: String
    /// Standard output as bytes (binary output such as an exported model).
    var stdoutBytes: [UInt8] = []
}

/// A scratch directory with a store path; removed at the end.
final class Sandbox: Sendable {
    let dir: URL
    var db: String { dir.appendingPathComponent("store.sqlite").path }
    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sentimentTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func write(_ name: String, _ content: String) throws -> String {
        let p = path(name)
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Runs `sentiment ARGS` against this sandbox's store (through SENTIMENT_DB).
    @discardableResult
    func run(_ args: [String], stdin: String? = nil, useEnvironmentStore: Bool = true) throws -> RunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sentimentBinary)
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        if useEnvironmentStore { env["SENTIMENT_DB"] = db }
        env["HOME"] = dir.path
        env["XDG_DATA_HOME"] = dir.appendingPathComponent("xdg").path
        process.environment = env
        process.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so a large output cannot block the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let errData = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return RunResult(code: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData.data, as: UTF8.self), stdoutBytes: [UInt8](outData))
    }

    /// Runs and asserts success, returning stdout.
    @discardableResult
    func ok(_ args: [String], stdin: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try run(args, stdin: stdin)
        XCTAssertEqual(r.code, 0, "sentiment \(args.joined(separator: " ")) failed: \(r.stderr)", file: file, line: line)
        return r.stdout
    }

    /// Runs and asserts the exit code and a one-line error naming `mentions`.
    func fails(_ args: [String], code: Int32, mentions: String, stdin: String? = nil,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run(args, stdin: stdin)
        XCTAssertEqual(r.code, code, "sentiment \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(mentions), "stderr lacks \"\(mentions)\": \(r.stderr)", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error") || r.stderr.contains("Stack dump"), r.stderr, file: file, line: line)
    }
}

/// Parses JSON, failing the test with the text when it is not JSON.
func parseJSON(_ text: String, file: StaticString, line: UInt) throws -> Any {
    do {
        return try JSONSerialization.jsonObject(with: Data(text.utf8))
    } catch {
        XCTFail("not JSON: \(text.prefix(300))", file: file, line: line)
        throw error
    }
}

func jsonObject(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let o = try parseJSON(text, file: file, line: line)
    return try XCTUnwrap(o as? [String: Any], "not a JSON object: \(text.prefix(200))", file: file, line: line)
}

func jsonArray(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
    let o = try parseJSON(text, file: file, line: line)
    return try XCTUnwrap(o as? [[String: Any]], "not a JSON array of objects: \(text.prefix(200))", file: file, line: line)
}

/// A small labelled corpus (CSV) from the shipped English headlines: every `step`-th row.
func smallCorpus(step: Int = 4, offset: Int = 0) throws -> String {
    let lines = try String(contentsOfFile: repoPath("Corpora/headlines-en/headlines.csv"), encoding: .utf8)
        .split(separator: "\n", omittingEmptySubsequences: true)
    var out = [String(lines[0])]
    var i = 1 + offset
    while i < lines.count { out.append(String(lines[i])); i += step }
    return out.joined(separator: "\n") + "\n"
}
