import ClassifierStore
import Foundation
import XCTest

final class ModelFileTests: XCTestCase {
    func testExportImportRoundTripIsByteIdentical() throws {
        let dir = try TempDir()
        let source = try SentimentStore.inMemory()
        _ = try source.saveModel(sampleModel(name: "news"))
        let info2 = try source.saveModel(sampleModel(name: "news", seed: 3))
        let bytes = try source.exportData(name: "news", version: nil)
        try Data(bytes).write(to: URL(fileURLWithPath: dir.path("news.model")))
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.path("news.model")))), bytes)
        XCTAssertTrue(bytes.starts(with: Array("SENTIMENT-MODEL 1\n".utf8)))
        XCTAssertEqual(try source.exportData(name: "news", version: 2), bytes, "export is deterministic")
        XCTAssertNotEqual(try source.exportData(name: "news", version: 1), bytes)

        let target = try SentimentStore(path: dir.path("t.sqlite"))
        let imported = try target.importModel(data: [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.path("news.model")))),
                                              source: "news.model")
        XCTAssertEqual(imported.reference, "news@2")  // the file's version is kept when free
        XCTAssertEqual(imported.checksum, info2.checksum)
        XCTAssertEqual(imported.status, .active)      // no model was active
        XCTAssertEqual(try target.exportData(name: "news", version: 2), bytes)
        let a = try source.loadModel(name: "news", version: 2), b = try target.loadModel(name: "news", version: 2)
        XCTAssertEqual(a.tensors.mapValues(bits), b.tensors.mapValues(bits))
        XCTAssertEqual(a.vocabulary, b.vocabulary)
        XCTAssertEqual(a.featureConfig, b.featureConfig)
        XCTAssertEqual(a.tuning, b.tuning)
        XCTAssertEqual(a.info.metrics, b.info.metrics)

        // Same content again: not duplicated. Different content with a taken version: next version.
        XCTAssertEqual(try target.importModel(data: bytes, source: "embedded").id, imported.id)
        XCTAssertEqual(try target.models().count, 1)
        let v1 = try target.importModel(data: try source.exportData(name: "news", version: 1), source: "v1")
        XCTAssertEqual(v1.version, 3)
        XCTAssertEqual(v1.status, .inactive)
    }

    func testCorruptAndTruncatedFilesGiveClearErrors() throws {
        let store = try SentimentStore.inMemory()
        _ = try store.saveModel(sampleModel())
        let bytes = try store.exportData(name: "news", version: nil)
        let target = try SentimentStore.inMemory()

        func expect(_ data: [UInt8], _ fragment: String, line: UInt = #line) {
            assertStoreError(try target.importModel(data: data, source: "m.model"), line: line) {
                if case .invalidModelFile(let s, let reason) = $0 {
                    return s == "m.model" && reason.contains(fragment) && $0.description.hasPrefix("m.model: ")
                }
                return false
            }
        }
        expect([], "truncated")
        expect(Array(bytes.prefix(10)), "truncated")
        expect(Array(bytes.prefix(40)), "truncated")
        expect(Array(bytes.dropLast(1)), "truncated")
        expect(Array(bytes.prefix(bytes.count / 2)), "truncated")
        expect(bytes + [0], "unexpected bytes")
        expect(Array("PK\u{3}\u{4}whatever".utf8), "not a sentiment model file")
        var v2 = bytes
        v2[16] = UInt8(ascii: "2")
        expect(v2, "unsupported format version 2")
        var flipped = bytes
        flipped[bytes.count - 40] ^= 0x20   // inside a payload
        expect(flipped, "checksum mismatch")
        var header = bytes
        header[20] = UInt8(ascii: "#")      // inside the JSON header
        expect(header, "corrupt header")
        XCTAssertEqual(try target.models().count, 0)
    }
}
