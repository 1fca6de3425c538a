import XCTest
@testable import TextFeatures

/// The fast row kernel (byte scanner, folded keys, radix sort, per-word character columns, run-length counts)
/// against a plain reference built from the readable path with a Dictionary.
final class ReferenceTests: XCTestCase {
    func reference(_ v: Vectorizer, _ text: String) -> [(Int32, Float)] {
        var ex = FeatureExtractor(v.config)
        var counts: [Int32: Float] = [:]
        for f in ex.namedFeatures(text) {
            let c = v.column(f.key, group: f.group)
            if c >= 0 { counts[c, default: 0] += 1 }
        }
        return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Raw counts (no weighting, no normalization) of word and character n-grams, as the reference makes them.
    func rawCounts(_ vocabulary: VocabularyMode, chars: ClosedRange<Int>) -> FeatureConfig {
        var c = FeatureConfig.default
        c.vocabulary = vocabulary
        c.weighting = .count
        c.sublinearTF = false
        c.l2Normalize = false
        c.charNgrams = CharNgramRange(min: chars.lowerBound, max: chars.upperBound)
        return c
    }

    func testCountsMatchReference() {
        var words: [String] = []
        for i in 0..<6000 { words.append("w\(i % 4500)") }           // > 4096 entries: introsort path
        let long = words.joined(separator: " ")
        let repeated = String(repeating: "same ", count: 3000)         // many equal columns
        let texts = SampleTexts.all + [long, repeated, "a b a b a b c"]
        let configs = [VocabularyMode.hashing(buckets: 1 << 16), .hashing(buckets: 7),
                       .vocabulary(minDocumentFrequency: 1, maxFeatures: nil)].map { rawCounts($0, chars: 2...3) }
        for c in configs {
            let v = Vectorizer.fit(texts, config: c)
            for t in texts {
                let row = v.transform(t)
                let ref = reference(v, t)
                XCTAssertEqual(row.indices, ref.map { $0.0 }, "\(c.vocabulary) \(t.prefix(40))")
                XCTAssertEqual(row.values, ref.map { $0.1 }, "\(c.vocabulary) \(t.prefix(40))")
            }
        }
    }

    /// Rows built one after another share a cache of each word's character n-gram columns: batches, a full cache
    /// and a word written with the negation marker's spelling (`not_good`) next to one in a negation scope all give
    /// the reference rows.
    func testCachedCharacterColumnsMatchReference() {
        let texts = SampleTexts.all + ["not good", "not_good good", "good, not good", "profits profits profit",
                                       "Profit fell; profit rose", "never profitable nor good"]
        for vocab in [VocabularyMode.hashing(buckets: 1 << 12), .vocabulary(minDocumentFrequency: 1, maxFeatures: nil)] {
            let v = Vectorizer.fit(texts, config: rawCounts(vocab, chars: 2...4))
            let batch = v.transform(texts + texts)
            for limit in [0, 3, 1 << 16] {
                var rb = RowBuilder(v.config)
                rb.charCache.limit = limit
                for (i, t) in (texts + texts).enumerated() {
                    v.countRow(t, &rb)
                    let ref = reference(v, t)
                    XCTAssertEqual(rb.cols.array, ref.map { $0.0 }, "\(vocab) limit \(limit): \(t.prefix(40))")
                    XCTAssertEqual(rb.vals.array, ref.map { $0.1 }, "\(vocab) limit \(limit): \(t.prefix(40))")
                    let e = batch.entryRange(ofRow: i)
                    XCTAssertEqual(Array(batch.columnIndices[e]), ref.map { $0.0 }, "batch row \(i)")
                }
                XCTAssertLessThanOrEqual(rb.charCache.ends.count, limit)
            }
        }
    }

    func testSortInt32() {
        var rng = PropertyTests.SplitMix(state: 7)
        for n in [0, 1, 2, 17, 100, 5000] {
            var a = (0..<n).map { _ in Int32(truncatingIfNeeded: rng.next() % 1000) }
            let expected = a.sorted()
            a.withUnsafeMutableBufferPointer { sortInt32($0) }
            XCTAssertEqual(a, expected)
        }
    }
}

extension ReferenceTests {
    func testSelectedNamesMatchReadableNames() {
        var config = FeatureConfig.default
        config.wordNgrams = 3
        config.charNgrams = CharNgramRange(min: 2, max: 4)
        var ex = FeatureExtractor(config)
        for text in SampleTexts.all {
            let all = ex.namedFeatures(text)
            let picked = ex.names(of: text) { key, _ in key % 3 != 0 }
            let expected = all.filter { $0.key % 3 != 0 }
            XCTAssertEqual(picked.map { $0.key }, expected.map { $0.key }, text)
            XCTAssertEqual(picked.map { $0.name }, expected.map { $0.name }, text)
        }
    }
}
