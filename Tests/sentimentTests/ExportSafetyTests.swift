import Foundation
import XCTest

/// `models export` never harms what is at the destination (issue "Data safety", item 1).
final class ExportSafetyTests: XCTestCase {
    private func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    private func fileType(_ path: String) -> FileAttributeType? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
    }

    func testExportToStandardOutputAndNewFile() throws {
        let box = try Sandbox()
        try box.ok(["models", "list"])
        let out = try box.run(["models", "export", "default", "-"])
        XCTAssertEqual(out.code, 0, out.stderr)
        XCTAssertTrue(out.stdoutBytes.starts(with: Array("SENTIMENT-MODEL 1\n".utf8)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: box.path("-")), "- is standard output, not a file")
        XCTAssertTrue(out.stderr.contains("exported default@1 to standard output"), out.stderr)

        try box.ok(["models", "export", "default", "m.model"])
        XCTAssertEqual(try bytes(box.path("m.model")), out.stdoutBytes)
        // The written file is complete and importable into another store.
        let other = try box.run(["models", "import", box.path("m.model"), "--db", box.path("other.sqlite"), "--no-default-model"])
        XCTAssertEqual(other.code, 0, other.stderr)
    }

    func testRefusesToOverwriteTheStoreEvenWithForce() throws {
        let box = try Sandbox()
        try box.ok(["predict", "Shares soar after record profit"])
        let before = try box.ok(["predictions", "--format", "jsonl"])
        for extra in [[], ["--force"]] {
            try box.fails(["models", "export", "default", box.db] + extra, code: 73, mentions: "store")
            try box.fails(["models", "export", "default", box.db + "-wal"] + extra, code: 73, mentions: "store")
        }
        // Through a symbolic link to the store as well.
        try FileManager.default.createSymbolicLink(atPath: box.path("alias"), withDestinationPath: box.db)
        try box.fails(["models", "export", "default", box.path("alias"), "--force"], code: 73, mentions: "store")
        XCTAssertEqual(try box.ok(["predictions", "--format", "jsonl"]), before, "the store is intact")
        XCTAssertEqual(try box.ok(["models", "list", "--format", "json"]).contains("default@1"), true)
    }

    func testExistingFileNeedsForceAndIsReplacedWhole() throws {
        let box = try Sandbox()
        let target = try box.write("keep.txt", "precious\n")
        try box.fails(["models", "export", "default", target], code: 73, mentions: "--force")
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "precious\n")

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target)
        try box.ok(["models", "export", "default", target, "--force"])
        let model = try box.run(["models", "export", "default", "-"]).stdoutBytes
        XCTAssertEqual(try bytes(target), model)
        let mode = (try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? NSNumber)?.intValue
        XCTAssertEqual(mode, 0o600, "the replaced file keeps its permissions")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: box.dir.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [], "no temporary file is left behind")
    }

    func testSymbolicLinksAreWrittenThroughNotReplaced() throws {
        let box = try Sandbox()
        let real = try box.write("real.model", "old\n")
        try FileManager.default.createSymbolicLink(atPath: box.path("link.model"), withDestinationPath: real)
        try box.fails(["models", "export", "default", box.path("link.model")], code: 73, mentions: "--force")
        try box.ok(["models", "export", "default", box.path("link.model"), "--force"])
        XCTAssertEqual(fileType(box.path("link.model")), .typeSymbolicLink, "the link stays a link")
        XCTAssertTrue(try bytes(real).starts(with: Array("SENTIMENT-MODEL 1\n".utf8)), "its target holds the model")

        try FileManager.default.createSymbolicLink(atPath: box.path("dangling"), withDestinationPath: box.path("missing/x"))
        try box.fails(["models", "export", "default", box.path("dangling"), "--force"], code: 73, mentions: "symbolic link")
    }

    func testNeverWritesDirectoriesFIFOsOrDevices() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(atPath: box.path("dir"), withIntermediateDirectories: true)
        try box.fails(["models", "export", "default", box.path("dir"), "--force"], code: 73, mentions: "directory")
        XCTAssertEqual(fileType(box.path("dir")), .typeDirectory)

        // A FIFO would block a writer forever: refused before anything opens it.
        XCTAssertEqual(mkfifo(box.path("fifo"), 0o600), 0)
        try box.fails(["models", "export", "default", box.path("fifo"), "--force"], code: 73, mentions: "FIFO")
        var st = stat()
        XCTAssertEqual(lstat(box.path("fifo"), &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO, "the FIFO is still a FIFO")

        // A character device of our own (as root): the same device numbers as /dev/null.
        if mknod(box.path("null"), S_IFCHR | 0o666, dev_t(0x103)  /* major 1, minor 3 */) == 0 {
            try box.fails(["models", "export", "default", box.path("null"), "--force"], code: 73, mentions: "device")
            XCTAssertEqual(lstat(box.path("null"), &st), 0)
            XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR, "the device is still a device")
        }
    }

    func testMissingModelLeavesNoFile() throws {
        let box = try Sandbox()
        try box.fails(["models", "export", "nope", box.path("x.model")], code: 66, mentions: "nope")
        XCTAssertFalse(FileManager.default.fileExists(atPath: box.path("x.model")))
    }
}
