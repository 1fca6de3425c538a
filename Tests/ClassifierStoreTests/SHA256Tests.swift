import ClassifierStore
import XCTest

final class SHA256Tests: XCTestCase {
    func testStandardVectors() {
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testMillionAIncrementalInOddChunks() {
        var h = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 997)
        var remaining = 1_000_000
        while remaining > 0 {
            let n = min(remaining, chunk.count)
            h.update(Array(chunk[0..<n]))
            remaining -= n
        }
        XCTAssertEqual(SHA256.hexString(h.finalize()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testIncrementalEqualsOneShotAtPaddingBoundaries() {
        for length in [55, 56, 63, 64, 65, 119, 120, 128] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var h = SHA256()
            h.update(Array(bytes.prefix(length / 3)))
            h.update(Array(bytes.dropFirst(length / 3)))
            XCTAssertEqual(h.finalize(), SHA256.hash(bytes), "length \(length)")
        }
    }

    func testFileHashMatchesBytesAndMissingFileErrors() throws {
        let dir = try TempDir()
        let bytes = (0..<1_100_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        try Data(bytes).write(to: dir.url.appendingPathComponent("f.bin"))
        XCTAssertEqual(try SHA256.hex(contentsOfFile: dir.path("f.bin")), SHA256.hex(bytes))
        assertStoreError(try SHA256.hex(contentsOfFile: dir.path("missing"))) {
            if case .cannotOpen = $0 { return true } else { return false }
        }
    }
}
