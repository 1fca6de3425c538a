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

    // MARK: - Known answers, and the staging of small updates (pieces under 4 KiB are gathered before swift-crypto)

    private static let vectors: [(message: [UInt8], hex: String)] = [
        ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8),
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000),
         "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    func testNISTVectorsWholeAndInSmallPieces() {
        for (message, hex) in Self.vectors {
            XCTAssertEqual(SHA256.hex(message), hex, "\(message.count) bytes")
            var h = SHA256()
            var offset = 0
            while offset < message.count {
                let n = min(message.count - offset, 1 + offset % 97)
                message[offset..<(offset + n)].withUnsafeBytes { h.update($0) }
                offset += n
            }
            XCTAssertEqual(SHA256.hexString(h.finalize()), hex, "\(message.count) bytes in pieces")
        }
    }

    func testTwoUpdatesSplitAtEveryOffsetEqualOneUpdate() {
        let bytes = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 13) }
        let whole = SHA256.hash(bytes)
        for split in 0...130 {
            var h = SHA256()
            h.update(Array(bytes[0..<split]))
            bytes[split...].withUnsafeBytes { h.update($0) }
            XCTAssertEqual(h.finalize(), whole, "split at \(split)")
        }
    }

    func testSmallUpdatesAroundTheStageSizeKeepTheirOrder() {
        // Staged bytes, then a piece that fills the stage exactly, overflows it, or goes straight through.
        let bytes = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 8) }
        let whole = SHA256.hash(bytes)
        for first in [0, 1, 8, 100, 4095, 4096, 4097] {
            for second in [1, 4095 - first, 4096 - first, 4097 - first, 4096, 4097, 9000] where second > 0 {
                var h = SHA256()
                bytes[0..<first].withUnsafeBytes { h.update($0) }
                bytes[first..<(first + second)].withUnsafeBytes { h.update($0) }
                bytes[(first + second)...].withUnsafeBytes { h.update($0) }
                XCTAssertEqual(h.finalize(), whole, "pieces \(first), \(second), rest")
            }
        }
    }

    func testByteAtATimeAndStringUpdatesEqualOneUpdate() {
        let text = String(repeating: "Operating profit rose to EUR 13.1 mn — ünïcödé 📈 ", count: 9)
        let bytes = Array(text.utf8)
        var one = SHA256()
        for b in bytes { one.update([b]) }
        XCTAssertEqual(one.finalize(), SHA256.hash(bytes))
        var strings = SHA256()
        strings.update(text)
        strings.update("")
        strings.update("short")           // small (inline) string
        XCTAssertEqual(strings.finalize(), SHA256.hash(bytes + Array("short".utf8)))
    }

    func testCopiedHasherIsIndependent() {
        let bytes = (0..<150).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var h = SHA256()
        h.update(Array(bytes[0..<70]))      // staged, not yet in swift-crypto's context
        var copy = h
        copy.update(Array(bytes[70...]))
        h.update([1, 2, 3])
        XCTAssertEqual(copy.finalize(), SHA256.hash(bytes))
        XCTAssertEqual(h.finalize(), SHA256.hash(Array(bytes[0..<70]) + [1, 2, 3]))

        let large = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        var g = SHA256()
        g.update(large)                     // straight into swift-crypto's context
        g.update([9])                       // and one staged byte
        var gCopy = g
        gCopy.update(large)
        g.update([4, 5])
        XCTAssertEqual(gCopy.finalize(), SHA256.hash(large + [9] + large))
        XCTAssertEqual(g.finalize(), SHA256.hash(large + [9, 4, 5]))
    }

    func testRandomPiecesEqualOneUpdate() {
        var rng = SplitMix64(seed: 0x5EED_5AA2_56)
        var lengths = Array(0...300)
        lengths += [447, 448, 511, 512, 513, 1000, 4095, 4096, 4097, 4096 + 55, 8192, 65_536 + 9, 100_003]
        for _ in 0..<40 { lengths.append(Int(rng.next() % 20_000)) }
        for length in lengths {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let reference = SHA256.hash(bytes)
            // The same bytes in random-sized pieces: mostly small (staged), now and then one of 4 KiB or more.
            var h = SHA256()
            var offset = 0
            while offset < length {
                let size = rng.next() % 8 == 0 ? 4000 + Int(rng.next() % 6000) : Int(rng.next() % 200)
                let n = min(length - offset, size)
                bytes[offset..<(offset + n)].withUnsafeBytes { h.update($0) }
                offset += n
            }
            XCTAssertEqual(h.finalize(), reference, "length \(length) in pieces")
        }
    }
}

/// Deterministic generator for the random-input tests.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
