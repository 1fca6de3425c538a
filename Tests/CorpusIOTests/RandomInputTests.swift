import CorpusIO
import XCTest

/// Property tests: arbitrary bytes never crash a reader; they give records or a CorpusError, and streaming in
/// small chunks gives exactly what the bulk reader gives.
final class RandomInputTests: XCTestCase {
    private let valid = Array(("text,label\n\"Profit, up\",positive\nLoss \"wider\",negative\n\"a\"\"b\nc\",neutral\r\n"
        + "Zürich € ok,positive\n").utf8)
    private let alphabet: [UInt8] = Array("\",\n\r\t @{}:_ab".utf8) + [0x00, 0xC3, 0xA4, 0xFF, 0xE2, 0x82, 0xAC, 0xEF, 0xBB, 0xBF]

    private func check(_ bytes: [UInt8], path: String, options: CorpusOptions, chunk: Int) {
        let b = bulk(bytes, path: path, options: options)
        if case .success(let c) = b {
            XCTAssertGreaterThan(c.count, 0)
            XCTAssertEqual(c.lines.count, c.count)
            XCTAssertTrue(c.labels.isEmpty || c.labels.count == c.count)
        }
        let s = streamAll(bytes, path: path, options: options, chunkSize: chunk)
        XCTAssertEqual(s, b, "stream/bulk differ for \(bytes) (\(path), chunk \(chunk))")
    }

    func testRandomBytesInEveryFormat() {
        var rng = SplitMix64(seed: 42)
        let paths = ["r.csv", "r.tsv", "r.jsonl", "r.ft", "r.txt"]
        for round in 0..<2500 {
            let length = Int.random(in: 0...80, using: &rng)
            // A third each: structural ASCII only, structural plus bad bytes, any byte.
            let clean: [UInt8] = Array("\",\n\r\t @{}:_abl".utf8) + Array("__label__".utf8)
            let bytes = (0..<length).map { _ in
                switch round % 3 {
                case 0: return clean.randomElement(using: &rng)!
                case 1: return alphabet.randomElement(using: &rng)!
                default: return UInt8.random(in: 0...255, using: &rng)
                }
            }
            let path = paths[round % paths.count]
            let options = CorpusOptions(format: round % 3 == 0 ? nil : CorpusFormat.allCases.randomElement(using: &rng),
                                        requireLabels: round % 4 != 0)
            check(bytes, path: path, options: options, chunk: Int.random(in: 1...9, using: &rng))
        }
    }

    func testMutationsOfValidCSV() {
        var rng = SplitMix64(seed: 7)
        XCTAssertEqual(try parse(bytes: valid).count, 4)
        for _ in 0..<2500 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<max(bytes.count, 1), using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0 where !bytes.isEmpty: bytes[at] = alphabet.randomElement(using: &rng)!
                case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: min(at, bytes.count))
                case 2 where !bytes.isEmpty: bytes.remove(at: at)
                default: if !bytes.isEmpty { bytes[at] = UInt8.random(in: 0...255, using: &rng) }
                }
            }
            check(bytes, path: "m.csv", options: CorpusOptions(requireLabels: Bool.random(using: &rng)),
                  chunk: Int.random(in: 1...12, using: &rng))
        }
    }
}
