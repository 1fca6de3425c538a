import XCTest
import Sparse
@testable import TextFeatures

/// Random Unicode never crashes the tokenizer or vectorizer, and the fast and readable paths agree on it.
final class PropertyTests: XCTestCase {
    struct SplitMix { var state: UInt64; mutating func next() -> UInt64 { state &+= 0x9E3779B97F4A7C15; return StableHash.mix64(state) } }

    static let pools: [ClosedRange<UInt32>] = [
        0x20...0x7E, 0x20...0x7E, 0xA0...0x24F, 0x300...0x36F, 0x370...0x52F, 0x590...0x6FF, 0x900...0x97F,
        0xE00...0xE7F, 0x1100...0x11FF, 0x2000...0x206F, 0x2100...0x2BFF, 0x3000...0x30FF, 0x4E00...0x9FFF,
        0xAC00...0xD7A3, 0xFE00...0xFE0F, 0xFF00...0xFFEF, 0x1F000...0x1FAFF, 0x1F3FB...0x1F3FF, 0x20000...0x2A6DF,
        0xE0000...0xE007F, 0xF0000...0xF00FF, 0x0...0x1F,
    ]

    static func randomText(_ rng: inout SplitMix) -> String {
        var view = String.UnicodeScalarView()
        let length = Int(rng.next() % 40)
        for _ in 0..<length {
            let pool = pools[Int(rng.next() % UInt64(pools.count))]
            let v = pool.lowerBound + UInt32(rng.next() % UInt64(pool.count))
            if let s = Unicode.Scalar(v) { view.append(s) }   // surrogates cannot be represented
            if rng.next() % 8 == 0 { view.append(contentsOf: " 't-5%@$!.".unicodeScalars.shuffled(using: &rng).prefix(2)) }
        }
        return String(view)
    }

    func testRandomUnicodeNeverCrashes() {
        var rng = SplitMix(state: 42)
        let texts = (0..<1500).map { _ in Self.randomText(&rng) }
        var config = FeatureConfig.default
        config.charNgrams = CharNgramRange(min: 1, max: 4)
        config.wordNgrams = 3
        var ex = FeatureExtractor(config)
        let tokenizer = Tokenizer(config.tokenizer)
        for t in texts {
            let toks = tokenizer.tokens(t)
            XCTAssertTrue(toks.allSatisfy { !$0.isEmpty && !$0.contains(" ") && !$0.contains(":") }, "\(toks)")
            ex.extract(t)
            XCTAssertEqual(ex.wordKeys.array + ex.charKeys.array, ex.namedFeatures(t).map { $0.key }, t)
        }
        for vocab in [VocabularyMode.hashing(buckets: 1 << 12), .vocabulary(minDocumentFrequency: 1, maxFeatures: 5000)] {
            config.vocabulary = vocab
            let (v, m) = Vectorizer.fitTransform(texts, config: config)
            XCTAssertEqual(m.rowCount, texts.count)
            XCTAssertEqual(v.transform(texts), m)
            for r in 0..<m.rowCount where m.entryRange(ofRow: r).count > 0 {
                let norm = m.row(r).values.reduce(0.0) { $0 + Double($1) * Double($1) }
                XCTAssertEqual(norm, 1, accuracy: 1e-4)
            }
            _ = v.features(of: texts[3])
        }
    }
}

extension PropertyTests.SplitMix: RandomNumberGenerator {}
